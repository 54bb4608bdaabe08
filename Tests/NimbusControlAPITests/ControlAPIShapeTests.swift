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
