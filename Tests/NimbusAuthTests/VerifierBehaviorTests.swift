import Foundation
import Testing

@testable import NimbusAuth

/// Verifier behaviour that botocore's vectors do not reach.
@Suite("Verifier behaviour")
struct VerifierBehaviorTests {
    static func request(
        method: String = "GET",
        path: String = "/2015-03-31/functions/",
        query: String? = nil,
        headers: [(name: String, value: String)] = [(name: "X-Amz-Date", value: BotocoreVectors.signedAt)]
    ) -> SigV4Request {
        SigV4Request(
            method: method, rawPath: path, rawQuery: query,
            headers: [(name: "Host", value: "localhost:9000")] + headers,
            payloadSHA256Hex: SigV4Verifier.emptyPayloadSHA256Hex
        )
    }

    @Test("a GMT Date header stands in for X-Amz-Date")
    func gmtDateHeader() throws {
        let unsigned = Self.request(headers: [(name: "Date", value: "Mon, 23 Nov 2026 10:15:00 GMT")])
        let signed = TestSigner.sign(unsigned, signedHeaders: ["date", "host"], canonicalQuery: "")
        #expect(try Fixtures.verifier().verify(signed) == BotocoreVectors.accessKeyId)

        // The same signature under a Date one second later is another request.
        let moved = signed.replacingHeader("Date", with: "Mon, 23 Nov 2026 10:15:01 GMT")
        #expect(Fixtures.failure(Fixtures.verifier(), moved) == .signatureMismatch)
    }

    @Test("X-Amz-Date wins over Date")
    func amzDateWins() throws {
        let unsigned = Self.request(headers: [
            (name: "Date", value: "Mon, 23 Nov 2026 09:00:00 GMT"),
            (name: "X-Amz-Date", value: BotocoreVectors.signedAt),
        ])
        let signed = TestSigner.sign(unsigned, signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        #expect(try Fixtures.verifier().verify(signed) == BotocoreVectors.accessKeyId)
    }

    @Test("a query signed in the specification's form, with + for a space on the wire (Go SDK style)")
    func reencodedQuerySignature() throws {
        let unsigned = Self.request(query: "MaxItems=2&Marker=a+b%2Fc")
        let signed = TestSigner.sign(
            unsigned, signedHeaders: ["host", "x-amz-date"], canonicalQuery: "Marker=a%20b%2Fc&MaxItems=2"
        )
        #expect(try Fixtures.verifier().verify(signed) == BotocoreVectors.accessKeyId)

        var changed = signed
        changed.rawQuery = "MaxItems=2&Marker=a+b%2Fd"
        #expect(Fixtures.failure(Fixtures.verifier(), changed) == .signatureMismatch)
    }

    @Test("a verifier configured with a region refuses signatures scoped to another")
    func regionScope() throws {
        let signed = TestSigner.sign(Self.request(), region: "eu-west-1", signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        // Any region is fine when none is configured.
        #expect(try Fixtures.verifier().verify(signed) == BotocoreVectors.accessKeyId)
        let strict = SigV4Verifier(
            credentials: [Fixtures.botocoreCredentials], service: "lambda", region: "us-east-1",
            now: { Fixtures.signedAt }
        )
        let error = Fixtures.failure(strict, signed)
        #expect(error?.code == .invalidSignature)
        #expect(error?.message == "Credential should be scoped to a valid region. ")
        let matching = TestSigner.sign(Self.request(), region: "us-east-1", signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        #expect(try strict.verify(matching) == BotocoreVectors.accessKeyId)
    }

    @Test("returns the key id that signed, among several")
    func severalKeys() throws {
        let second = SigV4Credentials(accessKeyId: "AKIDSECOND", secretAccessKey: "second/secret")
        let signed = TestSigner.sign(
            Self.request(), credentials: second, signedHeaders: ["host", "x-amz-date"], canonicalQuery: ""
        )
        let verifier = Fixtures.verifier(credentials: [Fixtures.botocoreCredentials, second])
        #expect(try verifier.verify(signed) == "AKIDSECOND")
    }

    @Test("the first entry of a repeated key id wins")
    func repeatedKeyId() throws {
        let signed = TestSigner.sign(Self.request(), signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        let shadowed = Fixtures.verifier(credentials: [
            SigV4Credentials(accessKeyId: BotocoreVectors.accessKeyId, secretAccessKey: "first"),
            Fixtures.botocoreCredentials,
        ])
        #expect(Fixtures.failure(shadowed, signed) == .signatureMismatch)
    }

    @Test("any region in the scope is accepted", arguments: ["us-east-1", "eu-central-1", "local", "moon-north-7"])
    func anyRegion(region: String) throws {
        let signed = TestSigner.sign(
            Self.request(), region: region, signedHeaders: ["host", "x-amz-date"], canonicalQuery: ""
        )
        #expect(try Fixtures.verifier().verify(signed) == BotocoreVectors.accessKeyId)
    }

    @Test("an empty region is not")
    func emptyRegion() throws {
        let signed = TestSigner.sign(
            Self.request(), region: "", signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        let error = try #require(Fixtures.failure(Fixtures.verifier(), signed))
        #expect(error.code == .invalidSignature)
        #expect(error.message == "Credential should be scoped to a valid region, not ''. ")
    }

    @Test("an unsigned X-Amz-Security-Token is tolerated")
    func unsignedToken() throws {
        let signed = TestSigner.sign(Self.request(), signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
            .replacingHeader("X-Amz-Security-Token", with: "whatever")
        #expect(try Fixtures.verifier().verify(signed) == BotocoreVectors.accessKeyId)
    }

    @Test("the Authorization parameters may come in any order")
    func parameterOrder() throws {
        let signed = TestSigner.sign(Self.request(), signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        let header = try #require(signed.firstHeader(named: "Authorization"))
        let parts = header.dropFirst("AWS4-HMAC-SHA256 ".count).components(separatedBy: ", ")
        try #require(parts.count == 3)
        let reordered = "AWS4-HMAC-SHA256 " + [parts[2], parts[0], parts[1]].joined(separator: ",")
        #expect(
            try Fixtures.verifier().verify(signed.replacingHeader("authorization", with: reordered))
                == BotocoreVectors.accessKeyId
        )
    }

    @Test("an uppercase hex signature is the same signature")
    func uppercaseSignature() throws {
        let signed = TestSigner.sign(Self.request(), signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        let header = try #require(signed.firstHeader(named: "Authorization"))
        let range = try #require(header.range(of: "Signature="))
        let upper = String(header[..<range.upperBound]) + header[range.upperBound...].uppercased()
        #expect(
            try Fixtures.verifier().verify(signed.replacingHeader("Authorization", with: upper))
                == BotocoreVectors.accessKeyId)
    }

    @Test("a truncated or non-hex signature does not verify", arguments: ["abcd", String(repeating: "z", count: 64)])
    func malformedSignature(signature: String) throws {
        let signed = TestSigner.sign(Self.request(), signedHeaders: ["host", "x-amz-date"], canonicalQuery: "")
        let header = try #require(signed.firstHeader(named: "Authorization"))
        let range = try #require(header.range(of: "Signature="))
        let broken = String(header[..<range.upperBound]) + signature
        #expect(
            Fixtures.failure(Fixtures.verifier(), signed.replacingHeader("Authorization", with: broken))
                == .signatureMismatch)
    }

    @Test("the verifier can be shared across tasks")
    func sendable() async throws {
        let verifier = Fixtures.verifier()
        let request = try Fixtures.vector("createFunction").request
        let results = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<8 {
                group.addTask { try? verifier.verify(request) }
            }
            var results: [String?] = []
            for await result in group { results.append(result) }
            return results
        }
        #expect(results == Array(repeating: BotocoreVectors.accessKeyId, count: 8))
    }
}
