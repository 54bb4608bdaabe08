import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusLogs

/// The CloudWatch Logs-compatible logs API and the verifier for requests signed for `logs`.
public struct LogsEndpoint: Sendable {
    let api: LogsAPI
    let verifier: SigV4Verifier

    public init(api: LogsAPI, verifier: SigV4Verifier) {
        self.api = api
        self.verifier = verifier
    }
}

extension ControlAPIResponder {
    /// Requests to the read API are small; FilterLogEvents' 100 stream names stay well under this.
    static let logsBodyLimit = 1024 * 1024

    /// Whether the request is for the logs API: a `POST` with `X-Amz-Target: Logs_20140328.*`
    /// (never a function URL's request, whose headers belong to the function).
    static func isLogsRequest(_ request: Request) -> Bool {
        guard request.method == .post, request.headers[.amzTarget]?.hasPrefix(LogsAPI.targetPrefix) ?? false else { return false }
        let rawPath = split(request.head.path ?? "/").path
        return FunctionURLAddress(host: request.head.authority, rawPath: rawPath) == nil
    }

    /// Authenticates (SigV4, service `logs`) and answers a logs API request, with
    /// AWS JSON 1.1's error shape for every failure, authentication included.
    func respondToLogsRequest(_ request: Request, endpoint: LogsEndpoint, requestId: String) async -> Response {
        let answer: LogsAPIResponse
        do {
            let (rawPath, rawQuery) = Self.split(request.head.path ?? "/")
            if request.headers[.authorization] == nil, !(rawQuery ?? "").contains("X-Amz-Signature=") {
                throw LogsError(type: "MissingAuthenticationTokenException", message: "Missing Authentication Token", status: 403)
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: Self.logsBodyLimit)
            } catch {
                throw LogsError(type: "InvalidParameterException", message: "Request must be smaller than \(Self.logsBodyLimit) bytes.", status: 413)
            }
            do {
                _ = try authenticate(request, rawPath: rawPath, rawQuery: rawQuery, body: body, verifier: endpoint.verifier)
            } catch {
                throw LogsError(type: error.code.rawValue, message: error.message, status: error.httpStatus)
            }
            answer = endpoint.api.handle(target: request.headers[.amzTarget] ?? "", body: Array(buffer: body))
        } catch let error as LogsError {
            answer = LogsAPI.errorResponse(error)
        } catch {
            answer = LogsAPI.errorResponse(.internalFailure)
        }
        var headers = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        headers[.amznRequestId] = requestId
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
