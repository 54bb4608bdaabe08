import Foundation
import Testing
@testable import NimbusControlAPI

@Suite("Function URL event builder")
struct FunctionURLEventTests {
    func event(_ request: FunctionURLRequest, caller: FunctionURLCaller? = nil) throws -> [String: Any] {
        let data = FunctionURLEvent.build(
            request, urlId: "abcdefghijklmnopqrstuvwxyz012345", domainName: "abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.localhost",
            accountId: "000000000000", requestId: "req-1", time: Date(timeIntervalSince1970: 1_583_348_638.390), caller: caller
        )
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func headersQueryAndCookies() throws {
        let e = try event(FunctionURLRequest(
            method: "GET", rawPath: "/my/pa%20th", rawQuery: "a=1&a=2&b=x%2By&c",
            headers: [("Host", "h"), ("X-Multi", "one"), ("x-multi", "two"), ("Cookie", "c1=v1; c2=v2"), ("User-Agent", "ua/1")],
            body: [], sourceIp: "10.0.0.1"
        ))
        #expect(e["version"] as? String == "2.0")
        #expect(e["routeKey"] as? String == "$default")
        #expect(e["rawPath"] as? String == "/my/pa%20th")
        #expect(e["rawQueryString"] as? String == "a=1&a=2&b=x%2By&c")
        #expect(e["headers"] as? [String: String] == ["host": "h", "x-multi": "one,two", "user-agent": "ua/1"])
        #expect(e["cookies"] as? [String] == ["c1=v1", "c2=v2"])
        #expect(e["queryStringParameters"] as? [String: String] == ["a": "1,2", "b": "x+y", "c": ""])
        #expect(e["body"] == nil)
        #expect(e["isBase64Encoded"] as? Bool == false)
        let context = try #require(e["requestContext"] as? [String: Any])
        #expect(context["apiId"] as? String == "abcdefghijklmnopqrstuvwxyz012345")
        #expect(context["domainPrefix"] as? String == "abcdefghijklmnopqrstuvwxyz012345")
        #expect(context["stage"] as? String == "$default")
        #expect(context["time"] as? String == "04/Mar/2020:19:03:58 +0000")
        #expect((context["timeEpoch"] as? NSNumber)?.int64Value == 1_583_348_638_390)
        #expect(context["authorizer"] == nil)
        let http = try #require(context["http"] as? [String: String])
        #expect(http == ["method": "GET", "path": "/my/pa%20th", "protocol": "HTTP/1.1", "sourceIp": "10.0.0.1", "userAgent": "ua/1"])
    }

    @Test func noQueryMeansNoParameters() throws {
        let e = try event(FunctionURLRequest(method: "GET", rawPath: "/", rawQuery: nil, headers: [], body: [], sourceIp: "1.2.3.4"))
        #expect(e["rawQueryString"] as? String == "")
        #expect(e["queryStringParameters"] == nil)
        #expect(e["cookies"] == nil)
    }

    @Test(arguments: [
        ("application/json", false), ("text/html; charset=utf-8", false), ("application/octet-stream", true),
        ("multipart/form-data; boundary=x", true), ("application/x-www-form-urlencoded", true), ("image/png", true),
    ])
    func bodyEncoding(contentType: String, base64: Bool) throws {
        let body = Array("{\"k\":1}".utf8)
        let e = try event(FunctionURLRequest(method: "POST", rawPath: "/", rawQuery: nil, headers: [("Content-Type", contentType)], body: body, sourceIp: "1.2.3.4"))
        #expect(e["isBase64Encoded"] as? Bool == base64)
        #expect(e["body"] as? String == (base64 ? Data(body).base64EncodedString() : "{\"k\":1}"))
    }

    @Test func invalidUTF8IsBase64EvenAsText() throws {
        let e = try event(FunctionURLRequest(method: "POST", rawPath: "/", rawQuery: nil, headers: [("Content-Type", "text/plain")], body: [0xff, 0x00, 0x41], sourceIp: "1.2.3.4"))
        #expect(e["isBase64Encoded"] as? Bool == true)
        #expect(e["body"] as? String == "/wBB")
    }

    @Test func iamCallerIsTheAuthorizer() throws {
        let e = try event(FunctionURLRequest(method: "GET", rawPath: "/", rawQuery: nil, headers: [], body: [], sourceIp: "1.2.3.4"), caller: .init(accessKey: "nimbus", accountId: "000000000000"))
        let iam = try #require((e["requestContext"] as? [String: Any])?["authorizer"] as? [String: Any])["iam"] as? [String: Any]
        #expect(iam?["accessKey"] as? String == "nimbus")
        #expect(iam?["accountId"] as? String == "000000000000")
    }
}

@Suite("Function URL response mapper")
struct FunctionURLResponseTests {
    func map(_ json: String, error: String? = nil) -> FunctionURLHTTPResponse {
        FunctionURLResponse.map(payload: Array(json.utf8), functionError: error)
    }

    /// AWS's recorded answers (test_lambda_url_invocation): Python's return value → body.
    @Test(arguments: [
        (#"{"hello": "world"}"#, #"{"hello":"world"}"#),
        (#"{"statusCode": 200, "body": "body123"}"#, "body123"),
        (#"{"statusCode": 200, "body": "{\"hello\": \"world\"}"}"#, #"{"hello": "world"}"#),
        (#"["hello", 3, true]"#, #"["hello",3,true]"#),
        (#""hello""#, "hello"),
        ("3", "3"),
        ("3.1", "3.1"),
        ("true", "true"),
    ])
    func recordedCases(payload: String, body: String) {
        let response = map(payload)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == body)
        #expect(response.header("content-type") == "application/json")
    }

    @Test func structuredResponse() {
        let response = map(#"{"statusCode": 201, "headers": {"Content-Type": "text/html", "X-N": 5}, "multiValueHeaders": {"X-M": ["a", "b"]}, "cookies": ["a=1; Max-Age=5", "b=2"], "body": "<p>hi</p>"}"#)
        #expect(response.status == 201)
        #expect(response.header("content-type") == "text/html")
        #expect(response.header("x-n") == "5")
        #expect(response.headers.filter { $0.name == "X-M" }.map(\.value) == ["a", "b"])
        #expect(response.headers.filter { $0.name == "Set-Cookie" }.map(\.value) == ["a=1; Max-Age=5", "b=2"])
        #expect(String(decoding: response.body, as: UTF8.self) == "<p>hi</p>")
    }

    @Test func stringStatusAndBase64Body() {
        let teapot = map(#"{"statusCode": "418", "body": "i'm a teapot"}"#)
        #expect(teapot.status == 418)
        #expect(String(decoding: teapot.body, as: UTF8.self) == "i'm a teapot")
        let binary = map(#"{"statusCode": 200, "isBase64Encoded": true, "body": "/wBB", "headers": {"content-type": "image/png"}}"#)
        #expect(binary.body == [0xff, 0x00, 0x41])
        #expect(binary.header("content-type") == "image/png")
    }

    @Test func objectWithoutStatusCodeIsTheBody() {
        let response = map(#"{"body": "x", "statusCode": true}"#)
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"body":"x","statusCode":true}"#)
    }

    @Test func functionErrorIs502() {
        let response = map(#"{"errorMessage": "boom", "errorType": "Exception"}"#, error: "Unhandled")
        #expect(response.status == 502)
        #expect(String(decoding: response.body, as: UTF8.self) == "Internal Server Error")
    }
}

@Suite("Function URL addressing and event stream")
struct FunctionURLAddressTests {
    let id = "abcdefghijklmnopqrstuvwxyz012345"

    @Test func hostAndPathForms() {
        #expect(FunctionURLAddress(host: "\(id).lambda-url.us-east-1.localhost:9000", rawPath: "/a/b") == FunctionURLAddress(urlId: id, rawPath: "/a/b"))
        #expect(FunctionURLAddress(host: "127.0.0.1:9000", rawPath: "/_nimbus/url/\(id)/a/b") == FunctionURLAddress(urlId: id, rawPath: "/a/b"))
        #expect(FunctionURLAddress(host: "127.0.0.1:9000", rawPath: "/_nimbus/url/\(id)") == FunctionURLAddress(urlId: id, rawPath: "/"))
        #expect(FunctionURLAddress(host: "127.0.0.1:9000", rawPath: "/2015-03-31/functions") == nil)
        #expect(FunctionURLAddress(host: "short.lambda-url.us-east-1.localhost", rawPath: "/") == nil)
        #expect(FunctionURLAddress.functionUrl(urlId: id, region: "us-east-1", apiHost: "127.0.0.1:9000") == "http://\(id).lambda-url.us-east-1.localhost:9000/")
        let fresh = FunctionURLAddress.newURLId()
        #expect(FunctionURLAddress.isURLId(Substring(fresh)))
    }

    /// CRC-32 check value and the framing botocore's decoder checks.
    @Test func eventStreamFraming() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        let bytes = EventStreamMessage.event("PayloadChunk", contentType: "application/octet-stream", payload: Array("hi".utf8)).encoded()
        let total = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
        #expect(total == bytes.count)
        let headersLength = bytes[4..<8].reduce(0) { $0 << 8 | Int($1) }
        #expect(Array(bytes[(12 + headersLength)..<(bytes.count - 4)]) == Array("hi".utf8))
        let preludeCRC = bytes[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(preludeCRC == CRC32.checksum(Array(bytes[0..<8])))
        let messageCRC = bytes[(bytes.count - 4)...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        #expect(messageCRC == CRC32.checksum(Array(bytes[0..<(bytes.count - 4)])))
    }
}
