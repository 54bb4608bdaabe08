import Hummingbird
import Logging
import NIOCore

/// The benchmarks' floor: the same HTTP server Nimbus uses (Hummingbird, same
/// configuration), answering every request with its own body and nothing else: no
/// signature check, no routing, no function. `nimbus bench-echo` runs it.
public enum EchoServer {
    struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext

        func respond(to request: Request, context: Context) async throws -> Response {
            let body = try await request.body.collect(upTo: 6 * 1024 * 1024)
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
        }
    }

    public static func build(host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
        Application(
            responder: Responder(),
            configuration: .init(address: .hostname(host, port: port), serverName: "Nimbus"),
            logger: logger
        )
    }
}
