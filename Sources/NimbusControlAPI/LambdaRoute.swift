import Foundation

/// A Lambda API operation, parsed from the method and the raw (percent-encoded) path.
///
/// Paths follow botocore's model (`data/lambda/2015-03-31/service-2.json`).
enum LambdaRoute: Equatable, Sendable {
    case createFunction
    case listFunctions
    case getFunction(String)
    case getFunctionConfiguration(String)
    case updateFunctionCode(String)
    case updateFunctionConfiguration(String)
    case deleteFunction(String)
    case invoke(String)
    case getAccountSettings
    case publishVersion(String)
    case listVersions(String)
    case createAlias(String)
    case listAliases(String)
    case getAlias(String, alias: String)
    case updateAlias(String, alias: String)
    case deleteAlias(String, alias: String)
    case putFunctionConcurrency(String)
    case getFunctionConcurrency(String)
    case deleteFunctionConcurrency(String)
    /// Put, Get, Delete and (with `List=ALL`) List provisioned concurrency configurations.
    case provisionedConcurrency(String, method: String)
    /// `GET /2018-10-31/layers`: ListLayers, or GetLayerVersionByArn with `find=LayerVersion`.
    case listLayers
    case publishLayerVersion(String)
    case listLayerVersions(String)
    /// Layer name and the raw `VersionNumber` segment (checked by the service).
    case getLayerVersion(String, version: String)
    case deleteLayerVersion(String, version: String)
    case addLayerVersionPermission(String, version: String)
    case getLayerVersionPolicy(String, version: String)
    case removeLayerVersionPermission(String, version: String, statementId: String)
    /// `POST/DELETE/GET /2017-03-31/tags/{ARN}`: TagResource, UntagResource, ListTags (raw ARN, checked by the service).
    case tagResource(String)
    case untagResource(String)
    case listTags(String)
    /// `/2015-03-31/functions/{FunctionName}/policy[/{StatementId}]`.
    case addPermission(String)
    case getPolicy(String)
    case removePermission(String, statementId: String)
    /// The download behind GetFunction's `Code.Location` (unsigned; the digest is the capability).
    case codeDownload(sha256Hex: String)
    /// `GET /_nimbus/stats`: Nimbus's own work counters (signed, like the Lambda API).
    case stats
    /// `GET /_nimbus/metrics/series?function=&window=&step=`: a function's per-minute series (signed).
    case metricsSeries
    /// Create (POST), Get, Update (PUT) and Delete a function URL configuration.
    case functionURLConfig(String, method: String)
    case listFunctionURLConfigs(String)
    case invokeWithResponseStream(String)
    /// `/2019-09-25/functions/{FunctionName}/event-invoke-config[/list]`.
    case putEventInvokeConfig(String)
    case getEventInvokeConfig(String)
    case updateEventInvokeConfig(String)
    case deleteEventInvokeConfig(String)
    case listEventInvokeConfigs(String)
    /// The deprecated InvokeAsync: `POST /2014-11-13/functions/{FunctionName}/invoke-async/`.
    case invokeAsync(String)
    /// `/2015-03-31/event-source-mappings/[{UUID}]` (method, UUID).
    case eventSourceMappings(method: String, uuid: String?)
    case unknown

    /// The operation name AWS uses in size-limit messages.
    var operationName: String {
        switch self {
        case .createFunction: "CreateFunction"
        case .updateFunctionCode: "UpdateFunctionCode"
        case .invoke: "InvokeFunction"
        case .invokeWithResponseStream: "InvokeWithResponseStream"
        case .invokeAsync: "InvokeAsync"
        case .publishLayerVersion: "PublishLayerVersion"
        default: "Request"
        }
    }

    init(method: String, rawPath: String) {
        let segments = rawPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        func decoded(_ index: Int) -> String {
            segments[index].removingPercentEncoding ?? segments[index]
        }
        switch (method, segments.count) {
        case ("POST", 2) where segments == ["2015-03-31", "functions"]:
            self = .createFunction
        case ("GET", 2) where segments == ["2015-03-31", "functions"]:
            self = .listFunctions
        case ("GET", 2) where segments == ["2016-08-19", "account-settings"]:
            self = .getAccountSettings
        case ("GET", 2) where segments == ["2018-10-31", "layers"]:
            self = .listLayers
        case ("DELETE", 7) where segments[0] == "2018-10-31" && segments[1] == "layers" && segments[3] == "versions" && segments[5] == "policy":
            self = .removeLayerVersionPermission(decoded(2), version: decoded(4), statementId: decoded(6))
        case (_, 4...6) where segments[0] == "2018-10-31" && segments[1] == "layers" && segments[3] == "versions":
            self = Self.layerRoute(method: method, segments: segments.count, decoded)
        case ("GET", 2) where segments == ["_nimbus", "stats"]:
            self = .stats
        case ("GET", 3) where segments == ["_nimbus", "metrics", "series"]:
            self = .metricsSeries
        case ("GET", 3) where segments[0] == "_nimbus" && segments[1] == "code" && segments[2].hasSuffix(".zip"):
            let hex = String(segments[2].dropLast(4))
            self = hex.count == 64 && hex.allSatisfy(\.isHexDigit) ? .codeDownload(sha256Hex: hex) : .unknown
        case (_, 3) where segments[0] == "2015-03-31" && segments[1] == "functions":
            switch method {
            case "GET": self = .getFunction(decoded(2))
            case "DELETE": self = .deleteFunction(decoded(2))
            default: self = .unknown
            }
        case (_, 4) where segments[0] == "2015-03-31" && segments[1] == "functions":
            switch (method, segments[3]) {
            case ("GET", "configuration"): self = .getFunctionConfiguration(decoded(2))
            case ("PUT", "configuration"): self = .updateFunctionConfiguration(decoded(2))
            case ("PUT", "code"): self = .updateFunctionCode(decoded(2))
            case ("POST", "invocations"): self = .invoke(decoded(2))
            case ("POST", "versions"): self = .publishVersion(decoded(2))
            case ("GET", "versions"): self = .listVersions(decoded(2))
            case ("POST", "aliases"): self = .createAlias(decoded(2))
            case ("GET", "aliases"): self = .listAliases(decoded(2))
            case ("POST", "policy"): self = .addPermission(decoded(2))
            case ("GET", "policy"): self = .getPolicy(decoded(2))
            default: self = .unknown
            }
        case ("DELETE", 5) where segments[0] == "2015-03-31" && segments[1] == "functions" && segments[3] == "policy":
            self = .removePermission(decoded(2), statementId: decoded(4))
        case (_, 3) where segments[0] == "2017-03-31" && segments[1] == "tags":
            switch method {
            case "POST": self = .tagResource(decoded(2))
            case "DELETE": self = .untagResource(decoded(2))
            case "GET": self = .listTags(decoded(2))
            default: self = .unknown
            }
        case (_, 5) where segments[0] == "2015-03-31" && segments[1] == "functions" && segments[3] == "aliases":
            switch method {
            case "GET": self = .getAlias(decoded(2), alias: decoded(4))
            case "PUT": self = .updateAlias(decoded(2), alias: decoded(4))
            case "DELETE": self = .deleteAlias(decoded(2), alias: decoded(4))
            default: self = .unknown
            }
        case (_, 4) where segments[1] == "functions" && segments[3] == "concurrency":
            switch (segments[0], method) {
            case ("2017-10-31", "PUT"): self = .putFunctionConcurrency(decoded(2))
            case ("2017-10-31", "DELETE"): self = .deleteFunctionConcurrency(decoded(2))
            case ("2019-09-30", "GET"): self = .getFunctionConcurrency(decoded(2))
            default: self = .unknown
            }
        case (_, 4) where segments[0] == "2019-09-30" && segments[1] == "functions" && segments[3] == "provisioned-concurrency":
            self = ["PUT", "GET", "DELETE"].contains(method) ? .provisionedConcurrency(decoded(2), method: method) : .unknown
        case (_, 4) where segments[0] == "2021-10-31" && segments[1] == "functions" && segments[3] == "url":
            self = ["POST", "GET", "PUT", "DELETE"].contains(method) ? .functionURLConfig(decoded(2), method: method) : .unknown
        case ("GET", 4) where segments[0] == "2021-10-31" && segments[1] == "functions" && segments[3] == "urls":
            self = .listFunctionURLConfigs(decoded(2))
        case ("POST", 4) where segments[0] == "2021-11-15" && segments[1] == "functions" && segments[3] == "response-streaming-invocations":
            self = .invokeWithResponseStream(decoded(2))
        case (_, 4...5) where segments[0] == "2019-09-25" && segments[1] == "functions" && segments[3] == "event-invoke-config":
            self = Self.eventInvokeConfigRoute(method: method, list: segments.count == 5 && segments[4] == "list", segments: segments.count, decoded(2))
        case ("POST", 4) where segments[0] == "2014-11-13" && segments[1] == "functions" && segments[3] == "invoke-async":
            self = .invokeAsync(decoded(2))
        case (_, 2...3) where segments[0] == "2015-03-31" && segments[1] == "event-source-mappings":
            self = .eventSourceMappings(method: method, uuid: segments.count == 3 ? decoded(2) : nil)
        default:
            self = .unknown
        }
    }

    private static func eventInvokeConfigRoute(method: String, list: Bool, segments count: Int, _ name: String) -> LambdaRoute {
        switch (method, count, list) {
        case ("GET", 5, true): return .listEventInvokeConfigs(name)
        case ("PUT", 4, _): return .putEventInvokeConfig(name)
        case ("GET", 4, _): return .getEventInvokeConfig(name)
        case ("POST", 4, _): return .updateEventInvokeConfig(name)
        case ("DELETE", 4, _): return .deleteEventInvokeConfig(name)
        default: return .unknown
        }
    }

    /// `/2018-10-31/layers/{LayerName}/versions[/{VersionNumber}[/policy[/{StatementId}]]]`.
    private static func layerRoute(method: String, segments count: Int, _ decoded: (Int) -> String) -> LambdaRoute {
        switch (method, count) {
        case ("POST", 4): return .publishLayerVersion(decoded(2))
        case ("GET", 4): return .listLayerVersions(decoded(2))
        case ("GET", 5): return .getLayerVersion(decoded(2), version: decoded(4))
        case ("DELETE", 5): return .deleteLayerVersion(decoded(2), version: decoded(4))
        case ("POST", 6) where decoded(5) == "policy": return .addLayerVersionPermission(decoded(2), version: decoded(4))
        case ("GET", 6) where decoded(5) == "policy": return .getLayerVersionPolicy(decoded(2), version: decoded(4))
        default: return .unknown
        }
    }

    /// The largest request body the operation accepts before AWS answers 413.
    var bodyLimit: Int {
        switch self {
        case .createFunction, .updateFunctionCode, .publishLayerVersion: 70_167_211
        case .invoke, .invokeWithResponseStream: 6_291_456
        default: 1_048_576
        }
    }
}
