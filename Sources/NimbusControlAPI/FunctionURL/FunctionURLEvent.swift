import Foundation
import NimbusCore

/// An HTTP request to a function URL, as the event builder needs it.
struct FunctionURLRequest: Sendable {
    var method: String
    /// The path as sent (percent-encoded), without the `/_nimbus/url/<id>` prefix.
    var rawPath: String
    var rawQuery: String?
    /// Header fields in arrival order, names as sent.
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    var sourceIp: String
    var protocolName: String = "HTTP/1.1"
}

/// Who signed an `AWS_IAM` request: the event's `requestContext.authorizer.iam`.
struct FunctionURLCaller: Sendable, Equatable {
    var accessKey: String
    var accountId: String
}

/// Builds the event a function URL sends its function: API Gateway's payload format 2.0,
/// as `urls-invocation.md` describes it.
///
/// Rules (each as AWS applies them):
/// 1. Header names are lowercased; repeated headers are joined with commas.
/// 2. `Cookie` headers leave `headers` and become `cookies`, split at `; `.
/// 3. `queryStringParameters` holds decoded values, repeated keys joined with commas; it is
///    absent without a query, and `rawQueryString` is then `""`.
/// 4. A body is sent as text when its content type is textual and it is valid UTF-8;
///    otherwise base64 with `isBase64Encoded: true`. No body, no `body` key.
enum FunctionURLEvent {
    static func build(
        _ request: FunctionURLRequest, urlId: String, domainName: String, accountId: String,
        requestId: String, time: Date, caller: FunctionURLCaller?
    ) -> Data {
        var headers: [String: String] = [:]
        var headerOrder: [String] = []
        var cookies: [String] = []
        for field in request.headers {
            let name = field.name.lowercased()
            if name == "cookie" {
                cookies += field.value.components(separatedBy: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                continue
            }
            if let existing = headers[name] {
                headers[name] = existing + "," + field.value
            } else {
                headers[name] = field.value
                headerOrder.append(name)
            }
        }
        var event: [String: Any] = [
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": request.rawPath,
            "rawQueryString": request.rawQuery ?? "",
            "headers": headers,
            "isBase64Encoded": false,
        ]
        if !cookies.isEmpty { event["cookies"] = cookies }
        if let parameters = queryParameters(request.rawQuery) { event["queryStringParameters"] = parameters }

        var context: [String: Any] = [
            "accountId": accountId,
            "apiId": urlId,
            "domainName": domainName,
            "domainPrefix": urlId,
            "http": [
                "method": request.method,
                "path": request.rawPath,
                "protocol": request.protocolName,
                "sourceIp": request.sourceIp,
                "userAgent": headers["user-agent"] ?? "",
            ] as [String: Any],
            "requestId": requestId,
            "routeKey": "$default",
            "stage": "$default",
            "time": AWSDate.accessLogTime(time),
            "timeEpoch": Int64((time.timeIntervalSince1970 * 1000).rounded(.down)),
        ]
        if let caller {
            context["authorizer"] = ["iam": [
                "accessKey": caller.accessKey,
                "accountId": caller.accountId,
                "callerId": caller.accessKey,
                "cognitoIdentity": NSNull(),
                "principalOrgId": NSNull(),
                "userArn": "arn:aws:iam::\(caller.accountId):root",
                "userId": caller.accountId,
            ] as [String: Any]]
        }
        event["requestContext"] = context

        if !request.body.isEmpty {
            if isTextual(headers["content-type"]), let text = String(validating: request.body, as: UTF8.self) {
                event["body"] = text
            } else {
                event["body"] = Data(request.body).base64EncodedString()
                event["isBase64Encoded"] = true
            }
        }
        return (try? JSONSerialization.data(withJSONObject: event, options: [.withoutEscapingSlashes, .sortedKeys])) ?? Data("{}".utf8)
    }

    /// Decoded query parameters, repeated keys joined with commas; nil without a query.
    static func queryParameters(_ rawQuery: String?) -> [String: String]? {
        guard let rawQuery, !rawQuery.isEmpty else { return nil }
        var parameters: [String: String] = [:]
        for pair in rawQuery.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(parts[0])
            let value = parts.count > 1 ? decode(parts[1]) : ""
            parameters[key] = parameters[key].map { $0 + "," + value } ?? value
        }
        return parameters
    }

    private static func decode(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// Content types whose bodies AWS passes as text. Forms and anything binary are base64.
    static func isTextual(_ contentType: String?) -> Bool {
        guard let contentType else { return true }
        let mime = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if mime.isEmpty || mime.hasPrefix("text/") { return true }
        if mime.hasSuffix("+json") || mime.hasSuffix("+xml") { return true }
        return ["application/json", "application/xml", "application/javascript", "application/ecmascript", "application/graphql"].contains(mime)
    }
}
