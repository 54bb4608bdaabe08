import Testing
@testable import NimbusCore

/// Messages are AWS's, recorded in test_lambda_api.snapshot.json (`TestLambdaTags`).
@Suite("TagRules")
struct TagRulesTests {
    let account = Account(id: "111111111111", region: "us-east-1")

    func failure(_ body: () throws(LambdaError) -> Void) -> (String, String)? {
        do {
            try body()
            return nil
        } catch {
            return (error.code.rawValue, error.message)
        }
    }

    @Test("a function ARN gives the function's name")
    func functionArn() throws {
        #expect(try TagRules.functionName(fromResource: "arn:aws:lambda:us-east-1:111111111111:function:my-fn", account: account) == "my-fn")
    }

    @Test("qualified ARNs are refused, $LATEST included")
    func qualified() {
        for suffix in [":1", ":$LATEST", ":live"] {
            let got = failure { () throws(LambdaError) in
                _ = try TagRules.functionName(fromResource: "arn:aws:lambda:us-east-1:111111111111:function:fn" + suffix, account: account)
            }
            #expect(got?.0 == "InvalidParameterValueException")
            #expect(got?.1 == "Tags on function aliases and versions are not supported. Please specify a function ARN.")
        }
    }

    @Test("anything but a Lambda ARN is a ValidationException quoting AWS's pattern")
    func invalidArn() {
        let got = failure { () throws(LambdaError) in _ = try TagRules.functionName(fromResource: "arn:aws:something", account: account) }
        #expect(got?.0 == "ValidationException")
        #expect(got?.1 == #"1 validation error detected: Value 'arn:aws:something' at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:(function:[a-zA-Z0-9-_]+(:(\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)"#)
    }

    @Test("other regions and accounts are not this server's")
    func scope() {
        let region = failure { () throws(LambdaError) in
            _ = try TagRules.functionName(fromResource: "arn:aws:lambda:eu-west-1:111111111111:function:fn", account: account)
        }
        #expect(region?.0 == "ResourceNotFoundException")
        let other = failure { () throws(LambdaError) in
            _ = try TagRules.functionName(fromResource: "arn:aws:lambda:us-east-1:222222222222:function:fn", account: account)
        }
        #expect(other?.0 == "AccessDeniedException")
    }

    @Test("keys and values", arguments: [
        ("k", "", true),
        (String(repeating: "k", count: 128), String(repeating: "v", count: 256), true),
        ("sp ace_.:/=+-@", "välue", true),
        (String(repeating: "k", count: 129), "v", false),
        ("", "v", false),
        ("aws:x", "v", false),
        ("AWS:x", "v", false),
        ("k#", "v", false),
        ("k", String(repeating: "v", count: 257), false),
        ("k", "v\u{0}", false),
    ])
    func keysAndValues(key: String, value: String, valid: Bool) {
        #expect((failure { () throws(LambdaError) in try TagRules.check([key: value]) } == nil) == valid)
    }

    @Test("an empty map and more than 50 tags are refused with AWS's messages")
    func limits() throws {
        #expect(failure { () throws(LambdaError) in try TagRules.check([:]) }?.1 == "An error occurred and the request cannot be processed.")
        let fifty = Dictionary(uniqueKeysWithValues: (0..<50).map { ("\($0)_key", "v") })
        #expect(try TagRules.merged(fifty, adding: ["0_key": "w"]).count == 50)
        let got = failure { () throws(LambdaError) in _ = try TagRules.merged(fifty, adding: ["new": "v"]) }
        #expect(got?.0 == "InvalidParameterValueException")
        #expect(got?.1 == "Number of tags exceeds resource tag limit.")
    }

    @Test("UntagResource without keys")
    func untagWithoutKeys() {
        #expect(failure { () throws(LambdaError) in try TagRules.checkTagKeys([]) }?.1 == "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null")
    }
}
