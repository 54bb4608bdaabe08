import Foundation
import Testing

@testable import NimbusAuth

/// Lambda requests signed by real botocore (see `make_vectors.py`): accepted as
/// sent, rejected once tampered with.
@Suite("botocore-signed Lambda requests")
struct BotocoreVectorTests {
    // MARK: - The same canonical request and string to sign as botocore

    @Test("rebuilds botocore's canonical request", arguments: BotocoreVectors.all)
    func canonicalRequest(vector: BotocoreVector) throws {
        let claim = try SignatureClaim(request: vector.request)
        let candidates = Fixtures.verifier().canonicalRequests(
            for: vector.request, claim: claim, signedNames: SigV4Verifier.signedNames(claim.signedHeaders)
        )
        #expect(candidates.map(\.text).contains(vector.canonicalRequest))
        #expect(candidates.count <= 4)
    }

    @Test("rebuilds botocore's string to sign", arguments: BotocoreVectors.all)
    func stringToSign(vector: BotocoreVector) throws {
        let claim = try SignatureClaim(request: vector.request)
        let scope = try CredentialScope(parsing: claim.credential)
        let stringToSign = SigningKey.stringToSign(
            timestamp: claim.timestamp, scope: scope.scope, canonicalRequest: vector.canonicalRequest
        )
        #expect(stringToSign == vector.stringToSign)
    }

    // MARK: - Accepted as sent

    @Test("accepts the request as botocore sent it", arguments: Fixtures.acceptedVectors)
    func accepts(vector: BotocoreVector) throws {
        #expect(try Fixtures.verifier().verify(vector.request) == BotocoreVectors.accessKeyId)
    }

    @Test("accepts at both edges of the time window", arguments: Fixtures.acceptedVectors)
    func acceptsAtWindowEdges(vector: BotocoreVector) throws {
        let latest = Fixtures.signedAt.addingTimeInterval(vector.validitySeconds)
        let earliest = Fixtures.signedAt.addingTimeInterval(-300)
        #expect(try Fixtures.verifier(now: latest).verify(vector.request) == BotocoreVectors.accessKeyId)
        #expect(try Fixtures.verifier(now: earliest).verify(vector.request) == BotocoreVectors.accessKeyId)
    }

    @Test("accepts header names in any case")
    func headerNameCase() throws {
        let vector = try Fixtures.vector("invokeClientContext")
        var request = vector.request
        request.headers = request.headers.map { (name: $0.name.uppercased(), value: $0.value) }
        #expect(try Fixtures.verifier().verify(request) == BotocoreVectors.accessKeyId)
    }

    @Test("a presigned UNSIGNED-PAYLOAD request does not cover its body")
    func unsignedPayloadBody() throws {
        let request = try Fixtures.vector("presignedUnsignedPayload").request.withBody("anything at all")
        #expect(try Fixtures.verifier().verify(request) == BotocoreVectors.accessKeyId)
    }

    // MARK: - Rejected once tampered with

    @Test("rejects a changed body", arguments: Fixtures.bodySignedVectors)
    func tamperedBody(vector: BotocoreVector) throws {
        let request = vector.request.withBody(vector.body + " ")
        let error = try #require(Fixtures.failure(Fixtures.verifier(), request))
        if vector.name == "explicitContentSHA256" {
            // The signature covers the header's hash, which no longer matches the body.
            #expect(error == .contentSHA256Mismatch)
        } else {
            #expect(error == .signatureMismatch)
        }
    }

    @Test("rejects a changed path", arguments: Fixtures.acceptedVectors)
    func tamperedPath(vector: BotocoreVector) throws {
        var request = vector.request
        request.rawPath += "x"
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("rejects the ARN path sent decoded: the wire encoding is signed")
    func decodedPath() throws {
        var request = try Fixtures.vector("invokeArnWithVersionInPath").request
        request.rawPath = try #require(PercentEncoding.decode(request.rawPath))
        #expect(request.rawPath.contains(":$LATEST/"))
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("rejects a changed query", arguments: Fixtures.acceptedVectors)
    func tamperedQuery(vector: BotocoreVector) throws {
        var request = vector.request
        request.rawQuery = "Injected=1" + (vector.rawQuery.map { "&" + $0 } ?? "")
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("rejects a changed method", arguments: Fixtures.acceptedVectors)
    func tamperedMethod(vector: BotocoreVector) throws {
        var request = vector.request
        request.method = vector.method == "GET" ? "HEAD" : "GET"
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("rejects a changed Host header", arguments: Fixtures.acceptedVectors)
    func tamperedHost(vector: BotocoreVector) throws {
        let request = vector.request.replacingHeader("Host", with: "localhost:9001")
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test(
        "rejects a changed signed header",
        arguments: [
            ("invokeClientContext", "X-Amz-Client-Context", "eyJjdXN0b20iOnsiYSI6ICJjIn19"),
            ("invokeClientContext", "X-Amz-Invocation-Type", "Event"),
            ("createFunction", "Content-Type", "text/plain"),
            ("getFunctionWithSessionToken", "X-Amz-Security-Token", "another-token"),
            ("repeatedAndPaddedHeaders", "X-Other", "a \"b c\" e"),
            ("explicitContentSHA256", "X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"),
        ]
    )
    func tamperedSignedHeader(name: String, header: String, value: String) throws {
        let request = try Fixtures.vector(name).request.replacingHeader(header, with: value)
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("rejects repeated header values in another order")
    func reorderedRepeatedHeader() throws {
        var request = try Fixtures.vector("repeatedAndPaddedHeaders").request
        let custom = request.headers.filter { $0.name == "X-Custom" }
        try #require(custom.count == 2)
        request = request.removingHeader("X-Custom")
        request.headers.append(contentsOf: custom.reversed())
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("ignores unsigned headers")
    func unsignedHeaderChange() throws {
        let request = try Fixtures.vector("createFunction").request
            .replacingHeader("User-Agent", with: "curl/8")
            .replacingHeader("X-Unsigned", with: "1")
        #expect(try Fixtures.verifier().verify(request) == BotocoreVectors.accessKeyId)
    }

    @Test("rejects a request missing its Host header", arguments: Fixtures.acceptedVectors)
    func missingHost(vector: BotocoreVector) throws {
        let request = vector.request.removingHeader("Host")
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test(
        "rejects a request missing a signed header",
        arguments: [
            ("invokeClientContext", "X-Amz-Client-Context"),
            ("invokeClientContext", "X-Amz-Log-Type"),
            ("createFunction", "Content-Type"),
            ("getFunctionWithSessionToken", "X-Amz-Security-Token"),
        ]
    )
    func missingSignedHeader(name: String, header: String) throws {
        let request = try Fixtures.vector(name).request.removingHeader(header)
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("rejects a request missing its date")
    func missingDate() throws {
        let vector = try Fixtures.vector("listFunctionsPaged")
        let request = vector.request.removingHeader("X-Amz-Date")
        let authorization = try #require(request.firstHeader(named: "Authorization"))
        let error = try #require(Fixtures.failure(Fixtures.verifier(), request))
        #expect(error.code == .incompleteSignature)
        #expect(
            error.message
                == "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
                + "Authorization=\(authorization)"
        )
    }

    @Test("rejects a signature by a different secret", arguments: Fixtures.acceptedVectors)
    func wrongSecret(vector: BotocoreVector) throws {
        let verifier = Fixtures.verifier(credentials: [
            SigV4Credentials(accessKeyId: BotocoreVectors.accessKeyId, secretAccessKey: "not-the-secret")
        ])
        #expect(Fixtures.failure(verifier, vector.request) == .signatureMismatch)
    }

    @Test("rejects an unknown access key", arguments: Fixtures.acceptedVectors)
    func unknownKey(vector: BotocoreVector) throws {
        let verifier = Fixtures.verifier(credentials: [
            SigV4Credentials(accessKeyId: "AKIDSOMEONEELSE", secretAccessKey: BotocoreVectors.secretAccessKey)
        ])
        let error = try #require(Fixtures.failure(verifier, vector.request))
        #expect(error.code == .unrecognizedClient)
        #expect(error.message == "The security token included in the request is invalid.")
    }

    @Test("rejects a request past its time window", arguments: Fixtures.acceptedVectors)
    func expired(vector: BotocoreVector) throws {
        let now = Fixtures.signedAt.addingTimeInterval(vector.validitySeconds + 1)
        let error = try #require(Fixtures.failure(Fixtures.verifier(now: now), vector.request))
        #expect(error.code == .invalidSignature)
        #expect(error.message.hasPrefix("Signature expired: 20261123T101500Z is now earlier than 20261123T101501Z ("))
    }

    @Test("rejects a request dated too far ahead", arguments: Fixtures.acceptedVectors)
    func notYetCurrent(vector: BotocoreVector) throws {
        let now = Fixtures.signedAt.addingTimeInterval(-301)
        let error = try #require(Fixtures.failure(Fixtures.verifier(now: now), vector.request))
        #expect(error.code == .invalidSignature)
        #expect(
            error.message
                == "Signature not yet current: 20261123T101500Z is still later than 20261123T101459Z "
                + "(20261123T100959Z + 5 min.)"
        )
    }

    @Test("rejects a changed signature", arguments: Fixtures.acceptedVectors)
    func changedSignature(vector: BotocoreVector) throws {
        var request = vector.request
        if vector.isPresigned {
            let query = try #require(vector.rawQuery)
            request.rawQuery =
                query.replacingOccurrences(of: "X-Amz-Signature=", with: "X-Amz-Signature=0")
                .dropLast().description
        } else {
            let authorization = try #require(request.firstHeader(named: "Authorization"))
            let flipped = authorization.last == "0" ? "1" : "0"
            request = request.replacingHeader("Authorization", with: authorization.dropLast() + flipped)
        }
        #expect(Fixtures.failure(Fixtures.verifier(), request) == .signatureMismatch)
    }

    @Test("rejects a signature scoped to another service")
    func wrongService() throws {
        let error = try #require(Fixtures.failure(Fixtures.verifier(), try Fixtures.vector("wrongService").request))
        #expect(error.code == .invalidSignature)
        #expect(error.message == "Credential should be scoped to correct service: 'lambda'. ")
        #expect(error.httpStatus == 403)
    }
}
