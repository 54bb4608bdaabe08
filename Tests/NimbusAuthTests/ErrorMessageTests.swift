import Foundation
import Testing

@testable import NimbusAuth

/// Each failure carries AWS's error type, wording and status.
@Suite("AWS error types and messages")
struct ErrorMessageTests {
    /// A GET of `/2015-03-31/functions` from localhost with these extra headers.
    static func request(headers: [(name: String, value: String)] = [], query: String? = nil) -> SigV4Request {
        SigV4Request(
            method: "GET", rawPath: "/2015-03-31/functions", rawQuery: query,
            headers: [(name: "Host", value: "localhost:9000")] + headers,
            payloadSHA256Hex: SigV4Verifier.emptyPayloadSHA256Hex
        )
    }

    static let amzDate = (name: "X-Amz-Date", value: BotocoreVectors.signedAt)
    static let credential = "AKIDNIMBUSEXAMPLE/20261123/us-east-1/lambda/aws4_request"
    static let signature = String(repeating: "ab", count: 32)

    static func error(_ request: SigV4Request, now: Date = Fixtures.signedAt) throws -> SigV4Error {
        try #require(Fixtures.failure(Fixtures.verifier(now: now), request))
    }

    @Test("no Authorization header and no presigned query")
    func missingAuthentication() throws {
        let error = try Self.error(Self.request(headers: [Self.amzDate], query: "X-Amz-Signature=abc"))
        #expect(error.code == .missingAuthenticationToken)
        #expect(error.code.rawValue == "MissingAuthenticationTokenException")
        #expect(error.message == "Missing Authentication Token")
        #expect(error.httpStatus == 403)
    }

    @Test("an Authorization header without any SigV4 parameter")
    func bearerToken() throws {
        let error = try Self.error(
            Self.request(headers: [(name: "Authorization", value: "eyJhbGciOiJIUzI1NiJ9.e30.x")]))
        #expect(error.code == .incompleteSignature)
        #expect(error.code.rawValue == "IncompleteSignatureException")
        #expect(
            error.message
                == "Authorization header requires 'Credential' parameter. "
                + "Authorization header requires 'Signature' parameter. "
                + "Authorization header requires 'SignedHeaders' parameter. "
                + "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                + "Authorization=eyJhbGciOiJIUzI1NiJ9.e30.x"
        )
        #expect(error.httpStatus == 403)
    }

    @Test("an Authorization header missing some parameters")
    func partialHeader() throws {
        let header = "AWS4-HMAC-SHA256 Credential=\(Self.credential)"
        let error = try Self.error(Self.request(headers: [Self.amzDate, (name: "Authorization", value: header)]))
        #expect(error.code == .incompleteSignature)
        #expect(
            error.message
                == "Authorization header requires 'Signature' parameter. "
                + "Authorization header requires 'SignedHeaders' parameter. Authorization=\(header)"
        )
    }

    @Test("a component without an equal sign")
    func missingEqualSign() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKIDNIMBUSEXAMPLE /20261123/us-east-1/lambda/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(Self.signature)"
        let error = try Self.error(Self.request(headers: [Self.amzDate, (name: "Authorization", value: header)]))
        #expect(error.code == .incompleteSignature)
        #expect(
            error.message
                == "'/20261123/us-east-1/lambda/aws4_request' not a valid key=value pair (missing equal-sign) "
                + "in Authorization header: '\(header)'."
        )
    }

    @Test("an unsupported algorithm")
    func unsupportedAlgorithm() throws {
        let header =
            "AWS4-HMAC-SHA512 Credential=\(Self.credential), SignedHeaders=host;x-amz-date, "
            + "Signature=\(Self.signature)"
        let error = try Self.error(Self.request(headers: [Self.amzDate, (name: "Authorization", value: header)]))
        #expect(error.code == .incompleteSignature)
        #expect(error.message == "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ")
    }

    @Test("a credential without five parts")
    func shortCredential() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKIDNIMBUSEXAMPLE/20261123/lambda/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(Self.signature)"
        let error = try Self.error(Self.request(headers: [Self.amzDate, (name: "Authorization", value: header)]))
        #expect(error.code == .incompleteSignature)
        #expect(
            error.message
                == "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, "
                + "got 'AKIDNIMBUSEXAMPLE/20261123/lambda/aws4_request'"
        )
    }

    @Test("a credential scope that does not fit the request")
    func badScope() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKIDNIMBUSEXAMPLE/20261122/us-east-1/s3/aws4_reqest, "
            + "SignedHeaders=host;x-amz-date, Signature=\(Self.signature)"
        let error = try Self.error(Self.request(headers: [Self.amzDate, (name: "Authorization", value: header)]))
        #expect(error.code == .invalidSignature)
        #expect(
            error.message
                == "Credential should be scoped to correct service: 'lambda'. "
                + "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reqest'. "
                + "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                + "'20261122' != '20261123', from '20261123T101500Z'."
        )
    }

    @Test("a date not in ISO 8601 basic format")
    func badDate() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=host;x-amz-date, "
            + "Signature=\(Self.signature)"
        let request = Self.request(headers: [
            (name: "X-Amz-Date", value: "2026-11-23T10:15:00Z"), (name: "Authorization", value: header),
        ])
        let error = try Self.error(request)
        #expect(error.code == .incompleteSignature)
        #expect(
            error.message
                == "Date must be in ISO-8601 'basic format'. Got '2026-11-23T10:15:00Z'. See http://en.wikipedia.org/wiki/ISO_8601"
        )
    }

    @Test("host not among the signed headers")
    func hostNotSigned() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=x-amz-date, "
            + "Signature=\(Self.signature)"
        let error = try Self.error(Self.request(headers: [Self.amzDate, (name: "Authorization", value: header)]))
        #expect(error.code == .invalidSignature)
        #expect(error.message == "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
        #expect(error.httpStatus == 403)
    }

    @Test("a request dated too long ago, in AWS's words")
    func expiredWording() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKIDNIMBUSEXAMPLE/20261123/us-east-1/lambda/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(Self.signature)"
        let request = Self.request(headers: [
            (name: "X-Amz-Date", value: "20261123T000000Z"), (name: "Authorization", value: header),
        ])
        let error = try Self.error(request, now: try Fixtures.date("20261123T001000Z"))
        #expect(error.code == .invalidSignature)
        #expect(
            error.message
                == "Signature expired: 20261123T000000Z is now earlier than 20261123T000500Z (20261123T001000Z - 5 min.)"
        )
        #expect(error.httpStatus == 403)
    }

    @Test("a request dated in the future, in AWS's words")
    func notYetCurrentWording() throws {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKIDNIMBUSEXAMPLE/20261123/us-east-1/lambda/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=\(Self.signature)"
        let request = Self.request(headers: [
            (name: "X-Amz-Date", value: "20261123T002000Z"), (name: "Authorization", value: header),
        ])
        let error = try Self.error(request, now: try Fixtures.date("20261123T001000Z"))
        #expect(error.code == .invalidSignature)
        #expect(
            error.message
                == "Signature not yet current: 20261123T002000Z is still later than 20261123T001500Z "
                + "(20261123T001000Z + 5 min.)"
        )
    }

    @Test("a custom skew shows in the message")
    func customSkew() throws {
        let request = try Fixtures.vector("listFunctionsPaged").request
        let verifier = Fixtures.verifier(now: Fixtures.signedAt.addingTimeInterval(901), allowedSkew: 900)
        let error = try #require(Fixtures.failure(verifier, request))
        #expect(
            error.message
                == "Signature expired: 20261123T101500Z is now earlier than 20261123T101501Z (20261123T103001Z - 15 min.)"
        )
        let lenient = Fixtures.verifier(now: Fixtures.signedAt.addingTimeInterval(900), allowedSkew: 900)
        #expect(try lenient.verify(request) == BotocoreVectors.accessKeyId)
    }

    @Test("unknown access key and wrong signature")
    func keyAndSignatureMessages() throws {
        let unknown = SigV4Error.unrecognizedClient
        #expect(unknown.code.rawValue == "UnrecognizedClientException")
        #expect(unknown.message == "The security token included in the request is invalid.")
        #expect(unknown.httpStatus == 403)
        let mismatch = SigV4Error.signatureMismatch
        #expect(mismatch.code.rawValue == "InvalidSignatureException")
        #expect(
            mismatch.message
                == "The request signature we calculated does not match the signature you provided. "
                + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
        )
        #expect(mismatch.httpStatus == 403)
    }

    @Test("both an Authorization header and a presigned query")
    func bothMechanisms() throws {
        var request = try Fixtures.vector("presignedGet").request
        request.headers.append((name: "Authorization", value: "AWS4-HMAC-SHA256 Credential=x"))
        let error = try Self.error(request)
        #expect(error.code == .invalidSignature)
        #expect(
            error.message
                == "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
        )
    }

    @Test("a presigned query missing parameters")
    func presignedMissing() throws {
        let error = try Self.error(Self.request(query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date="))
        #expect(error.code == .incompleteSignature)
        #expect(
            error.message
                == "AWS query-string parameters must include 'X-Amz-Credential'. "
                + "AWS query-string parameters must include 'X-Amz-Signature'. "
                + "AWS query-string parameters must include 'X-Amz-SignedHeaders'. "
                + "AWS query-string parameters must include 'X-Amz-Date'. "
                + "Re-examine the query-string parameters."
        )
    }

    @Test(
        "a presigned query with a bad X-Amz-Expires",
        arguments: [
            ("soon", "X-Amz-Expires should be a number"),
            ("-1", "X-Amz-Expires must be non-negative"),
            ("604801", "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
        ]
    )
    func presignedBadExpires(expires: String, message: String) throws {
        let vector = try Fixtures.vector("presignedGet")
        var request = vector.request
        request.rawQuery = try #require(vector.rawQuery).replacingOccurrences(
            of: "X-Amz-Expires=900", with: "X-Amz-Expires=\(expires)"
        )
        let error = try Self.error(request)
        #expect(error.code == .incompleteSignature)
        #expect(error.message == message)
    }

    @Test("a presigned URL past its X-Amz-Expires")
    func presignedExpired() throws {
        let request = try Fixtures.vector("presignedGet").request
        let error = try Self.error(request, now: Fixtures.signedAt.addingTimeInterval(901))
        #expect(
            error.message
                == "Signature expired: 20261123T101500Z is now earlier than 20261123T101501Z (20261123T103001Z - 15 min.)"
        )
    }

    @Test("a body that differs from a signed x-amz-content-sha256")
    func contentMismatch() throws {
        let request = try Fixtures.vector("explicitContentSHA256").request.withBody("{}")
        let error = try Self.error(request)
        #expect(error.code == .invalidSignature)
        #expect(error.message == "The provided 'x-amz-content-sha256' header does not match what was computed.")
    }

    @Test("every code maps to 403")
    func statuses() {
        let codes: [SigV4Error.Code] = [
            .missingAuthenticationToken, .incompleteSignature, .unrecognizedClient, .invalidSignature,
        ]
        for code in codes {
            #expect(SigV4Error(code: code, message: "m").httpStatus == 403)
        }
        #expect(SigV4Error(code: .incompleteSignature, message: "m", httpStatus: 400).httpStatus == 400)
    }
}
