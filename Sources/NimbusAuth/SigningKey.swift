import Crypto

/// The SigV4 signing key and the HMAC computations that use it.
///
/// Not `Sendable`: swift-crypto's `SymmetricKey` is not. It lives only inside one `verify` call.
struct SigningKey {
    /// `HMAC("AWS4" + secret, date) → region → service → "aws4_request"`.
    let key: SymmetricKey

    /// Derives the key for one day, region and service.
    init(secretAccessKey: String, date: String, region: String, service: String, terminator: String = "aws4_request") {
        var key = SymmetricKey(data: Array("AWS4\(secretAccessKey)".utf8))
        for part in [date, region, service, terminator] {
            key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key))
        }
        self.key = key
    }

    /// The string to sign: algorithm, timestamp, scope and the canonical request's hash.
    static func stringToSign(timestamp: String, scope: String, canonicalRequest: String) -> String {
        let digest = SHA256.hash(data: Array(canonicalRequest.utf8))
        return ["AWS4-HMAC-SHA256", timestamp, scope, Hex.encode(digest)].joined(separator: "\n")
    }

    /// The lowercase hex signature of a string to sign.
    func signature(of stringToSign: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }

    /// Whether `signatureHex` is this key's signature of `stringToSign`, compared in constant time.
    func isValid(signatureHex: String, for stringToSign: String) -> Bool {
        guard let provided = Hex.decode(signatureHex), provided.count == SHA256.byteCount else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(provided, authenticating: Array(stringToSign.utf8), using: key)
    }
}
