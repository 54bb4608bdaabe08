import Foundation
import NimbusAuth

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Talks to a running Nimbus over its HTTP APIs, signing every request with SigV4 as the aws CLI does.
///
/// Uses Foundation's URLSession (FoundationNetworking on Linux): the CLI makes a handful of
/// sequential calls, so a plain blocking-style client is enough and adds no dependency.
public struct NimbusClient: Sendable {
    /// `http://host:port`, without a trailing slash.
    public var endpoint: String
    public var credentials: SigV4Credentials
    public var region: String

    /// An HTTP answer.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        /// A header, by name in any case.
        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }

        /// The body as a JSON object; empty when it is not one.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }
    }

    public init(endpoint: String, credentials: SigV4Credentials, region: String) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.credentials = credentials
        self.region = region
    }

    /// The endpoint, keys and region from flags and the environment, as the aws CLI reads them.
    public static func fromEnvironment(endpoint: String?, _ env: [String: String] = ProcessInfo.processInfo.environment) -> NimbusClient {
        NimbusClient(
            endpoint: endpoint ?? env["NIMBUS_ENDPOINT"] ?? "http://127.0.0.1:9000",
            credentials: SigV4Credentials(
                accessKeyId: env["AWS_ACCESS_KEY_ID"] ?? "nimbus", secretAccessKey: env["AWS_SECRET_ACCESS_KEY"] ?? "nimbus"
            ),
            region: env["AWS_REGION"] ?? env["AWS_DEFAULT_REGION"] ?? "us-east-1"
        )
    }

    /// Percent-encodes one path segment (a function name or ARN).
    public static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")) ?? text
    }

    /// A Lambda REST call; an error answer (status ≥ 400) throws with AWS's type and message.
    public func lambda(
        _ method: String, _ path: String, query: String? = nil, json: Any? = nil, body: Data? = nil,
        headers: [(name: String, value: String)] = [], allowErrors: Bool = false
    ) async throws(CLIError) -> Response {
        var payload = body ?? Data()
        var extra = headers
        if let json {
            payload = (try? JSONSerialization.data(withJSONObject: json)) ?? Data()
            extra.append((name: "Content-Type", value: "application/json"))
        }
        let response = try await send(method, path: path, query: query, headers: extra, body: payload, service: "lambda")
        if response.status >= 400 && !allowErrors { throw Self.error(response) }
        return response
    }

    /// An AWS JSON-protocol call (SQS: 1.0, EventBridge: 1.1): `POST /` with `X-Amz-Target`.
    public func jsonProtocol(service: String, target: String, version: String, _ json: [String: Any]) async throws(CLIError) -> [String: Any] {
        let payload = (try? JSONSerialization.data(withJSONObject: json)) ?? Data()
        let response = try await send(
            "POST", path: "/", query: nil,
            headers: [(name: "Content-Type", value: "application/x-amz-json-\(version)"), (name: "X-Amz-Target", value: target)],
            body: payload, service: service
        )
        if response.status >= 400 { throw Self.error(response) }
        return response.json
    }

    /// AWS's error type (header or `__type`) and message from an error answer.
    static func error(_ response: Response) -> CLIError {
        let json = response.json
        var type = response.header("X-Amzn-ErrorType") ?? (json["__type"] as? String) ?? "HTTP \(response.status)"
        if let hash = type.lastIndex(of: "#") { type = String(type[type.index(after: hash)...]) }
        if let colon = type.firstIndex(of: ":") { type = String(type[..<colon]) }
        let message = (json["Message"] as? String) ?? (json["message"] as? String)
            ?? String(decoding: response.body, as: UTF8.self)
        return .api(status: response.status, type: type, message: message)
    }

    func send(
        _ method: String, path: String, query: String?, headers: [(name: String, value: String)], body: Data, service: String
    ) async throws(CLIError) -> Response {
        guard let url = URL(string: endpoint + path + (query.map { "?\($0)" } ?? "")), let host = url.host else {
            throw CLIError("Invalid endpoint \(endpoint): give a URL like http://127.0.0.1:9000.")
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        let signer = SigV4Signer(credentials: credentials, region: region, service: service)
        let signed = signer.sign(
            method: method, rawPath: path, rawQuery: query, headers: [(name: "Host", value: hostHeader)] + headers,
            body: body
        )
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 960
        for header in signed where header.name != "Host" { request.setValue(header.value, forHTTPHeaderField: header.name) }
        if !body.isEmpty { request.httpBody = body }
        do {
            let (data, urlResponse) = try await URLSession.shared.data(for: request)
            guard let http = urlResponse as? HTTPURLResponse else { throw CLIError.unreachable(endpoint) }
            var fields: [String: String] = [:]
            for (key, value) in http.allHeaderFields {
                if let key = key as? String, let value = value as? String { fields[key] = value }
            }
            return Response(status: http.statusCode, headers: fields, body: data)
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError.unreachable(endpoint)
        }
    }
}
