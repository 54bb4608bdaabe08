import Testing
@testable import NimbusCore

@Suite("FunctionIdentifier")
struct FunctionIdentifierTests {
    @Test("accepts the name, partial ARN and ARN forms", arguments: [
        ("hello", "hello", nil, nil, nil),
        ("hello:$LATEST", "hello", "$LATEST", nil, nil),
        ("000000000000:function:hello", "hello", nil, nil, "000000000000"),
        ("arn:aws:lambda:us-east-1:000000000000:function:hello", "hello", nil, "us-east-1", "000000000000"),
        ("arn:aws:lambda:eu-west-2:123456789012:function:my_fn-2:prod", "my_fn-2", "prod", "eu-west-2", "123456789012"),
    ] as [(String, String, String?, String?, String?)])
    func parses(raw: String, name: String, qualifier: String?, region: String?, account: String?) throws {
        let id = try FunctionIdentifier.parse(raw)
        #expect(id.name == name)
        #expect(id.qualifier == qualifier)
        #expect(id.region == region)
        #expect(id.accountId == account)
    }

    @Test("rejects names outside AWS's pattern with AWS's message", arguments: [
        "invalid:function:name", "bad name", "a/b", "arn:aws:lambda:us-east-1:123400000000@function:myfn",
    ])
    func rejectsPattern(raw: String) {
        #expect {
            try FunctionIdentifier.parse(raw)
        } throws: { error in
            guard let error = error as? LambdaError else { return false }
            return error.code == .validation
                && error.message.hasPrefix("1 validation error detected: Value '\(raw)' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ")
        }
    }

    @Test("rejects identifiers longer than 140 characters")
    func rejectsLong() {
        let raw = String(repeating: "a", count: 141)
        #expect(throws: LambdaError.self) { try FunctionIdentifier.parse(raw) }
    }

    @Test("a region or account other than this one is refused")
    func scope() throws {
        let account = Account(id: "000000000000", region: "us-east-1")
        let otherRegion = try FunctionIdentifier.parse("arn:aws:lambda:ap-southeast-1:000000000000:function:f")
        #expect(throws: LambdaError(.resourceNotFound, "Functions from 'ap-southeast-1' are not reachable in this region ('us-east-1')")) {
            try otherRegion.checkScope(account)
        }
        let otherAccount = try FunctionIdentifier.parse("111111111111:function:f")
        #expect(throws: LambdaError.self) { try otherAccount.checkScope(account) }
        try FunctionIdentifier.parse("000000000000:function:f").checkScope(account)
    }

    @Test("a qualifier in the name must match the Qualifier parameter")
    func qualifierMismatch() throws {
        let id = try FunctionIdentifier.parse("f:1")
        #expect(try id.resolvedQualifier(nil) == "1")
        #expect(try id.resolvedQualifier("1") == "1")
        #expect(throws: LambdaError.self) { try id.resolvedQualifier("2") }
        #expect(try FunctionIdentifier.parse("f").resolvedQualifier("$LATEST") == "$LATEST")
    }
}
