import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusQueues

/// The SQS-compatible queue API and the verifier for requests signed for `sqs`.
public struct QueueEndpoint: Sendable {
    let api: QueueAPI
    let verifier: SigV4Verifier

    public init(api: QueueAPI, verifier: SigV4Verifier) {
        self.api = api
        self.verifier = verifier
    }
}

extension HTTPField.Name {
    static let amzTarget = HTTPField.Name("X-Amz-Target") ?? .contentType
    static let amznQueryError = HTTPField.Name("x-amzn-query-error") ?? .contentType
}

extension ControlAPIResponder {
    /// The largest SQS request body: a 1 MiB batch, JSON-escaped.
    static let queueBodyLimit = 8 * 1024 * 1024

    /// Whether the request is for the queue API: a `POST` with `X-Amz-Target: AmazonSQS.*`
    /// (botocore posts to `/`; some SDKs post to the queue's URL). No Lambda route uses
    /// `X-Amz-Target`, so the header decides.
    /// A function URL's request is never one: its body and headers belong to the function.
    static func isQueueRequest(_ request: Request) -> Bool {
        guard request.method == .post, request.headers[.amzTarget]?.hasPrefix(QueueAPI.targetPrefix) ?? false else { return false }
        let rawPath = split(request.head.path ?? "/").path
        return FunctionURLAddress(host: request.head.authority, rawPath: rawPath) == nil
    }

    /// Authenticates (SigV4, service `sqs`) and answers a queue API request, with SQS's
    /// JSON error shape for every failure, authentication included.
    func respondToQueueRequest(_ request: Request, endpoint: QueueEndpoint, requestId: String) async -> Response {
        let answer: QueueAPIResponse
        do {
            let (rawPath, rawQuery) = Self.split(request.head.path ?? "/")
            if request.headers[.authorization] == nil, !(rawQuery ?? "").contains("X-Amz-Signature=") {
                throw QueueError(type: "MissingAuthenticationTokenException", queryCode: "MissingAuthenticationToken",
                                 message: "Missing Authentication Token", status: 403)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.queueBodyLimit)
            } catch {
                throw QueueError(type: "RequestEntityTooLarge", queryCode: "RequestEntityTooLarge",
                                 message: "Request must be smaller than \(Self.queueBodyLimit) bytes.", status: 413)
            }
            do {
                _ = try authenticate(request, rawPath: rawPath, rawQuery: rawQuery, body: body, verifier: endpoint.verifier)
            } catch {
                throw QueueError(type: error.code.rawValue, queryCode: error.code.rawValue, message: error.message, status: error.httpStatus)
            }
            answer = await endpoint.api.handle(
                target: request.headers[.amzTarget] ?? "", body: Array(buffer: body), host: request.head.authority ?? "localhost")
        } catch let error as QueueError {
            answer = QueueAPI.errorResponse(error)
        } catch {
            answer = QueueAPI.errorResponse(.internalFailure)
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        headers[.amznRequestId] = requestId
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
