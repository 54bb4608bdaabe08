import Foundation
import Testing

@testable import NimbusAuth

/// The client-side signer agrees with botocore byte for byte, and with the verifier.
@Suite("SigV4Signer")
struct SignerTests {
    /// Header-signed vectors the signer can reproduce exactly: not presigned, no session token,
    /// dated by `X-Amz-Date` (the signer never uses `Date`), and no `+` for a space in the query
    /// (botocore signs that query re-encoded; the signer's callers send unreserved-only encoding).
    static let reproducible = BotocoreVectors.all.filter { vector in
        !vector.isPresigned && vector.sessionToken == nil && !vector.headers.contains { $0.0 == "Date" }
            && !(vector.rawQuery ?? "").contains("+")
            && vector.headers.contains { $0.0 == "Authorization" && $0.1.hasPrefix("AWS4-HMAC-SHA256 ") }
    }

    /// The header list botocore signed, as the signer receives it (no date, no authorization).
    static func signedInput(_ vector: BotocoreVector) -> (headers: [(name: String, value: String)], authorization: String) {
        let authorization = vector.headers.first { $0.0 == "Authorization" }!.1
        let list = authorization.components(separatedBy: "SignedHeaders=")[1].components(separatedBy: ",")[0]
        let signed = Set(list.split(separator: ";").map(String.init))
        let headers = vector.headers.filter { signed.contains($0.0.lowercased()) && $0.0.lowercased() != "x-amz-date" }
        return (headers.map { (name: $0.0, value: $0.1) }, authorization)
    }

    @Test("produces botocore's Authorization header", arguments: reproducible)
    func matchesBotocore(vector: BotocoreVector) throws {
        let (headers, authorization) = Self.signedInput(vector)
        let signer = SigV4Signer(
            credentials: Fixtures.botocoreCredentials, region: vector.signedRegion, service: vector.signedService
        )
        let signed = signer.sign(
            method: vector.method, rawPath: vector.rawPath, rawQuery: vector.rawQuery, headers: headers,
            body: Array(vector.body.utf8), date: Fixtures.signedAt
        )
        #expect(signed.first { $0.name == "Authorization" }?.value == authorization)
        #expect(signed.first { $0.name == "X-Amz-Date" }?.value == BotocoreVectors.signedAt)
    }

    @Test("there are vectors to reproduce")
    func vectorsExist() {
        #expect(Self.reproducible.count >= 8)
    }

    @Test("the verifier accepts what it signs, and a changed body is refused")
    func roundTrip() throws {
        let signer = SigV4Signer(credentials: Fixtures.botocoreCredentials, region: "us-east-1", service: "lambda")
        let body = Array(#"{"FunctionName":"hello"}"#.utf8)
        let headers = signer.sign(
            method: "PUT", rawPath: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Ahello/code",
            rawQuery: "Qualifier=%24LATEST",
            headers: [(name: "Host", value: "127.0.0.1:9000"), (name: "Content-Type", value: "application/json"),
                      (name: "User-Agent", value: "nimbus-cli")],
            body: body, date: Fixtures.signedAt
        )
        let request = SigV4Request(
            method: "PUT", rawPath: "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Ahello/code",
            rawQuery: "Qualifier=%24LATEST", headers: headers, payloadSHA256Hex: SigV4Verifier.sha256Hex(body)
        )
        #expect(try Fixtures.verifier().verify(request) == BotocoreVectors.accessKeyId)
        var tampered = request
        tampered.payloadSHA256Hex = SigV4Verifier.sha256Hex(Array("{}".utf8))
        #expect(throws: SigV4Error.self) { try Fixtures.verifier().verify(tampered) }
        let authorization = headers.first { $0.name == "Authorization" }!.value
        #expect(authorization.contains("SignedHeaders=content-type;host;x-amz-date,"))
    }
}
