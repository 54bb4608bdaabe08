import Foundation
import NimbusCore

/// A function URL's `Cors` object, as the API takes and returns it.
struct FunctionURLCors: Codable, Sendable, Equatable {
    var allowCredentials: Bool?
    var allowHeaders: [String]?
    var allowMethods: [String]?
    var allowOrigins: [String]?
    var exposeHeaders: [String]?
    var maxAge: Int?

    /// The model's constraints (botocore: list sizes, item lengths, MaxAge 0...86400).
    func validate(into errors: inout ValidationErrors) {
        func checkList(_ list: [String]?, _ field: String, max: Int, itemMax: Int, itemMin: Int = 0) {
            guard let list else { return }
            if list.count > max {
                errors.add(unquotedValue: "[\(list.joined(separator: ", "))]", at: "cors.\(field)", constraint: "Member must have length less than or equal to \(max)")
            }
            for item in list where item.utf8.count > itemMax || item.utf8.count < itemMin {
                let constraint = item.utf8.count > itemMax
                    ? "Member must have length less than or equal to \(itemMax)"
                    : "Member must have length greater than or equal to \(itemMin)"
                errors.add(unquotedValue: "[\(list.joined(separator: ", "))]", at: "cors.\(field)", constraint: "Member must satisfy constraint: [\(constraint)]")
                break
            }
        }
        checkList(allowHeaders, "allowHeaders", max: 100, itemMax: 1024)
        checkList(allowMethods, "allowMethods", max: 6, itemMax: 6)
        checkList(allowOrigins, "allowOrigins", max: 100, itemMax: 253, itemMin: 1)
        checkList(exposeHeaders, "exposeHeaders", max: 100, itemMax: 1024)
        if let maxAge {
            if maxAge > 86400 {
                errors.add(value: String(maxAge), at: "cors.maxAge", constraint: "Member must have value less than or equal to 86400")
            } else if maxAge < 0 {
                errors.add(value: String(maxAge), at: "cors.maxAge", constraint: "Member must have value greater than or equal to 0")
            }
        }
    }

    /// The `Access-Control-Allow-Origin` value for a request's `Origin`, nil if not allowed.
    func allowedOrigin(_ origin: String?) -> String? {
        guard let origin, let origins = allowOrigins else { return nil }
        if origins.contains("*") { return "*" }
        return origins.first { $0.lowercased() == origin.lowercased() }.map { _ in origin }
    }

    /// Headers for the answer to a preflight `OPTIONS`, which Nimbus gives itself.
    func preflightHeaders(origin: String?) -> [FunctionURLHTTPResponse.HeaderField] {
        guard let allowed = allowedOrigin(origin) else { return [] }
        var headers = [FunctionURLHTTPResponse.HeaderField(name: "Access-Control-Allow-Origin", value: allowed)]
        if let methods = allowMethods, !methods.isEmpty {
            headers.append(.init(name: "Access-Control-Allow-Methods", value: methods.joined(separator: ",")))
        }
        if let allowHeaders, !allowHeaders.isEmpty {
            headers.append(.init(name: "Access-Control-Allow-Headers", value: allowHeaders.joined(separator: ",")))
        }
        if allowCredentials == true { headers.append(.init(name: "Access-Control-Allow-Credentials", value: "true")) }
        if let maxAge { headers.append(.init(name: "Access-Control-Max-Age", value: String(maxAge))) }
        return headers
    }

    /// Headers added to every response; they replace the function's own CORS headers.
    func responseHeaders(origin: String?) -> [FunctionURLHTTPResponse.HeaderField] {
        guard let allowed = allowedOrigin(origin) else { return [] }
        var headers = [FunctionURLHTTPResponse.HeaderField(name: "Access-Control-Allow-Origin", value: allowed)]
        if let exposeHeaders, !exposeHeaders.isEmpty {
            headers.append(.init(name: "Access-Control-Expose-Headers", value: exposeHeaders.joined(separator: ",")))
        }
        if allowCredentials == true { headers.append(.init(name: "Access-Control-Allow-Credentials", value: "true")) }
        return headers
    }
}
