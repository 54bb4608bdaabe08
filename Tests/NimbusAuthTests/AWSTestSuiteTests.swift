import Foundation
import Testing

@testable import NimbusAuth

/// Cases of AWS's published SigV4 test suite (`aws-sig-v4-test-suite`).
///
/// Every expected value here was recomputed with botocore's `SigV4Auth` before
/// being written down (2015-08-30T12:36:00Z, us-east-1, service `service`).
@Suite("AWS SigV4 test suite")
struct AWSTestSuiteTests {
    struct SuiteCase: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var rawPath: String
        var rawQuery: String?
        var contentType: String?
        var body: String
        var signature: String
        var testDescription: String { name }
    }

    static let credentials = SigV4Credentials(
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    )

    static let cases: [SuiteCase] = [
        SuiteCase(
            name: "get-vanilla", method: "GET", rawPath: "/", rawQuery: nil, contentType: nil, body: "",
            signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        ),
        SuiteCase(
            name: "get-vanilla-query-order-key-case", method: "GET", rawPath: "/",
            rawQuery: "Param2=value2&Param1=value1", contentType: nil, body: "",
            signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        ),
        SuiteCase(
            name: "get-vanilla-empty-query-key", method: "GET", rawPath: "/", rawQuery: "Param1=value1",
            contentType: nil, body: "",
            signature: "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"
        ),
        SuiteCase(
            name: "get-vanilla-query-unreserved", method: "GET", rawPath: "/",
            rawQuery: "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                + "=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            contentType: nil, body: "",
            signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"
        ),
        SuiteCase(
            name: "get-utf8", method: "GET", rawPath: "/\u{1234}", rawQuery: nil, contentType: nil, body: "",
            signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
        ),
        SuiteCase(
            name: "get-space", method: "GET", rawPath: "/example space/", rawQuery: nil, contentType: nil,
            body: "", signature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"
        ),
        SuiteCase(
            name: "get-slashes", method: "GET", rawPath: "//example//", rawQuery: nil, contentType: nil,
            body: "", signature: "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"
        ),
        SuiteCase(
            name: "get-relative", method: "GET", rawPath: "/example/..", rawQuery: nil, contentType: nil,
            body: "", signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        ),
        SuiteCase(
            name: "post-vanilla", method: "POST", rawPath: "/", rawQuery: nil, contentType: nil, body: "",
            signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"
        ),
        SuiteCase(
            name: "post-x-www-form-urlencoded", method: "POST", rawPath: "/", rawQuery: nil,
            contentType: "application/x-www-form-urlencoded", body: "Param1=value1",
            signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        ),
    ]

    static func request(_ suiteCase: SuiteCase, signature: String? = nil) -> SigV4Request {
        var headers: [(name: String, value: String)] = [("Host", "example.amazonaws.com")]
        var signed = ["host", "x-amz-date"]
        if let contentType = suiteCase.contentType {
            headers.append(("Content-Type", contentType))
            signed.insert("content-type", at: 0)
        }
        headers.append(("X-Amz-Date", "20150830T123600Z"))
        headers.append(
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                    + "SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature ?? suiteCase.signature)"
            )
        )
        return SigV4Request(
            method: suiteCase.method, rawPath: suiteCase.rawPath, rawQuery: suiteCase.rawQuery, headers: headers,
            payloadSHA256Hex: SigV4Verifier.sha256Hex(Array(suiteCase.body.utf8))
        )
    }

    static func verifier() throws -> SigV4Verifier {
        let now = try Fixtures.date("20150830T123600Z")
        return SigV4Verifier(credentials: [credentials], service: "service", now: { now })
    }

    @Test("accepts the published signature", arguments: cases)
    func accepts(suiteCase: SuiteCase) throws {
        #expect(try Self.verifier().verify(Self.request(suiteCase)) == "AKIDEXAMPLE")
    }

    @Test("rejects the published signature with one digit changed", arguments: cases)
    func rejectsAlteredSignature(suiteCase: SuiteCase) throws {
        let altered = (suiteCase.signature.first == "0" ? "1" : "0") + suiteCase.signature.dropFirst()
        let error = Fixtures.failure(try Self.verifier(), Self.request(suiteCase, signature: altered))
        #expect(error == .signatureMismatch)
    }

    @Test("get-vanilla: canonical request and its hash")
    func getVanillaCanonicalRequest() throws {
        let request = Self.request(Self.cases[0])
        let claim = try SignatureClaim(request: request)
        let canonical = try #require(
            try Self.verifier().canonicalRequests(
                for: request, claim: claim, signedNames: SigV4Verifier.signedNames(claim.signedHeaders)
            ).first
        )
        #expect(
            canonical.text
                == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        )
        #expect(
            SigningKey.stringToSign(
                timestamp: "20150830T123600Z", scope: "20150830/us-east-1/service/aws4_request",
                canonicalRequest: canonical.text
            )
                == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
                + "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        )
    }

    @Test("derives AWS's documented signing key")
    func signingKey() {
        let key = SigningKey(
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", date: "20150830", region: "us-east-1",
            service: "iam"
        )
        let bytes = key.key.withUnsafeBytes { Array($0) }
        #expect(Hex.encode(bytes) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
    }
}
