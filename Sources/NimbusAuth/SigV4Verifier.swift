import Crypto
import Foundation

/// Verifies AWS Signature Version 4 on incoming requests, the server side of botocore's `SigV4Auth`.
///
/// Accepts `Authorization: AWS4-HMAC-SHA256 …` headers (dated by `X-Amz-Date`
/// or `Date`) and presigned URLs (`X-Amz-Algorithm=…&X-Amz-Signature=…`).
/// Checks run in the order AWS runs them, and each failure carries AWS's error
/// type and wording:
///
/// 1. authentication present, and not in both places;
/// 2. all parts present, `key=value` syntax, date format;
/// 3. request time within `allowedSkew` of now (or, presigned, before its expiry);
/// 4. `host` signed, algorithm `AWS4-HMAC-SHA256`, five-part credential;
/// 5. credential scope: service, region (when configured), terminator and day;
/// 6. access key known;
/// 7. signature matches, compared in constant time.
public struct SigV4Verifier: Sendable {
    /// The service name the credential scope must carry, e.g. `lambda`.
    public let service: String
    /// The region the credential scope must carry; nil accepts any.
    public let region: String?
    /// How far the request time may be from now, either way, in seconds.
    public let allowedSkew: TimeInterval
    /// Secret keys by access key id.
    private let secrets: [String: String]
    /// The clock.
    private let now: @Sendable () -> Date

    /// The hex SHA-256 of an empty body.
    public static let emptyPayloadSHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The payload hash a client uses when it chose not to sign the body.
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Creates a verifier for a set of keys; when an access key id repeats, its first entry wins.
    public init(
        credentials: [SigV4Credentials],
        service: String,
        region: String? = nil,
        now: @escaping @Sendable () -> Date = { Date() },
        allowedSkew: TimeInterval = 300
    ) {
        self.region = region
        var secrets: [String: String] = [:]
        for credential in credentials where secrets[credential.accessKeyId] == nil {
            secrets[credential.accessKeyId] = credential.secretAccessKey
        }
        self.secrets = secrets
        self.service = service
        self.now = now
        self.allowedSkew = allowedSkew
    }

    /// The lowercase hex SHA-256 of a body, for ``SigV4Request/payloadSHA256Hex``.
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        let hashedContiguously: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
        if hashedContiguously == nil {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(16_384)
            for byte in bytes {
                chunk.append(byte)
                if chunk.count == 16_384 {
                    hasher.update(data: chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            hasher.update(data: chunk)
        }
        return Hex.encode(hasher.finalize())
    }

    /// Verifies the request; returns the access key id that signed it.
    public func verify(_ request: SigV4Request) throws(SigV4Error) -> String {
        let claim = try SignatureClaim(request: request)
        try checkTime(of: claim)

        let signedNames = Self.signedNames(claim.signedHeaders)
        guard signedNames.contains(where: { $0.lowercased() == "host" || $0 == ":authority" }) else {
            throw .hostNotSigned
        }
        guard claim.algorithm == "AWS4-HMAC-SHA256" else { throw .unsupportedAlgorithm(claim.algorithm) }
        let scope = try CredentialScope(parsing: claim.credential)
        if let problems = scope.problems(expectedService: service, expectedRegion: region, timestamp: claim.timestamp) {
            throw .invalid(problems)
        }
        guard let secret = secrets[scope.accessKeyId] else { throw .unrecognizedClient }

        let key = SigningKey(
            secretAccessKey: secret, date: scope.date, region: scope.region, service: scope.service,
            terminator: scope.terminator
        )
        for canonical in canonicalRequests(for: request, claim: claim, signedNames: signedNames) {
            let stringToSign = SigningKey.stringToSign(
                timestamp: claim.timestamp, scope: scope.scope, canonicalRequest: canonical.text
            )
            if key.isValid(signatureHex: claim.signature, for: stringToSign) {
                try checkContentSHA256(
                    request.firstHeader(named: "x-amz-content-sha256"), against: request.payloadSHA256Hex)
                return scope.accessKeyId
            }
        }
        throw .signatureMismatch
    }

    /// Every canonical request the client may have signed, most likely first.
    ///
    /// One per query form (botocore's as-sent form, and the re-encoded form
    /// when it differs) and payload hash (see `payloadCandidates`); usually just one.
    func canonicalRequests(for request: SigV4Request, claim: SignatureClaim, signedNames: [String])
        -> [CanonicalRequest]
    {
        let contentSHA256 = request.firstHeader(named: "x-amz-content-sha256")
        let headers = CanonicalRequest.canonicalHeaders(signedNames: signedNames, of: request)
        let uri = CanonicalRequest.canonicalURI(rawPath: request.rawPath)
        let excludedKey = claim.mechanism == .presignedQuery ? PresignedQuery.signatureKey : nil
        var candidates: [CanonicalRequest] = []
        for query in queryCandidates(request.rawQuery, excluding: excludedKey) {
            for payloadHash in payloadCandidates(request, claim: claim, contentSHA256: contentSHA256) {
                candidates.append(
                    CanonicalRequest(
                        method: request.method.uppercased(), uri: uri, query: query, headers: headers,
                        signedHeaders: claim.signedHeaders, payloadHash: payloadHash
                    )
                )
            }
        }
        return candidates
    }

    /// Rejects a request dated too far from now, or a presigned URL past its expiry.
    private func checkTime(of claim: SignatureClaim) throws(SigV4Error) {
        let current = AmzDate(now())
        let skew = Int64(max(0, allowedSkew).rounded(.down))
        let latest = current.adding(seconds: skew)
        if claim.date > latest {
            throw .invalid(
                "Signature not yet current: \(claim.timestamp) is still later than \(latest.basic) "
                    + "(\(current.basic) + \(Self.describe(seconds: skew)))"
            )
        }
        let window = claim.expiresSeconds ?? skew
        let earliest = current.adding(seconds: -window)
        if claim.date < earliest {
            throw .invalid(
                "Signature expired: \(claim.timestamp) is now earlier than \(earliest.basic) "
                    + "(\(current.basic) - \(Self.describe(seconds: window)))"
            )
        }
    }

    /// The canonical query strings to try: botocore's as-sent form, then the re-encoded form if it differs.
    private func queryCandidates(_ rawQuery: String?, excluding excludedKey: String?) -> [String] {
        var candidates: [String] = []
        for style in CanonicalRequest.QueryStyle.allCases {
            if let query = CanonicalRequest.canonicalQuery(rawQuery: rawQuery, excluding: excludedKey, style: style),
                !candidates.contains(query)
            {
                candidates.append(query)
            }
        }
        return candidates
    }

    /// The payload hashes to try.
    ///
    /// `x-amz-content-sha256`, when sent, is what the client signed. Otherwise
    /// the body's hash; a presigned URL may also have been signed with
    /// `UNSIGNED-PAYLOAD`, in which case the client chose not to cover the body.
    private func payloadCandidates(
        _ request: SigV4Request, claim: SignatureClaim, contentSHA256: String?
    ) -> [String] {
        if let contentSHA256 { return [contentSHA256] }
        let bodyHash = request.payloadSHA256Hex.lowercased()
        switch claim.mechanism {
        case .authorizationHeader: return [bodyHash]
        case .presignedQuery: return [bodyHash, Self.unsignedPayload]
        }
    }

    /// Rejects a body whose hash differs from a signed hex `x-amz-content-sha256`.
    private func checkContentSHA256(_ contentSHA256: String?, against bodyHash: String) throws(SigV4Error) {
        guard let contentSHA256, let bytes = Hex.decode(contentSHA256), bytes.count == SHA256.byteCount else { return }
        if contentSHA256.lowercased() != bodyHash.lowercased() { throw .contentSHA256Mismatch }
    }

    /// The names in a `SignedHeaders` list, as listed.
    static func signedNames(_ signedHeaders: String) -> [String] {
        signedHeaders.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
    }

    /// A duration the way AWS writes it in expiry messages: `5 min.`, or `90 sec.` when not whole minutes.
    static func describe(seconds: Int64) -> String {
        seconds % 60 == 0 ? "\(seconds / 60) min." : "\(seconds) sec."
    }
}
