/// The SigV4 canonical request, rebuilt from the wire the way botocore builds it.
///
/// See botocore's `SigV4Auth.canonical_request`: method, canonical URI,
/// canonical query, canonical headers (each ending in a newline), the signed
/// header list and the payload hash, joined by newlines.
struct CanonicalRequest: Sendable, Equatable {
    /// The upper-cased method.
    var method: String
    /// The path, dot segments and empty segments removed, percent-encoded once more.
    var uri: String
    /// The sorted `key=value` pairs joined by `&`.
    var query: String
    /// One `name:value\n` line per signed header.
    var headers: String
    /// The signed header names as the client listed them, joined by `;`.
    var signedHeaders: String
    /// The payload hash: a lowercase hex SHA-256 or a marker like `UNSIGNED-PAYLOAD`.
    var payloadHash: String

    /// The text that is hashed into the string to sign.
    var text: String {
        [method, uri, query, headers, signedHeaders, payloadHash].joined(separator: "\n")
    }
}

extension CanonicalRequest {
    /// How the query string is turned into its canonical form.
    enum QueryStyle: Sendable, CaseIterable {
        /// botocore: split the wire query on `&` and `=`, sort, rejoin, no re-encoding.
        case asSent
        /// The SigV4 specification: decode each name and value (`+` as space),
        /// encode again with only unreserved characters kept, sort, rejoin.
        /// Clients that put `+` for a space on the wire (Go's SDK, botocore's own
        /// `params` path) sign this form.
        case reencoded
    }

    /// The canonical URI: botocore's `quote(normalize_url_path(path), safe='/~')`.
    ///
    /// The wire path is already percent-encoded, so `%` itself is encoded
    /// again: `/functions/arn%3Aaws` becomes `/functions/arn%253Aaws`.
    static func canonicalURI(rawPath: String) -> String {
        let normalized = rawPath.isEmpty ? "/" : removeDotSegments(rawPath)
        return PercentEncoding.encode(normalized, extraSafe: [UInt8(ascii: "/")])
    }

    /// botocore's `remove_dot_segments`: RFC 3986 §5.2.4, and empty segments dropped.
    ///
    /// Works on bytes, as Python works on code points: Swift's `Character`
    /// comparison would merge a `/` with a following combining mark.
    static func removeDotSegments(_ path: String) -> String {
        let bytes = Array(path.utf8)
        guard let firstByte = bytes.first, let lastByte = bytes.last else { return "" }
        let slash = UInt8(ascii: "/")
        let dot = UInt8(ascii: ".")
        var output: [ArraySlice<UInt8>] = []
        for segment in bytes.split(separator: slash, omittingEmptySubsequences: false) {
            if segment.isEmpty || segment.elementsEqual([dot]) {
                continue
            } else if segment.elementsEqual([dot, dot]) {
                if !output.isEmpty { output.removeLast() }
            } else {
                output.append(segment)
            }
        }
        var result: [UInt8] = firstByte == slash ? [slash] : []
        result.append(contentsOf: Array(output.joined(separator: [slash])))
        if lastByte == slash && !output.isEmpty { result.append(slash) }
        return String(decoding: result, as: UTF8.self)
    }

    /// The canonical query string, leaving out every pair named `excludedKey`.
    ///
    /// Returns `nil` when `style` is ``QueryStyle/reencoded`` and the query has
    /// a malformed `%` escape.
    static func canonicalQuery(rawQuery: String?, excluding excludedKey: String? = nil, style: QueryStyle) -> String? {
        guard let rawQuery, !rawQuery.isEmpty else { return "" }
        let excluded = excludedKey.map { Array($0.utf8) }
        var pairs: [(key: [UInt8], value: [UInt8])] = []
        for (rawKey, rawValue, isEmpty) in splitPairs(rawQuery) {
            switch style {
            case .asSent:
                if let excluded, rawKey == excluded { continue }
                pairs.append((rawKey, rawValue))
            case .reencoded:
                if isEmpty { continue }
                guard let key = PercentEncoding.decode(String(decoding: rawKey, as: UTF8.self), plusIsSpace: true),
                    let value = PercentEncoding.decode(String(decoding: rawValue, as: UTF8.self), plusIsSpace: true)
                else { return nil }
                if let excluded, Array(key.utf8) == excluded { continue }
                pairs.append((Array(PercentEncoding.encode(key).utf8), Array(PercentEncoding.encode(value).utf8)))
            }
        }
        // Python sorts (key, value) tuples by code point, which is UTF-8 byte order.
        pairs.sort { lhs, rhs in
            if lhs.key != rhs.key {
                return lhs.key.lexicographicallyPrecedes(rhs.key)
            }
            return lhs.value.lexicographicallyPrecedes(rhs.value)
        }
        let equals = UInt8(ascii: "=")
        let joined = pairs.map { $0.key + [equals] + $0.value }.joined(separator: [UInt8(ascii: "&")])
        return String(decoding: Array(joined), as: UTF8.self)
    }

    /// Python's `query.split('&')` then `pair.partition('=')`, on bytes.
    static func splitPairs(_ rawQuery: String) -> [(key: [UInt8], value: [UInt8], isEmpty: Bool)] {
        let equals = UInt8(ascii: "=")
        return Array(rawQuery.utf8).split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: false).map { piece in
            guard let index = piece.firstIndex(of: equals) else { return (Array(piece), [], piece.isEmpty) }
            return (Array(piece[..<index]), Array(piece[(index + 1)...]), false)
        }
    }

    /// The canonical header block: for each signed name, `name:values\n`.
    ///
    /// Values of a repeated header are joined with `,` in the order received;
    /// each value is trimmed and its inner whitespace runs collapsed to one
    /// space (Python's `' '.join(value.split())`). A signed header that is
    /// absent contributes `name:`, which will not verify.
    static func canonicalHeaders(signedNames: [String], of request: SigV4Request) -> String {
        var block = ""
        for name in signedNames {
            let values = request.headerValues(named: name).map(trimAll)
            block += "\(name):\(values.joined(separator: ","))\n"
        }
        return block
    }

    /// Python's `' '.join(value.split())`: whitespace runs become one space, ends trimmed.
    static func trimAll(_ value: String) -> String {
        var words: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in value.unicodeScalars {
            if isPythonWhitespace(scalar) {
                if !current.isEmpty {
                    words.append(String(current))
                    current = String.UnicodeScalarView()
                }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(String(current)) }
        return words.joined(separator: " ")
    }

    /// Python's `str.isspace()` for one scalar.
    private static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        (0x1C...0x1F).contains(scalar.value) || scalar.properties.isWhitespace
    }
}
