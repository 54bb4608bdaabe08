import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusSchedules

/// The EventBridge-compatible events API and the verifier for requests signed for `events`.
public struct EventsEndpoint: Sendable {
    let api: EventsAPI
    let verifier: SigV4Verifier

    public init(api: EventsAPI, verifier: SigV4Verifier) {
        self.api = api
        self.verifier = verifier
    }
}

extension ControlAPIResponder {
    /// PutTargets with its largest inputs stays well under this.
    static let eventsBodyLimit = 1024 * 1024

    /// Whether the request is for the events API: a `POST` with `X-Amz-Target: AWSEvents.*`
    /// (never a function URL's request, whose headers belong to the function).
    static func isEventsRequest(_ request: Request) -> Bool {
        guard request.method == .post, request.headers[.amzTarget]?.hasPrefix(EventsAPI.targetPrefix) ?? false else { return false }
        let rawPath = split(request.head.path ?? "/").path
        return FunctionURLAddress(host: request.head.authority, rawPath: rawPath) == nil
    }

    /// Authenticates (SigV4, service `events`) and answers an events API request, with
    /// AWS JSON 1.1's error shape for every failure, authentication included.
    func respondToEventsRequest(_ request: Request, endpoint: EventsEndpoint, requestId: String) async -> Response {
        let answer: EventsAPIResponse
        do {
            let (rawPath, rawQuery) = Self.split(request.head.path ?? "/")
            if request.headers[.authorization] == nil, !(rawQuery ?? "").contains("X-Amz-Signature=") {
                throw EventsError(type: "MissingAuthenticationTokenException", message: "Missing Authentication Token", status: 403)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.eventsBodyLimit)
            } catch {
                throw EventsError(type: "ValidationException", message: "Request must be smaller than \(Self.eventsBodyLimit) bytes.", status: 413)
            }
            do {
                _ = try authenticate(request, rawPath: rawPath, rawQuery: rawQuery, body: body, verifier: endpoint.verifier)
            } catch {
                throw EventsError(type: error.code.rawValue, message: error.message, status: error.httpStatus)
            }
            answer = endpoint.api.handle(target: request.headers[.amzTarget] ?? "", body: Array(buffer: body))
        } catch let error as EventsError {
            answer = EventsAPI.errorResponse(error)
        } catch {
            answer = EventsAPI.errorResponse(.internalFailure)
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        headers[.amznRequestId] = requestId
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
