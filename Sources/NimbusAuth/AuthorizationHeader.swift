/// The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
struct AuthorizationHeader: Sendable, Equatable {
    /// The first word, e.g. `AWS4-HMAC-SHA256`.
    var algorithm: String
    /// `Credential=` value, `nil` when absent or empty.
    var credential: String?
    /// `SignedHeaders=` value, `nil` when absent or empty.
    var signedHeaders: String?
    /// `Signature=` value, `nil` when absent or empty.
    var signature: String?

    /// Splits a header value into its algorithm and `key=value` components.
    ///
    /// As AWS does, components are separated by commas and whitespace, and a
    /// component without `=` is rejected with AWS's
    /// `not a valid key=value pair (missing equal-sign)` message. A missing
    /// component is not an error here; see ``missingParts(dateIsPresent:)``.
    init(parsing header: String) throws(SigV4Error) {
        let trimmed = header.drop { $0 == " " || $0 == "\t" }
        let algorithmEnd = trimmed.firstIndex { $0 == " " || $0 == "\t" || $0 == "," } ?? trimmed.endIndex
        algorithm = String(trimmed[..<algorithmEnd])
        var values: [String: String] = [:]
        let components = trimmed[algorithmEnd...].split { $0 == "," || $0 == " " || $0 == "\t" }
        for component in components {
            guard let equals = component.firstIndex(of: "=") else {
                throw .notKeyValuePair(String(component), header: header)
            }
            values[String(component[..<equals])] = String(component[component.index(after: equals)...])
        }
        credential = values["Credential"].flatMap { $0.isEmpty ? nil : $0 }
        signedHeaders = values["SignedHeaders"].flatMap { $0.isEmpty ? nil : $0 }
        signature = values["Signature"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// AWS's sentences for each missing part, in AWS's order; empty when complete.
    func missingParts(dateIsPresent: Bool) -> [String] {
        var missing: [String] = []
        if credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if signature == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        if !dateIsPresent {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        return missing
    }
}
