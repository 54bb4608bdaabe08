import Foundation

/// Signs outgoing requests with AWS Signature Version 4, the client side of ``SigV4Verifier``.
///
/// Built from the same pieces the verifier uses (`CanonicalRequest`, `SigningKey`), so a
/// request this signer produces is one the verifier accepts, and both agree with botocore
/// (the unit tests check the signer against the recorded botocore vectors).
public struct SigV4Signer: Sendable {
    /// The key pair to sign with.
    public var credentials: SigV4Credentials
    /// The region in the credential scope, e.g. `us-east-1`.
    public var region: String
    /// The service in the credential scope, e.g. `lambda`, `sqs`, `events`.
    public var service: String

    /// Headers botocore never signs: proxies and HTTP stacks may add or change them.
    static let unsignedHeaderNames: Set<String> = ["authorization", "expect", "transfer-encoding", "user-agent", "x-amzn-trace-id"]

    /// Creates a signer for one key pair, region and service.
    public init(credentials: SigV4Credentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The headers to send: `headers` (which must include `Host`), plus `X-Amz-Date` and
    /// `Authorization`. Every header given is signed, except those botocore leaves out.
    ///
    /// - Parameters:
    ///   - rawPath: the path as it will go on the wire, already percent-encoded.
    ///   - rawQuery: the query as it will go on the wire, without `?`.
    public func sign(
        method: String,
        rawPath: String,
        rawQuery: String? = nil,
        headers: [(name: String, value: String)],
        body: some Sequence<UInt8>,
        date: Date = Date()
    ) -> [(name: String, value: String)] {
        let timestamp = AmzDate(date).basic
        var all = headers.filter { $0.name.lowercased() != "x-amz-date" && $0.name.lowercased() != "authorization" }
        all.append((name: "X-Amz-Date", value: timestamp))
        let request = SigV4Request(
            method: method, rawPath: rawPath, rawQuery: rawQuery, headers: all,
            payloadSHA256Hex: SigV4Verifier.sha256Hex(body)
        )
        var names: [String] = []
        for header in all {
            let name = header.name.lowercased()
            if !Self.unsignedHeaderNames.contains(name), !names.contains(name) { names.append(name) }
        }
        names.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        let signedHeaders = names.joined(separator: ";")
        let canonical = CanonicalRequest(
            method: method.uppercased(),
            uri: CanonicalRequest.canonicalURI(rawPath: rawPath),
            query: CanonicalRequest.canonicalQuery(rawQuery: rawQuery, style: .asSent) ?? "",
            headers: CanonicalRequest.canonicalHeaders(signedNames: names, of: request),
            signedHeaders: signedHeaders,
            payloadHash: request.payloadSHA256Hex
        )
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let key = SigningKey(secretAccessKey: credentials.secretAccessKey, date: day, region: region, service: service)
        let signature = key.signature(
            of: SigningKey.stringToSign(timestamp: timestamp, scope: scope, canonicalRequest: canonical.text)
        )
        all.append(
            (
                name: "Authorization",
                value: "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), "
                    + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
            )
        )
        return all
    }
}
