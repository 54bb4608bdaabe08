/// The parts of an HTTP request that a SigV4 signature covers, exactly as received.
///
/// Everything is taken from the wire without decoding: the verifier rebuilds the
/// canonical request the way the client did, and any decoding by the HTTP stack
/// (of the path, the query or repeated headers) would change what is signed.
public struct SigV4Request: Sendable {
    /// The request method, e.g. `GET` or `POST`.
    public var method: String
    /// The path as on the wire: still percent-encoded, without the query.
    public var rawPath: String
    /// The query string as on the wire, without the `?`; `nil` when there is none.
    public var rawQuery: String?
    /// Every request header as received, in order; names in any case, names may repeat.
    public var headers: [(name: String, value: String)]
    /// The lowercase hex SHA-256 of the body; see ``SigV4Verifier/sha256Hex(_:)``.
    public var payloadSHA256Hex: String

    /// Creates a request description.
    public init(
        method: String,
        rawPath: String,
        rawQuery: String? = nil,
        headers: [(name: String, value: String)],
        payloadSHA256Hex: String
    ) {
        self.method = method
        self.rawPath = rawPath
        self.rawQuery = rawQuery
        self.headers = headers
        self.payloadSHA256Hex = payloadSHA256Hex
    }

    /// The values of every header with this name, compared case-insensitively, in order.
    func headerValues(named name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    /// The value of the first header with this name, compared case-insensitively.
    func firstHeader(named name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
