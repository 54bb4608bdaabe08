import Foundation
import Testing
@testable import NimbusCore

/// Messages are AWS's, recorded in test_lambda_api.snapshot.json (`TestLambdaLayer`).
@Suite("LayerRules")
struct LayerRulesTests {
    let account = Account(id: "111111111111", region: "us-east-1")

    func message(_ body: () throws(LambdaError) -> Void) -> (String, String)? {
        do {
            try body()
            return nil
        } catch {
            return (error.code.rawValue, error.message)
        }
    }

    @Test("layer names: plain names and layer ARNs are accepted")
    func names() throws {
        #expect(try LayerRules.parseName("my-layer_1") == LayerName(name: "my-layer_1"))
        #expect(try LayerRules.parseName("arn:aws:lambda:eu-west-1:222222222222:layer:lib")
            == LayerName(name: "lib", region: "eu-west-1", accountId: "222222222222"))
        #expect(try LayerRules.parseName("arn:aws:lambda:us-east-1:111111111111:layer:lib").isLocal(to: account))
        #expect(try !LayerRules.parseName("arn:aws:lambda:eu-west-1:111111111111:layer:lib").isLocal(to: account))
    }

    @Test("a bad layer name is a ValidationException quoting AWS's pattern")
    func badName() {
        let got = message { () throws(LambdaError) in _ = try LayerRules.parseName("bad name") }
        #expect(got?.0 == "ValidationException")
        #expect(got?.1 == #"1 validation error detected: Value 'bad name' at 'layerName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+"#)
        let long = message { () throws(LambdaError) in _ = try LayerRules.parseName(String(repeating: "a", count: 141)) }
        #expect(long?.1.contains("Member must have length less than or equal to 140") == true)
    }

    @Test("version numbers below 1 are refused with AWS's message", arguments: ["0", "-1", "-99"])
    func versionsBelowOne(raw: String) {
        let got = message { () throws(LambdaError) in _ = try LayerRules.parseVersion(raw) }
        #expect(got?.0 == "InvalidParameterValueException")
        #expect(got?.1 == "Layer Version Cannot be less than 1")
    }

    @Test("a version that is not a number is refused")
    func versionNotNumber() throws {
        #expect(try LayerRules.parseVersion("7") == 7)
        let got = message { () throws(LambdaError) in _ = try LayerRules.parseVersion("abc") }
        #expect(got?.0 == "InvalidParameterValueException")
    }

    @Test("layer version ARNs parse; ARNs without a version do not")
    func versionArns() throws {
        let parsed = try #require(LayerRules.parseVersionArn("arn:aws:lambda:us-east-1:111111111111:layer:lib:3"))
        #expect(parsed.name == "lib")
        #expect(parsed.version == 3)
        #expect(parsed.region == "us-east-1")
        #expect(parsed.layerArn == "arn:aws:lambda:us-east-1:111111111111:layer:lib")
        #expect(LayerRules.parseVersionArn("arn:aws:lambda:us-east-1:111111111111:layer:lib") == nil)
        #expect(LayerRules.isVersionArn("arn:aws:lambda:::awslayer:AmazonLinux1803"))
        #expect(!LayerRules.isVersionArn("lib:3"))
    }

    @Test("GetLayerVersionByArn refuses an ARN without a version with AWS's message")
    func arnParameter() {
        let arn = "arn:aws:lambda:us-east-1:111111111111:layer:lib"
        let got = message { () throws(LambdaError) in _ = try LayerRules.checkArnParameter(arn) }
        #expect(got?.0 == "ValidationException")
        #expect(got?.1 == "1 validation error detected: Value '\(arn)' at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern: \(LayerRules.versionArnPattern)")
    }

    @Test("PublishLayerVersion's runtime and architecture errors match AWS's recording")
    func publishEnums() throws {
        var errors = ValidationErrors()
        LayerRules.checkCompatibleRuntimes(["invalidruntime", "invalidruntime2", "nodejs20.x"], into: &errors)
        LayerRules.checkCompatibleArchitectures(["invalidarch", "x86_64"], into: &errors)
        #expect(errors.message == "2 validation errors detected: Value '[invalidruntime, invalidruntime2, nodejs20.x]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: [nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, nodejs22.x, java25, python3.10, python3.11, java21, ruby3.3, ruby3.4, ruby3.2, python3.8, python3.9, java17, nodejs16.x, dotnet10, dotnet8, java11, dotnet6, nodejs18.x, provided.al2, java8.al2]; Value '[invalidarch, x86_64]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")
        // Deprecated runtimes are still accepted (recorded in test_layer_compatibilities).
        var fine = ValidationErrors()
        LayerRules.checkCompatibleRuntimes(["java8", "go1.x", "provided", "python3.7", "dotnetcore3.1"], into: &fine)
        LayerRules.checkCompatibleArchitectures(["arm64", "x86_64"], into: &fine)
        #expect(fine.isEmpty)
    }

    @Test("list filters are checked against AWS's enums")
    func listQuery() throws {
        #expect(try LayerRules.checkListQuery(runtime: "python3.12", architecture: "arm64", maxItems: "3") == 3)
        #expect(try LayerRules.checkListQuery(runtime: nil, architecture: nil, maxItems: nil) == 50)
        let arch = message { () throws(LambdaError) in _ = try LayerRules.checkListQuery(runtime: nil, architecture: "archdoesnotexist", maxItems: nil) }
        #expect(arch?.1 == "1 validation error detected: Value 'archdoesnotexist' at 'compatibleArchitecture' failed to satisfy constraint: Member must satisfy enum value set: [x86_64, arm64]")
        let runtime = message { () throws(LambdaError) in _ = try LayerRules.checkListQuery(runtime: "runtimedoesnotexist", architecture: nil, maxItems: nil) }
        #expect(runtime?.1.hasPrefix("1 validation error detected: Value 'runtimedoesnotexist' at 'compatibleRuntime' failed to satisfy constraint: Member must satisfy enum value set: [ruby3.5, ruby2.6, dotnetcore1.0,") == true)
        let zero = message { () throws(LambdaError) in _ = try LayerRules.checkListQuery(runtime: nil, architecture: nil, maxItems: "0") }
        #expect(zero?.1 == "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1")
        let big = message { () throws(LambdaError) in _ = try LayerRules.checkListQuery(runtime: nil, architecture: nil, maxItems: "51") }
        #expect(big?.1 == "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50")
    }

    @Test("a function may reference at most 5 layers")
    func atMostFive() throws {
        let arns = (1...6).map { "arn:aws:lambda:us-east-1:111111111111:layer:l\($0):1" }
        let got = message { () throws(LambdaError) in _ = try LayerRules.checkFunctionLayerReferences(arns, account: account) }
        #expect(got?.0 == "InvalidParameterValueException")
        #expect(got?.1 == "Cannot reference more than 5 layers.")
        #expect(try LayerRules.checkFunctionLayerReferences(Array(arns.prefix(5)), account: account).count == 5)
    }

    @Test("layers from another region are refused")
    func otherRegion() {
        let got = message { () throws(LambdaError) in
            _ = try LayerRules.checkFunctionLayerReferences(["arn:aws:lambda:eu-west-1:111111111111:layer:l:1"], account: account)
        }
        #expect(got?.1 == "Layers are not in the same region as the function. Layers are expected to be in region us-east-1.")
    }

    @Test("two versions of one layer are refused, naming the first pair", arguments: [
        (["l:1", "l:2"], "l:1", "l:2"),
        (["l:1", "l:2", "l:3"], "l:1", "l:2"),
        (["l:1", "l:1"], "l:1", "l:1"),
        (["m:1", "l:4", "l:2"], "l:4", "l:2"),
    ])
    func sameLayerTwice(short: [String], first: String, second: String) {
        let prefix = "arn:aws:lambda:us-east-1:111111111111:layer:"
        let got = message { () throws(LambdaError) in
            _ = try LayerRules.checkFunctionLayerReferences(short.map { prefix + $0 }, account: account)
        }
        #expect(got?.1 == "Two different versions of the same layer are not allowed to be referenced in the same function. \(prefix + first) and \(prefix + second) are versions of the same layer.")
    }

    @Test("a layer ARN without a version is a ValidationException on 'layers'")
    func layerArnForm() {
        var errors = ValidationErrors()
        let arn = "arn:aws:lambda:us-east-1:111111111111:layer:lib"
        LayerRules.checkFunctionLayerArns([arn], into: &errors)
        #expect(errors.message == "1 validation error detected: Value '[\(arn)]' at 'layers' failed to satisfy constraint: Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: \(LayerRules.versionArnPattern), Member must not be null]")
        var fine = ValidationErrors()
        LayerRules.checkFunctionLayerArns([arn + ":1"], into: &fine)
        #expect(fine.isEmpty)
    }

    @Test("function code and layers together may unzip to at most 262144000 bytes")
    func combinedSize() throws {
        let layer = FunctionLayer(arn: "a", codeSize: 1, codeSHA256Hex: "x", unzippedSize: 262_000_000)
        try LayerRules.checkCombinedSize(functionUnzipped: 144_000, layers: [layer])
        let got = message { () throws(LambdaError) in try LayerRules.checkCombinedSize(functionUnzipped: 144_001, layers: [layer]) }
        #expect(got?.0 == "InvalidParameterValueException")
        #expect(got?.1 == "Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is 262144001 bytes.")
    }

    @Test("permission statements: AWS's action message, and its statement JSON")
    func statements() throws {
        let got = message { () throws(LambdaError) in
            _ = try LayerRules.checkStatement(statementId: "s1", action: "*", principal: "*", organizationId: nil)
        }
        #expect(got?.1 == "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion")
        let badPrincipal = message { () throws(LambdaError) in
            _ = try LayerRules.checkStatement(statementId: "s 1", action: "lambda:GetLayerVersion", principal: "someone", organizationId: nil)
        }
        #expect(badPrincipal?.1.hasPrefix("2 validation errors detected: Value 's 1' at 'statementId'") == true)

        let arn = "arn:aws:lambda:us-east-1:111111111111:layer:lib:1"
        let open = try LayerRules.checkStatement(statementId: "s1", action: "lambda:GetLayerVersion", principal: "*", organizationId: nil)
        #expect(open.json(resource: arn) == #"{"Sid":"s1","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"arn:aws:lambda:us-east-1:111111111111:layer:lib:1"}"#)
        let account = try LayerRules.checkStatement(statementId: "s2", action: "lambda:GetLayerVersion", principal: "222222222222", organizationId: "o-abcdefghij")
        #expect(account.json(resource: arn).contains(#""Principal":{"AWS":"arn:aws:iam::222222222222:root"}"#))
        #expect(account.json(resource: arn).hasSuffix(#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}"#))
        let policy = LayerPermissionStatement.policyJSON([open], resource: arn)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(policy.utf8)) as? [String: Any])
        #expect(object["Version"] as? String == "2012-10-17")
        #expect(object["Id"] as? String == "default")
        #expect((object["Statement"] as? [Any])?.count == 1)
    }

    @Test("filters match only versions that list the value")
    func filters() {
        let version = LayerVersion(name: "l", version: 1, compatibleRuntimes: ["python3.12"], compatibleArchitectures: nil, codeSHA256Hex: "x", codeSize: 1)
        #expect(version.matches(runtime: nil, architecture: nil))
        #expect(version.matches(runtime: "python3.12", architecture: nil))
        #expect(!version.matches(runtime: "python3.13", architecture: nil))
        #expect(!version.matches(runtime: nil, architecture: "x86_64"))
    }

    @Test("a function's layers are part of its configuration")
    func configurationCarriesLayers() {
        let layer = FunctionLayer(arn: "arn:aws:lambda:us-east-1:111111111111:layer:l:1", codeSize: 10, codeSHA256Hex: String(repeating: "c", count: 64), unzippedSize: 20)
        var configuration = FunctionConfiguration(name: "f", runtime: Runtime(rawValue: "provided.al2023"), role: "r", handler: "h", codeSHA256Hex: "x", codeSize: 1)
        let before = configuration
        FunctionConfigurationUpdate(layers: [layer]).apply(to: &configuration)
        #expect(configuration != before)
        #expect(configuration.layerSHA256Hexes == [layer.codeSHA256Hex])
        FunctionConfigurationUpdate(layers: []).apply(to: &configuration)
        #expect(configuration.layers.isEmpty)
    }
}
