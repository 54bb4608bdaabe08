import Foundation
import Hummingbird
import NIOCore
import NimbusCore
import Testing
@testable import NimbusControlAPI

@Suite("LambdaRoute")
struct LambdaRouteTests {
    @Test("maps botocore's paths to operations", arguments: [
        ("POST", "/2015-03-31/functions", LambdaRoute.createFunction),
        ("GET", "/2015-03-31/functions/", .listFunctions),
        ("GET", "/2015-03-31/functions/hello", .getFunction("hello")),
        ("GET", "/2015-03-31/functions/hello/configuration", .getFunctionConfiguration("hello")),
        ("PUT", "/2015-03-31/functions/hello/configuration", .updateFunctionConfiguration("hello")),
        ("PUT", "/2015-03-31/functions/hello/code", .updateFunctionCode("hello")),
        ("DELETE", "/2015-03-31/functions/hello", .deleteFunction("hello")),
        ("POST", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Ahello/invocations",
         .invoke("arn:aws:lambda:us-east-1:000000000000:function:hello")),
        ("GET", "/2016-08-19/account-settings/", .getAccountSettings),
        ("PATCH", "/2015-03-31/functions/hello", .unknown),
        ("GET", "/nothing", .unknown),
    ])
    func parse(method: String, path: String, expected: LambdaRoute) {
        #expect(LambdaRoute(method: method, rawPath: path) == expected)
    }
}

@Suite("Wire shapes")
struct WireShapeTests {
    let account = Account(id: "111111111111", region: "us-east-1")

    func function() -> FunctionConfiguration {
        FunctionConfiguration(
            name: "fn", runtime: Runtime(rawValue: "python3.12"), role: "arn:aws:iam::111111111111:role/r",
            handler: "handler.handler", timeout: 5, memorySize: 256, codeSHA256Hex: String(repeating: "ab", count: 32), codeSize: 100,
            lastModified: Date(timeIntervalSince1970: 0)
        )
    }

    func keys(_ value: some Encodable) throws -> Set<String> {
        let data = try LambdaJSON.encoder.encode(value)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return Set(object.keys)
    }

    /// The field set of CreateFunction's answer recorded against real AWS
    /// (test_lambda_api.snapshot.json, test_function_lifecycle/create_response).
    @Test("CreateFunction's answer has exactly AWS's fields")
    func createShape() throws {
        let output = FunctionConfigurationOutput(function(), account: account, codeSHA256Base64: "x", moment: .created)
        #expect(try keys(output) == [
            "Architectures", "CodeSha256", "CodeSize", "Description", "Environment", "EphemeralStorage",
            "FunctionArn", "FunctionName", "Handler", "LastModified", "LoggingConfig", "MemorySize",
            "PackageType", "RevisionId", "Role", "Runtime", "RuntimeVersionConfig", "SnapStart", "State",
            "StateReason", "StateReasonCode", "Timeout", "TracingConfig", "Version",
        ])
    }

    @Test("GetFunctionConfiguration's answer has AWS's fields, with LastUpdateStatus")
    func settledShape() throws {
        let output = FunctionConfigurationOutput(function(), account: account, codeSHA256Base64: "x", moment: .settled)
        let data = try LambdaJSON.encoder.encode(output)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["State"] as? String == "Active")
        #expect(object["LastUpdateStatus"] as? String == "Successful")
        #expect(object["StateReason"] == nil)
        #expect(object["FunctionArn"] as? String == "arn:aws:lambda:us-east-1:111111111111:function:fn")
        #expect(object["LastModified"] as? String == "1970-01-01T00:00:00.000+0000")
        #expect((object["LoggingConfig"] as? [String: String]) == ["LogFormat": "Text", "LogGroup": "/aws/lambda/fn"])
        #expect((object["EphemeralStorage"] as? [String: Int]) == ["Size": 512])
        // Slashes are not escaped, byte for byte as AWS writes them.
        #expect(String(decoding: data, as: UTF8.self).contains(#""/aws/lambda/fn""#))
    }

    @Test("the update answer reports InProgress")
    func updatedShape() throws {
        let output = FunctionConfigurationOutput(function(), account: account, codeSHA256Base64: "x", moment: .updated)
        #expect(output.lastUpdateStatus == "InProgress")
        #expect(output.lastUpdateStatusReasonCode == "Creating")
    }

    @Test("request bodies decode from AWS's PascalCase names")
    func decodesPascalCase() throws {
        let json = #"{"FunctionName":"f","Role":"r","Code":{"ZipFile":"UEs="},"Environment":{"Variables":{"A":"1"}},"EphemeralStorage":{"Size":1024},"MemorySize":256}"#
        let input = try LambdaJSON.decoder.decode(CreateFunctionInput.self, from: Data(json.utf8))
        #expect(input.functionName == "f")
        #expect(input.code?.zipFile == "UEs=")
        #expect(input.environment?.variables == ["A": "1"])
        #expect(input.ephemeralStorage?.size == 1024)
        #expect(input.memorySize == 256)
    }

    @Test("errors carry X-Amzn-ErrorType and {Type, Message}")
    func errorShape() throws {
        let response = ControlAPIResponder.errorResponse(.functionNotFound("arn:x"), requestId: "r-1")
        #expect(response.status.code == 404)
        #expect(response.headers[.amznErrorType] == "ResourceNotFoundException")
        #expect(response.headers[.amznRequestId] == "r-1")
        #expect(response.headers[.contentType] == "application/json")
    }

    @Test("error bodies name their fields as AWS does for each type")
    func errorBodies() {
        // As recorded against AWS and in botocore's model: Message for ResourceNotFound,
        // message for the other modeled types, no Type for the front end's own errors.
        #expect(ControlAPIResponder.errorBody(.functionNotFound("arn:x")) == #"{"Type":"User","Message":"Function not found: arn:x"}"#)
        #expect(ControlAPIResponder.errorBody(LambdaError(.invalidParameterValue, "bad")) == #"{"Type":"User","message":"bad"}"#)
        #expect(ControlAPIResponder.errorBody(LambdaError(.resourceConflict, "taken")) == #"{"Type":"User","message":"taken"}"#)
        #expect(ControlAPIResponder.errorBody(.throttled("ReservedFunctionConcurrentInvocationLimitExceeded"))
            == #"{"Type":"User","message":"Rate Exceeded.","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded"}"#)
        #expect(ControlAPIResponder.errorBody(LambdaError(.validation, "1 validation error detected")) == #"{"message":"1 validation error detected"}"#)
        #expect(ControlAPIResponder.errorBody(LambdaError(.invalidSignature, "no match")) == #"{"message":"no match"}"#)
        #expect(ControlAPIResponder.errorBody(LambdaError(.service, "oops")) == #"{"Type":"Service","Message":"oops"}"#)
        #expect(ControlAPIResponder.errorBody(.withoutType(.invalidParameterValue, "limit")) == #"{"message":"limit"}"#)
    }

    @Test("client context must be base64 JSON; the runtime gets the JSON")
    func clientContext() throws {
        let json = #"{"custom":{"a":"b"}}"#
        #expect(try FunctionService.decodeClientContext(Data(json.utf8).base64EncodedString()) == json)
        #expect(try FunctionService.decodeClientContext(nil) == nil)
        #expect(throws: LambdaError.self) { try FunctionService.decodeClientContext("not base64!") }
    }

    @Test("invoke payloads must be JSON; an empty one is {}")
    func payloads() throws {
        #expect(try FunctionService.checkedPayload(ByteBuffer()).readableBytes == 2)
        #expect(try FunctionService.checkedPayload(ByteBuffer(string: #"{"x":1}"#)) == ByteBuffer(string: #"{"x":1}"#))
        #expect(try FunctionService.checkedPayload(ByteBuffer(string: "42")) == ByteBuffer(string: "42"))
        #expect(throws: LambdaError.self) { try FunctionService.checkedPayload(ByteBuffer(string: "{not json")) }
    }

    @Test("ListFunctions markers are opaque and round-trip")
    func markers() {
        let marker = FunctionService.encodeMarker("my-function")
        #expect(marker != "my-function")
        #expect(FunctionService.decodeMarker(marker) == "my-function")
    }

    @Test("query strings decode percent-escapes")
    func query() {
        let items = ControlAPIResponder.queryItems("Qualifier=%24LATEST&MaxItems=2")
        #expect(items == ["Qualifier": "$LATEST", "MaxItems": "2"])
    }
}

@Suite("Layer routes and shapes")
struct LayerRouteAndShapeTests {
    let account = Account(id: "111111111111", region: "us-east-1")

    @Test("maps botocore's layer paths to operations", arguments: [
        ("GET", "/2018-10-31/layers", LambdaRoute.listLayers),
        ("POST", "/2018-10-31/layers/lib/versions", .publishLayerVersion("lib")),
        ("GET", "/2018-10-31/layers/lib/versions", .listLayerVersions("lib")),
        ("GET", "/2018-10-31/layers/lib/versions/3", .getLayerVersion("lib", version: "3")),
        ("DELETE", "/2018-10-31/layers/lib/versions/3", .deleteLayerVersion("lib", version: "3")),
        ("POST", "/2018-10-31/layers/lib/versions/3/policy", .addLayerVersionPermission("lib", version: "3")),
        ("GET", "/2018-10-31/layers/lib/versions/3/policy", .getLayerVersionPolicy("lib", version: "3")),
        ("DELETE", "/2018-10-31/layers/lib/versions/3/policy/s1", .removeLayerVersionPermission("lib", version: "3", statementId: "s1")),
        ("GET", "/2018-10-31/layers/arn%3Aaws%3Alambda%3Aus-east-1%3A111111111111%3Alayer%3Alib/versions/-1",
         .getLayerVersion("arn:aws:lambda:us-east-1:111111111111:layer:lib", version: "-1")),
        ("PUT", "/2018-10-31/layers/lib/versions", .unknown),
        ("GET", "/2018-10-31/layers/lib/other", .unknown),
        ("GET", "/2018-10-31/layers/lib/versions/3/other", .unknown),
    ])
    func parse(method: String, path: String, expected: LambdaRoute) {
        #expect(LambdaRoute(method: method, rawPath: path) == expected)
    }

    @Test("PublishLayerVersion accepts code-sized bodies")
    func bodyLimit() {
        #expect(LambdaRoute.publishLayerVersion("x").bodyLimit == LambdaRoute.createFunction.bodyLimit)
        #expect(LambdaRoute.publishLayerVersion("x").operationName == "PublishLayerVersion")
    }

    func object(_ value: some Encodable) throws -> [String: Any] {
        let data = try LambdaJSON.encoder.encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("a layer version has AWS's fields; optional ones are omitted when absent")
    func layerVersionShape() throws {
        var version = LayerVersion(
            name: "lib", version: 2, description: "d", compatibleRuntimes: ["python3.12"], compatibleArchitectures: ["x86_64"],
            licenseInfo: "MIT", codeSHA256Hex: String(repeating: "ab", count: 32), codeSize: 7, createdDate: Date(timeIntervalSince1970: 0)
        )
        let full = try object(LayerVersionOutput(version, account: account, location: "http://h/x.zip", codeSHA256Base64: "q"))
        // test_layer_lifecycle/publish_result
        #expect(Set(full.keys) == [
            "CompatibleArchitectures", "CompatibleRuntimes", "Content", "CreatedDate", "Description",
            "LayerArn", "LayerVersionArn", "LicenseInfo", "Version",
        ])
        #expect(full["LayerVersionArn"] as? String == "arn:aws:lambda:us-east-1:111111111111:layer:lib:2")
        #expect(full["LayerArn"] as? String == "arn:aws:lambda:us-east-1:111111111111:layer:lib")
        #expect(full["CreatedDate"] as? String == "1970-01-01T00:00:00.000+0000")
        #expect(Set((full["Content"] as? [String: Any])?.keys ?? [:].keys) == ["CodeSha256", "CodeSize", "Location"])
        version.compatibleRuntimes = nil
        version.compatibleArchitectures = nil
        version.licenseInfo = nil
        // test_layer_s3_content/publish_layer_result
        let bare = try object(LayerVersionOutput(version, account: account, location: "http://h/x.zip", codeSHA256Base64: "q"))
        #expect(Set(bare.keys) == ["Content", "CreatedDate", "Description", "LayerArn", "LayerVersionArn", "Version"])
    }

    @Test("a function's Layers appear as [{Arn, CodeSize}] and are omitted when empty")
    func functionLayers() throws {
        var function = FunctionConfiguration(
            name: "fn", runtime: Runtime(rawValue: "python3.12"), role: "arn:aws:iam::111111111111:role/r",
            handler: "h", codeSHA256Hex: String(repeating: "ab", count: 32), codeSize: 100
        )
        #expect(try object(FunctionConfigurationOutput(function, account: account, codeSHA256Base64: "x", moment: .settled))["Layers"] == nil)
        function.layers = [FunctionLayer(arn: "arn:aws:lambda:us-east-1:111111111111:layer:l:1", codeSize: 9, codeSHA256Hex: "c", unzippedSize: 99)]
        let output = try object(FunctionConfigurationOutput(function, account: account, codeSHA256Base64: "x", moment: .settled))
        let layers = try #require(output["Layers"] as? [[String: Any]])
        #expect(layers.count == 1)
        #expect(Set(layers[0].keys) == ["Arn", "CodeSize"])
        #expect(layers[0]["Arn"] as? String == "arn:aws:lambda:us-east-1:111111111111:layer:l:1")
        #expect(layers[0]["CodeSize"] as? Int == 9)
    }

    @Test("request bodies with Layers decode")
    func decodesLayers() throws {
        let json = #"{"Layers":["arn:aws:lambda:us-east-1:111111111111:layer:l:1"],"Timeout":5}"#
        let input = try LambdaJSON.decoder.decode(UpdateFunctionConfigurationInput.self, from: Data(json.utf8))
        #expect(input.layers == ["arn:aws:lambda:us-east-1:111111111111:layer:l:1"])
        let publish = try LambdaJSON.decoder.decode(PublishLayerVersionInput.self, from: Data(#"{"Content":{"ZipFile":"UEs="},"CompatibleRuntimes":[]}"#.utf8))
        #expect(publish.content?.zipFile == "UEs=")
        #expect(publish.compatibleRuntimes == [])
        #expect(publish.compatibleArchitectures == nil)
    }
}
