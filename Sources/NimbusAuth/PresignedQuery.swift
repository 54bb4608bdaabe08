/// The `X-Amz-*` authentication parameters of a presigned URL's query string.
struct PresignedQuery: Sendable, Equatable {
    /// The query parameter that marks a request as presigned.
    static let algorithmKey = "X-Amz-Algorithm"
    /// The query parameter that carries the signature and is left out of the canonical query.
    static let signatureKey = "X-Amz-Signature"

    /// Decoded parameters by name; the first occurrence of a name wins.
    private var parameters: [String: String]

    /// Reads the parameters of a wire query; `nil` when it has no `X-Amz-Algorithm`.
    ///
    /// Names and values are percent-decoded (a malformed escape leaves the raw
    /// text); `+` is kept as is, since botocore encodes spaces as `%20`.
    init?(rawQuery: String?) {
        guard let rawQuery, !rawQuery.isEmpty else { return nil }
        var parameters: [String: String] = [:]
        for (rawKey, rawValue, _) in CanonicalRequest.splitPairs(rawQuery) {
            let keyText = String(decoding: rawKey, as: UTF8.self)
            let valueText = String(decoding: rawValue, as: UTF8.self)
            let key = PercentEncoding.decode(keyText) ?? keyText
            if parameters[key] == nil {
                parameters[key] = PercentEncoding.decode(valueText) ?? valueText
            }
        }
        guard parameters[Self.algorithmKey] != nil else { return nil }
        self.parameters = parameters
    }

    /// A parameter's value, `nil` when absent or empty.
    subscript(_ name: String) -> String? {
        guard let value = parameters[name], !value.isEmpty else { return nil }
        return value
    }

    var algorithm: String? { self[Self.algorithmKey] }
    var credential: String? { self["X-Amz-Credential"] }
    var signature: String? { self[Self.signatureKey] }
    var signedHeaders: String? { self["X-Amz-SignedHeaders"] }
    var date: String? { self["X-Amz-Date"] }
    var expires: String? { self["X-Amz-Expires"] }

    /// AWS's message when required parameters are missing; `nil` when all are present.
    var missingPartsMessage: String? {
        let required = [Self.algorithmKey, "X-Amz-Credential", Self.signatureKey, "X-Amz-SignedHeaders", "X-Amz-Date"]
        let missing = required.filter { self[$0] == nil }
        guard !missing.isEmpty else { return nil }
        return missing.map { "AWS query-string parameters must include '\($0)'. " }.joined()
            + "Re-examine the query-string parameters."
    }
}
