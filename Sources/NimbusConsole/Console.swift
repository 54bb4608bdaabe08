import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NimbusControlAPI
import NimbusCore
import NimbusStore

/// The web console under `/console/`: static pages plus a small JSON API behind a
/// session cookie, calling the Lambda services in-process (see ``LambdaOperations``).
public struct Console: Sendable {
    let operations: LambdaOperations
    let sessions: ConsoleSessions
    let testEvents: ConsoleTestEventStore
    let logs: LogStore
    let metrics: ConsoleMetrics
    let assets: ConsoleAssets

    /// Requests the console's own script sends carry this header; a cross-site form cannot
    /// set it, so together with `SameSite=Strict` it keeps other sites from acting as the user.
    static let csrfHeader = HTTPField.Name("X-Nimbus-Console")!
    /// Large enough for a 1 MB package's text file in JSON, and an invoke payload (6 MB).
    static let bodyLimit = 8 << 20

    public init(
        operations: LambdaOperations, sessions: ConsoleSessions, testEvents: ConsoleTestEventStore, logs: LogStore,
        metrics: (any FunctionMetricsQuery)?, assets: ConsoleAssets = ConsoleAssets()
    ) {
        self.operations = operations
        self.sessions = sessions
        self.testEvents = testEvents
        self.logs = logs
        self.metrics = ConsoleMetrics(query: metrics)
        self.assets = assets
    }

    /// Whether a request is the console's: `/console` or below, and not to a function URL host.
    public static func handles(path: String, host: String?) -> Bool {
        guard path == "/console" || path.hasPrefix("/console/") else { return false }
        let name = host?.split(separator: ":").first ?? ""
        return !name.lowercased().contains(".lambda-url.")
    }

    public func respond(to request: Request) async -> Response {
        let path = request.uri.path
        if path == "/console" { return Self.redirect("/console/") }
        let rest = String(path.dropFirst("/console/".count))
        if rest.hasPrefix("api/") {
            var response = await api(request, route: String(rest.dropFirst(4)))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        guard request.method == .get || request.method == .head else { return Self.message(405, "MethodNotAllowed", "Use GET.") }
        if rest.hasPrefix("vendor/") {
            guard let data = assets.vendorFile(String(rest.dropFirst("vendor/".count))) else { return Self.message(404, "NotFound", "No such file.") }
            return Self.file(data, type: ConsoleAssets.contentType(rest))
        }
        let name = rest.isEmpty ? "index.html" : rest
        guard let data = assets.ownFile(name) else { return Self.message(404, "NotFound", "No such file.") }
        return Self.file(data, type: ConsoleAssets.contentType(name))
    }

    // MARK: API

    private func api(_ request: Request, route: String) async -> Response {
        let requestId = UUID().uuidString.lowercased()
        let token = ConsoleSessions.token(fromCookieHeader: request.headers[.cookie])
        if request.method != .get, request.headers[Self.csrfHeader] == nil {
            return Self.message(403, "Forbidden", "Console API requests must carry the X-Nimbus-Console header.")
        }
        switch (request.method, route) {
        case (.post, "login"):
            // Small: only credentials. Anonymous clients cannot make the server hold more.
            guard let body = try? await request.body.collect(upTo: 16 << 10) else {
                return Self.message(413, "RequestTooLarge", "The request is larger than 16384 bytes.")
            }
            return logIn(body)
        case (.post, "logout"):
            sessions.logOut(token)
            var response = Self.json(Data("{}".utf8))
            response.headers[.setCookie] = ConsoleSessions.clearCookie
            return response
        default: break
        }
        guard sessions.isValid(token) else { return Self.message(401, "Unauthorized", "Log in to use the console.") }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.bodyLimit)
        } catch {
            return Self.message(413, "RequestTooLarge", "The request is larger than \(Self.bodyLimit) bytes.")
        }
        do {
            return try await ConsoleAPI(console: self, request: request, body: body, requestId: requestId).route(route)
        } catch {
            return LambdaOperations.errorResponse(error, requestId: requestId)
        }
    }

    private func logIn(_ body: ByteBuffer) -> Response {
        struct Credentials: Decodable { var accessKeyId: String; var secretAccessKey: String }
        guard let credentials = try? JSONDecoder().decode(Credentials.self, from: Data(buffer: body)) else {
            return Self.message(400, "BadRequest", "Send accessKeyId and secretAccessKey.")
        }
        if let wait = sessions.retryAfter() {
            var response = Self.message(429, "TooManyRequests", "Too many wrong logins: try again in \(wait) seconds.")
            response.headers[.retryAfter] = String(wait)
            return response
        }
        guard let token = sessions.logIn(accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey) else {
            return Self.message(401, "Unauthorized", "The access key id or secret access key is wrong.")
        }
        var response = Self.json(["accessKeyId": credentials.accessKeyId])
        response.headers[.setCookie] = ConsoleSessions.setCookie(token)
        return response
    }

    // MARK: Responses

    static func json(_ data: Data, status: Int = 200) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func json(_ value: some Encodable, status: Int = 200) -> Response {
        json((try? JSONEncoder().encode(value)) ?? Data("{}".utf8), status: status)
    }

    /// The console's own errors, in the same shape as AWS's (`Type`, `Message`).
    static func message(_ status: Int, _ type: String, _ message: String) -> Response {
        var response = json(Data(("{\"Type\":" + JSONText.quoted(type) + ",\"Message\":" + JSONText.quoted(message) + "}").utf8), status: status)
        response.headers[HTTPField.Name("X-Amzn-ErrorType")!] = type
        return response
    }

    static func file(_ data: Data, type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache"]
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location])
    }
}

/// Sends `/console/...` to the console and everything else to the Lambda API.
public struct ConsoleRouter<Next: HTTPResponder>: HTTPResponder {
    public typealias Context = Next.Context
    let console: Console
    let next: Next

    public init(console: Console, next: Next) {
        self.console = console
        self.next = next
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        if Console.handles(path: request.uri.path, host: request.head.authority) {
            return await console.respond(to: request)
        }
        return try await next.respond(to: request, context: context)
    }
}
