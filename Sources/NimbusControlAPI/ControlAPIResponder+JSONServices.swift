import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusLogs
import NimbusSchedules
import NimbusStreams

/// An AWS JSON 1.1 service served on Nimbus's port, with the verifier for requests signed
/// for its SigV4 service name (`events`, `kinesis`, `logs`).
public struct JSONServiceEndpoint<API: AWSJSONService>: Sendable {
    let api: API
    let verifier: SigV4Verifier

    public init(api: API, verifier: SigV4Verifier) {
        self.api = api
        self.verifier = verifier
    }
}

/// The EventBridge-compatible events API (schedules).
public typealias EventsEndpoint = JSONServiceEndpoint<EventsAPI>
/// The Kinesis-compatible streams API.
public typealias StreamsEndpoint = JSONServiceEndpoint<StreamsAPI>
/// The CloudWatch Logs-compatible logs API.
public typealias LogsEndpoint = JSONServiceEndpoint<LogsAPI>

extension ControlAPIResponder {
    /// Whether the request is for `API`: a `POST` whose `X-Amz-Target` starts with its
    /// prefix (never a function URL's request, whose headers belong to the function).
    static func isRequest<API>(for _: JSONServiceEndpoint<API>, _ request: Request) -> Bool {
        guard request.method == .post, request.headers[.amzTarget]?.hasPrefix(API.targetPrefix) ?? false else { return false }
        let rawPath = split(request.head.path ?? "/").path
        return FunctionURLAddress(host: request.head.authority, rawPath: rawPath) == nil
    }

    /// Authenticates (SigV4, the endpoint's service name) and answers a request, with AWS
    /// JSON 1.1's error shape for every failure, authentication included.
    func respond<API>(to request: Request, endpoint: JSONServiceEndpoint<API>, requestId: String) async -> Response {
        let answer: AWSJSONResponse
        do throws(API.Failure) {
            let (rawPath, rawQuery) = Self.split(request.head.path ?? "/")
            if request.headers[.authorization] == nil, !(rawQuery ?? "").contains("X-Amz-Signature=") {
                throw API.Failure(type: "MissingAuthenticationTokenException", message: "Missing Authentication Token", status: 403)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: API.bodyLimit)
            } catch {
                throw API.Failure(type: API.tooLargeType, message: "Request must be smaller than \(API.bodyLimit) bytes.", status: 413)
            }
            do {
                _ = try authenticate(request, rawPath: rawPath, rawQuery: rawQuery, body: body, verifier: endpoint.verifier)
            } catch {
                throw API.Failure(type: error.code.rawValue, message: error.message, status: error.httpStatus)
            }
            answer = endpoint.api.handle(target: request.headers[.amzTarget] ?? "", body: Array(buffer: body))
        } catch {
            answer = AWSJSON.errorResponse(error)
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        headers[.amznRequestId] = requestId
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
