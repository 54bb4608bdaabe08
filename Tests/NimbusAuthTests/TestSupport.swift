import Foundation
import Testing

@testable import NimbusAuth

/// One request signed by botocore, as written by `make_vectors.py`.
struct BotocoreVector: Sendable, CustomTestStringConvertible {
    var name: String
    var note: String
    var method: String
    var rawPath: String
    var rawQuery: String?
    var headers: [(String, String)]
    var body: String
    var payloadSHA256Hex: String
    var sessionToken: String?
    var signedService: String
    var signedRegion: String
    var canonicalRequest: String
    var stringToSign: String

    var testDescription: String { name }

    /// The request as the server receives it.
    var request: SigV4Request {
        SigV4Request(
            method: method,
            rawPath: rawPath,
            rawQuery: rawQuery,
            headers: headers.map { (name: $0.0, value: $0.1) },
            payloadSHA256Hex: payloadSHA256Hex
        )
    }

    /// Whether the signature travels in the query.
    var isPresigned: Bool { rawQuery?.contains("X-Amz-Signature=") ?? false }

    /// How long after signing the request stays acceptable: `X-Amz-Expires`, or the default skew.
    var validitySeconds: Double {
        guard let rawQuery else { return 300 }
        for pair in rawQuery.split(separator: "&") where pair.hasPrefix("X-Amz-Expires=") {
            return Double(pair.dropFirst("X-Amz-Expires=".count)) ?? 300
        }
        return 300
    }
}

/// Shared values and helpers for the tests.
enum Fixtures {
    /// When every botocore vector was signed.
    static let signedAt = Date(timeIntervalSince1970: BotocoreVectors.signedAtEpoch)

    /// The botocore vectors a Lambda verifier must accept.
    static let acceptedVectors = BotocoreVectors.all.filter { $0.signedService == "lambda" }

    /// The vectors whose body is covered by the signature.
    static let bodySignedVectors = acceptedVectors.filter { $0.name != "presignedUnsignedPayload" }

    /// The key pair botocore signed with.
    static let botocoreCredentials = SigV4Credentials(
        accessKeyId: BotocoreVectors.accessKeyId,
        secretAccessKey: BotocoreVectors.secretAccessKey
    )

    /// A verifier for the `lambda` service that knows botocore's key and one other.
    static func verifier(
        now: Date = signedAt,
        credentials: [SigV4Credentials] = [
            SigV4Credentials(accessKeyId: "AKIDOTHER", secretAccessKey: "other-secret"),
            botocoreCredentials,
        ],
        allowedSkew: TimeInterval = 300
    ) -> SigV4Verifier {
        SigV4Verifier(credentials: credentials, service: "lambda", now: { now }, allowedSkew: allowedSkew)
    }

    /// A vector by name.
    static func vector(_ name: String) throws -> BotocoreVector {
        try #require(BotocoreVectors.all.first { $0.name == name }, "no vector named \(name)")
    }

    /// A `Date` from `yyyyMMdd'T'HHmmss'Z'`.
    static func date(_ basic: String) throws -> Date {
        let parsed = try #require(AmzDate(basic: basic), "not a basic date: \(basic)")
        return Date(timeIntervalSince1970: TimeInterval(parsed.secondsSince1970))
    }

    /// The error `verify` throws, or `nil` when it accepts.
    static func failure(_ verifier: SigV4Verifier, _ request: SigV4Request) -> SigV4Error? {
        do {
            _ = try verifier.verify(request)
            return nil
        } catch {
            return error
        }
    }
}

extension SigV4Request {
    /// This request with every header of that name replaced by one with `value`, in place of the first.
    func replacingHeader(_ name: String, with value: String) -> SigV4Request {
        var copy = self
        var replaced = false
        copy.headers = []
        for header in headers {
            if header.name.lowercased() == name.lowercased() {
                if !replaced {
                    copy.headers.append((name: header.name, value: value))
                    replaced = true
                }
            } else {
                copy.headers.append(header)
            }
        }
        if !replaced { copy.headers.append((name: name, value: value)) }
        return copy
    }

    /// This request without any header of that name.
    func removingHeader(_ name: String) -> SigV4Request {
        var copy = self
        copy.headers = headers.filter { $0.name.lowercased() != name.lowercased() }
        return copy
    }

    /// This request with the body hash of `body`.
    func withBody(_ body: String) -> SigV4Request {
        var copy = self
        copy.payloadSHA256Hex = SigV4Verifier.sha256Hex(Array(body.utf8))
        return copy
    }
}

/// Signs requests with an `Authorization` header, from the module's own parts.
///
/// Those parts are checked against botocore in `BotocoreVectorTests`; this
/// signer only builds requests botocore cannot (other clients' query forms,
/// a GMT `Date` header) or that must fail before the signature is checked.
enum TestSigner {
    static func sign(
        _ request: SigV4Request,
        credentials: SigV4Credentials = Fixtures.botocoreCredentials,
        timestamp: String = BotocoreVectors.signedAt,
        region: String = "us-east-1",
        service: String = "lambda",
        signedHeaders: [String],
        canonicalQuery: String
    ) -> SigV4Request {
        let canonical = CanonicalRequest(
            method: request.method,
            uri: CanonicalRequest.canonicalURI(rawPath: request.rawPath),
            query: canonicalQuery,
            headers: CanonicalRequest.canonicalHeaders(signedNames: signedHeaders, of: request),
            signedHeaders: signedHeaders.joined(separator: ";"),
            payloadHash: request.payloadSHA256Hex
        )
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let key = SigningKey(secretAccessKey: credentials.secretAccessKey, date: day, region: region, service: service)
        let signature = key.signature(
            of: SigningKey.stringToSign(timestamp: timestamp, scope: scope, canonicalRequest: canonical.text)
        )
        var signed = request
        signed.headers.append(
            (
                name: "Authorization",
                value: "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), "
                    + "SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
            )
        )
        return signed
    }
}
