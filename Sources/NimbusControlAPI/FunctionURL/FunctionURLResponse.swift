import Foundation

/// The HTTP answer a function URL sends: status, header fields in order, body.
struct FunctionURLHTTPResponse: Sendable, Equatable {
    var status: Int
    var headers: [HeaderField]
    var body: [UInt8]

    struct HeaderField: Sendable, Equatable {
        var name: String
        var value: String
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Maps a function's result to the HTTP response, as `urls-invocation.md` and AWS's
/// recorded answers describe.
///
/// 1. A JSON object with `statusCode` (a number, or a string of digits) is a response:
///    its `headers`, `multiValueHeaders`, `cookies` (one `Set-Cookie` each) and `body`
///    (base64-decoded when `isBase64Encoded`). Without a `content-type` header it is
///    `application/json`.
/// 2. Any other valid JSON is the body, status 200, `application/json`: a string is sent
///    without its quotes, anything else as compact JSON (AWS re-serializes
///    `{"hello": "world"}` as `{"hello":"world"}`, and `True` as `true`).
/// 3. A function error is 502 with the body `Internal Server Error`.
enum FunctionURLResponse {
    static let internalServerError = FunctionURLHTTPResponse(
        status: 502, headers: [.init(name: "Content-Type", value: "application/json")], body: Array("Internal Server Error".utf8)
    )

    static func map(payload: [UInt8], functionError: String?) -> FunctionURLHTTPResponse {
        if functionError != nil { return internalServerError }
        let json = [FunctionURLHTTPResponse.HeaderField(name: "Content-Type", value: "application/json")]
        guard let value = try? JSONSerialization.jsonObject(with: Data(payload), options: [.fragmentsAllowed]) else {
            // Not JSON (a custom runtime may post anything): passed through as the body.
            return FunctionURLHTTPResponse(status: 200, headers: json, body: payload)
        }
        if let object = value as? [String: Any], let status = statusCode(object["statusCode"]) {
            return structured(object, status: status)
        }
        if let text = value as? String {
            return FunctionURLHTTPResponse(status: 200, headers: json, body: Array(text.utf8))
        }
        return FunctionURLHTTPResponse(status: 200, headers: json, body: compact(payload))
    }

    private static func structured(_ object: [String: Any], status: Int) -> FunctionURLHTTPResponse {
        var headers: [FunctionURLHTTPResponse.HeaderField] = []
        if let single = object["headers"] as? [String: Any] {
            for name in single.keys.sorted() {
                if let value = scalarText(single[name]) { headers.append(.init(name: name, value: value)) }
            }
        }
        if let multiple = object["multiValueHeaders"] as? [String: Any] {
            for name in multiple.keys.sorted() {
                for value in (multiple[name] as? [Any]) ?? [] {
                    if let text = scalarText(value) { headers.append(.init(name: name, value: text)) }
                }
            }
        }
        for cookie in (object["cookies"] as? [Any]) ?? [] {
            if let text = scalarText(cookie) { headers.append(.init(name: "Set-Cookie", value: text)) }
        }
        if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(.init(name: "Content-Type", value: "application/json"))
        }
        var body: [UInt8] = []
        switch object["body"] {
        case let text as String:
            if (object["isBase64Encoded"] as? Bool) == true {
                guard let decoded = Data(base64Encoded: text) else { return internalServerError }
                body = Array(decoded)
            } else {
                body = Array(text.utf8)
            }
        case nil, is NSNull:
            body = []
        case let other?:
            body = (try? JSONSerialization.data(withJSONObject: other, options: [.fragmentsAllowed, .withoutEscapingSlashes])).map(Array.init) ?? []
        }
        return FunctionURLHTTPResponse(status: status, headers: headers, body: body)
    }

    /// `statusCode` as AWS accepts it: an integer, or a string of digits (`"418"`).
    static func statusCode(_ value: Any?) -> Int? {
        if value is Bool, !(value is NSNumber) { return nil }
        switch value {
        case let text as String:
            return Int(text).flatMap { (100...599).contains($0) ? $0 : nil }
        case let number as NSNumber:
            if CFGetTypeIDIfBoolean(number) { return nil }
            let status = number.intValue
            return (100...599).contains(status) ? status : nil
        default:
            return nil
        }
    }

    /// Booleans decoded by JSONSerialization may be NSNumbers too; `true` is not status 1.
    private static func CFGetTypeIDIfBoolean(_ number: NSNumber) -> Bool {
        type(of: number as Any) == Bool.self || String(cString: number.objCType) == "c"
    }

    private static func scalarText(_ value: Any?) -> String? {
        switch value {
        case let text as String: return text
        case let number as NSNumber:
            if CFGetTypeIDIfBoolean(number) { return number.boolValue ? "true" : "false" }
            return number.stringValue
        default: return nil
        }
    }

    /// JSON text without insignificant whitespace; keys, order and numbers untouched.
    static func compact(_ json: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(json.count)
        var inString = false
        var escaped = false
        for byte in json {
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                continue
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            default:
                out.append(byte)
            }
        }
        return out
    }
}
