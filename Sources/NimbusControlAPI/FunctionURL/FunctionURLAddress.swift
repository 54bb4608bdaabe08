/// Which function URL a request addresses, if any.
///
/// Two forms reach the same URL:
/// - the host name `<url-id>.lambda-url.<region>.localhost[:port]` (what `FunctionUrl` says);
/// - the path prefix `/_nimbus/url/<url-id>/...`, for clients that cannot choose a host name.
struct FunctionURLAddress: Sendable, Equatable {
    var urlId: String
    /// The path the function sees (percent-encoded as sent), without any prefix.
    var rawPath: String

    static let pathPrefix = "/_nimbus/url/"

    init(urlId: String, rawPath: String) {
        self.urlId = urlId
        self.rawPath = rawPath
    }

    init?(host: String?, rawPath: String) {
        if rawPath.hasPrefix(Self.pathPrefix) {
            let rest = rawPath.dropFirst(Self.pathPrefix.count)
            let id = rest.prefix { $0 != "/" }
            guard Self.isURLId(id) else { return nil }
            urlId = String(id)
            let path = rest.dropFirst(id.count)
            self.rawPath = path.isEmpty ? "/" : String(path)
            return
        }
        guard let host else { return nil }
        let name = (host.split(separator: ":", maxSplits: 1).first.map(String.init) ?? host).lowercased()
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count == 4, labels[1] == "lambda-url", labels[3] == "localhost", Self.isURLId(labels[0]) else { return nil }
        urlId = String(labels[0])
        self.rawPath = rawPath.isEmpty ? "/" : rawPath
    }

    /// 32 lowercase letters and digits, as AWS's URL ids.
    static func isURLId(_ text: Substring) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }

    static func newURLId() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }

    /// `http://<url-id>.lambda-url.<region>.localhost:<port>/`; the port is the one the
    /// API request came in on (its Host), which is the port Nimbus serves URLs on.
    static func functionUrl(urlId: String, region: String, apiHost: String?) -> String {
        let port = apiHost.flatMap { host -> String? in
            guard let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") else { return nil }
            return String(host[host.index(after: colon)...])
        }
        return "http://\(urlId).lambda-url.\(region).localhost\(port.map { ":\($0)" } ?? "")/"
    }
}
