import Foundation
import Testing
@testable import NimbusCore

/// Statements and documents are AWS's, recorded in test_lambda_api.snapshot.json (`TestLambdaPermissions`).
@Suite("FunctionPermission")
struct FunctionPermissionTests {
    let resource = "arn:aws:lambda:us-east-1:111111111111:function:fn"
    let bob = Caller(accountId: "222222222222", arn: "arn:aws:iam::222222222222:user/bob")

    @Test("a service principal with a source ARN renders as AWS's statement, byte for byte")
    func serviceWithSourceArn() {
        let statement = FunctionPermission(statementId: "s3", action: "lambda:InvokeFunction", principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::b")
        #expect(statement.json(resource: resource) == #"{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:111111111111:function:fn","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}}}"#)
    }

    @Test("principals: * stays a string, an account becomes its root ARN, an ARN stays as given")
    func principals() {
        func principal(_ value: String) -> String {
            let json = FunctionPermission(statementId: "a", action: "lambda:*", principal: value).json(resource: resource, partition: "aws-cn")
            let start = json.range(of: #""Principal":"#)!.upperBound
            let end = json.range(of: #","Action""#)!.lowerBound
            return String(json[start..<end])
        }
        #expect(principal("*") == #""*""#)
        #expect(principal("222222222222") == #"{"AWS":"arn:aws-cn:iam::222222222222:root"}"#)
        #expect(principal("arn:aws:iam::222222222222:user/bob") == #"{"AWS":"arn:aws:iam::222222222222:user/bob"}"#)
        #expect(principal("alexa-appkit.amazon.com") == #"{"Service":"alexa-appkit.amazon.com"}"#)
    }

    @Test("every condition, in AWS's order: StringEquals (account, URL auth, org, token), then ArnLike")
    func conditions() {
        let statement = FunctionPermission(
            statementId: "urlPermission", action: "lambda:InvokeFunctionUrl", principal: "*", sourceArn: "arn:aws:s3:::b",
            sourceAccount: "111111111111", principalOrgId: "o-1234567890", eventSourceToken: "tok", functionUrlAuthType: "NONE"
        )
        #expect(statement.json(resource: resource).hasSuffix(#""Condition":{"StringEquals":{"AWS:SourceAccount":"111111111111","lambda:FunctionUrlAuthType":"NONE","aws:PrincipalOrgID":"o-1234567890","lambda:EventSourceToken":"tok"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::b"}}}"#))
    }

    @Test("the policy document wraps the statements in order")
    func document() {
        let statements = [
            FunctionPermission(statementId: "logs", action: "lambda:InvokeFunction", principal: "logs.amazonaws.com"),
            FunctionPermission(statementId: "kinesis", action: "lambda:InvokeFunction", principal: "kinesis.amazonaws.com"),
        ]
        let document = FunctionPermission.policyJSON(statements, resource: resource)
        #expect(document.hasPrefix(#"{"Version":"2012-10-17","Id":"default","Statement":[{"Sid":"logs""#))
        #expect(document.hasSuffix(#""Sid":"kinesis","Effect":"Allow","Principal":{"Service":"kinesis.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"\#(resource)"}]}"#))
        let parsed = try? JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any]
        #expect((parsed?["Statement"] as? [Any])?.count == 2)
    }

    @Test("statements grant direct callers by principal and action", arguments: [
        ("*", "lambda:InvokeFunction", true),
        ("222222222222", "lambda:InvokeFunction", true),
        ("arn:aws:iam::222222222222:root", "lambda:InvokeFunction", true),
        ("arn:aws:iam::222222222222:user/bob", "lambda:invokefunction", true),
        ("arn:aws:iam::222222222222:user/carol", "lambda:InvokeFunction", false),
        ("333333333333", "lambda:InvokeFunction", false),
        ("s3.amazonaws.com", "lambda:InvokeFunction", false),
        ("*", "lambda:GetFunction", false),
        ("*", "lambda:*", true),
        ("*", "*", true),
    ])
    func grants(principal: String, action: String, expected: Bool) {
        let statement = FunctionPermission(statementId: "a", action: action, principal: principal)
        #expect(statement.allows("lambda:InvokeFunction", for: bob) == expected)
    }

    @Test("a statement with any condition never grants a direct call")
    func conditionsDoNotGrant() {
        var statement = FunctionPermission(statementId: "a", action: "lambda:InvokeFunction", principal: "*")
        #expect(statement.allows("lambda:InvokeFunction", for: bob))
        statement.sourceAccount = "222222222222"
        #expect(!statement.allows("lambda:InvokeFunction", for: bob))
        statement.sourceAccount = nil
        statement.principalOrgId = "o-1234567890"
        #expect(!statement.allows("lambda:InvokeFunction", for: bob))
    }
}

@Suite("PermissionRules")
struct PermissionRulesTests {
    func failure(_ body: () throws(LambdaError) -> Void) -> (String, String)? {
        do {
            try body()
            return nil
        } catch {
            return (error.code.rawValue, error.message)
        }
    }

    @Test("AddPermission's fields are validated together with AWS's wording")
    func validation() {
        let got = failure { () throws(LambdaError) in
            _ = try PermissionRules.checkAdd(
                statementId: "example.com", action: nil, principal: "s3.amazonaws.com", sourceArn: nil, sourceAccount: nil,
                eventSourceToken: nil, principalOrgId: nil, functionUrlAuthType: nil
            )
        }
        #expect(got?.0 == "ValidationException")
        #expect(got?.1 == "2 validation errors detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+); Value null at 'action' failed to satisfy constraint: Member must not be null")
    }

    @Test("principals AWS refuses", arguments: ["invalid.nonaws.com", "bob", "arn:aws:s3:::bucket", "12345"])
    func invalidPrincipal(principal: String) {
        let got = failure { () throws(LambdaError) in
            _ = try PermissionRules.checkAdd(
                statementId: "a", action: "lambda:InvokeFunction", principal: principal, sourceArn: nil, sourceAccount: nil,
                eventSourceToken: nil, principalOrgId: nil, functionUrlAuthType: nil
            )
        }
        #expect(got?.1 == "The provided principal was invalid. Please check the principal and try again.")
    }

    @Test("a missing alias and a missing version are reported differently")
    func qualifierNotFound() {
        let arn = "arn:aws:lambda:us-east-1:111111111111:function:fn"
        #expect(PermissionRules.qualifierNotFound(arn + ":live", qualifier: "live").message == "Cannot find alias arn: \(arn):live")
        #expect(PermissionRules.qualifierNotFound(arn + ":42", qualifier: "42").message == "Function not found: \(arn):42")
        #expect(PermissionRules.qualifierNotFound(arn + ":a$b", qualifier: "a$b").message == "Function not found: \(arn):a$b")
    }

    @Test("the Qualifier pattern is botocore's")
    func qualifier() throws {
        try PermissionRules.checkQualifier("$LATEST")
        try PermissionRules.checkQualifier("valid-with-$-too")
        let got = failure { () throws(LambdaError) in try PermissionRules.checkQualifier("invalid-qualifier-with-?-char") }
        #expect(got?.1 == #"1 validation error detected: Value 'invalid-qualifier-with-?-char' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: \$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+"#)
    }
}
