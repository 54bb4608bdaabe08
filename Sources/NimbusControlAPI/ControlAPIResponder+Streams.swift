import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusStreams

/// The Kinesis-compatible streams API and the verifier for requests signed for `kinesis`.
public struct StreamsEndpoint: Sendable {
    let api: StreamsAPI
    let verifier: SigV4Verifier

    public init(api: StreamsAPI, verifier: SigV4Verifier) {
        self.api = api
        self.verifier = verifier
    }
}

extension ControlAPIResponder {
    /// PutRecords carries up to 500 records, base64-encoded: 10 MiB of JSON is plenty for Nimbus.
    static let streamsBodyLimit = 10 * 1024 * 1024

    /// Whether the request is for the streams API: a `POST` with `X-Amz-Target: Kinesis_20131202.*`
    /// (never a function URL's request, whose headers belong to the function).
    static func isStreamsRequest(_ request: Request) -> Bool {
        guard request.method == .post, request.headers[.amzTarget]?.hasPrefix(StreamsAPI.targetPrefix) ?? false else { return false }
        let rawPath = split(request.head.path ?? "/").path
        return FunctionURLAddress(host: request.head.authority, rawPath: rawPath) == nil
    }

    /// Authenticates (SigV4, service `kinesis`) and answers a streams API request, with
    /// AWS JSON 1.1's error shape for every failure, authentication included.
    func respondToStreamsRequest(_ request: Request, endpoint: StreamsEndpoint, requestId: String) async -> Response {
        let answer: StreamsAPIResponse
        do {
            let (rawPath, rawQuery) = Self.split(request.head.path ?? "/")
            if request.headers[.authorization] == nil, !(rawQuery ?? "").contains("X-Amz-Signature=") {
                throw StreamError(type: "MissingAuthenticationTokenException", message: "Missing Authentication Token", status: 403)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.streamsBodyLimit)
            } catch {
                throw StreamError(type: "ValidationException", message: "Request must be smaller than \(Self.streamsBodyLimit) bytes.", status: 413)
            }
            do {
                _ = try authenticate(request, rawPath: rawPath, rawQuery: rawQuery, body: body, verifier: endpoint.verifier)
            } catch {
                throw StreamError(type: error.code.rawValue, message: error.message, status: error.httpStatus)
            }
            answer = endpoint.api.handle(target: request.headers[.amzTarget] ?? "", body: Array(buffer: body))
        } catch let error as StreamError {
            answer = StreamsAPI.errorResponse(error)
        } catch {
            answer = StreamsAPI.errorResponse(.internalFailure)
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        headers[.amznRequestId] = requestId
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
