import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusAuth
import NimbusCore
import NimbusInvoke
import NimbusQueues
import NimbusStore

/// The Lambda REST API: authenticates, routes and answers with AWS's shapes.
///
/// Every request except the code download must carry a valid SigV4 signature.
/// Errors from lower layers become ``LambdaError``s here, at the edge, and nothing
/// internal (paths, SQL, stack traces) is sent to the client.
public struct ControlAPIResponder: HTTPResponder {
    public typealias Context = NimbusRequestContext

    let functions: FunctionService
    let layers: LayerService
    let releases: ReleaseService
    let verifier: SigV4Verifier
    let logger: Logger
    /// Tags, policies, and who may call what (nil: tag and policy routes are unknown, and
    /// every signed request may do everything).
    let access: ResourceAccess?
    /// Function URLs and InvokeWithResponseStream; nil serves neither.
    let urls: FunctionURLService?
    /// The SQS-compatible queue API, when served (see `ControlAPIResponder+Queues.swift`).
    let queues: QueueEndpoint?
    /// Event source mappings (SQS); nil serves none.
    let mappings: EventSourceMappingService?
    /// The EventBridge-compatible events API, when served (see `ControlAPIResponder+JSONServices.swift`).
    let events: EventsEndpoint?
    /// The Kinesis-compatible streams API, when served (see `ControlAPIResponder+JSONServices.swift`).
    let streams: StreamsEndpoint?
    /// The CloudWatch Logs-compatible logs API, when served (see `ControlAPIResponder+JSONServices.swift`).
    let logs: LogsEndpoint?
    /// `/metrics` and the metrics series, when served (see `MetricsEndpoint.swift`).
    let metrics: MetricsEndpoint?

    public init(
        functions: FunctionService, layers: LayerService, releases: ReleaseService, verifier: SigV4Verifier, logger: Logger,
        access: ResourceAccess? = nil, urls: FunctionURLService? = nil, queues: QueueEndpoint? = nil,
        mappings: EventSourceMappingService? = nil,
        events: EventsEndpoint? = nil,
        streams: StreamsEndpoint? = nil,
        logs: LogsEndpoint? = nil,
        metrics: MetricsEndpoint? = nil
    ) {
        self.metrics = metrics
        self.mappings = mappings
        self.functions = functions
        self.layers = layers
        self.releases = releases
        self.verifier = verifier
        self.logger = logger
        self.access = access
        self.urls = urls
        self.queues = queues
        self.events = events
        self.streams = streams
        self.logs = logs
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let requestId = UUID().uuidString.lowercased()
        if let queues, Self.isQueueRequest(request) {
            return await respondToQueueRequest(request, endpoint: queues, requestId: requestId)
        }
        if let events, Self.isRequest(for: events, request) {
            return await respond(to: request, endpoint: events, requestId: requestId)
        }
        if let streams, Self.isRequest(for: streams, request) {
            return await respond(to: request, endpoint: streams, requestId: requestId)
        }
        if let logs, Self.isRequest(for: logs, request) {
            return await respond(to: request, endpoint: logs, requestId: requestId)
        }
        do {
            var response = try await handle(request, requestId: requestId, sourceIp: context.remoteAddress?.ipAddress ?? "127.0.0.1")
            if response.headers[.amznRequestId] == nil {
                response.headers[.amznRequestId] = requestId
            }
            return response
        } catch let error as LambdaError {
            return Self.errorResponse(error, requestId: requestId)
        } catch {
            logger.error("unexpected error: \(error)")
            return Self.errorResponse(.internalFailure, requestId: requestId)
        }
    }

    /// - Parameter requestId: the API request id; for Invoke it is also the invocation's
    ///   id, as AWS reports one id in `x-amzn-RequestId` and in START/END/REPORT.
    private func handle(_ request: Request, requestId: String, sourceIp: String) async throws -> Response {
        let rawTarget = request.head.path ?? "/"
        let (rawPath, rawQuery) = Self.split(rawTarget)
        // A function URL (by host name or /_nimbus/url/ prefix) does its own authentication.
        if let urls, let address = FunctionURLAddress(host: request.head.authority, rawPath: rawPath) {
            return await urls.serve(request, address: address, fullRawPath: rawPath, rawQuery: rawQuery, requestId: requestId, sourceIp: sourceIp)
        }
        // Prometheus scrapes unsigned (after function URLs: a URL's own /metrics is the function's).
        if let metrics, MetricsEndpoint.isScrape(request) {
            return metrics.scrape()
        }
        let route = LambdaRoute(method: request.method.rawValue, rawPath: rawPath)

        if case .codeDownload(let hex) = route {
            return try functions.codeDownload(sha256Hex: hex)
        }

        // An unsigned request is refused before its body is read, so anonymous clients
        // cannot make the server hold large buffers. (The full check needs the body's hash.)
        if request.headers[.authorization] == nil, !(rawQuery ?? "").contains("X-Amz-Signature=") {
            throw LambdaError(.missingAuthenticationToken, "Missing Authentication Token")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > route.bodyLimit {
            throw Self.tooLarge(route)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: route.bodyLimit)
        } catch {
            throw Self.tooLarge(route)
        }

        let accessKeyId = try authenticate(request, rawPath: rawPath, rawQuery: rawQuery, body: body)
        let query = Self.queryItems(rawQuery)
        try access?.authorize(accessKeyId: accessKeyId, route: route, query: query)

        switch route {
        case .createFunction:
            return try functions.create(body: body)
        case .listFunctions:
            return try functions.list(marker: query["Marker"], maxItems: query["MaxItems"], functionVersion: query["FunctionVersion"])
        case .getFunction(let name):
            return try functions.get(name, qualifier: query["Qualifier"], host: request.head.authority)
        case .getFunctionConfiguration(let name):
            return try functions.getConfiguration(name, qualifier: query["Qualifier"])
        case .updateFunctionCode(let name):
            return try functions.updateCode(name, body: body)
        case .updateFunctionConfiguration(let name):
            return try functions.updateConfiguration(name, body: body)
        case .deleteFunction(let name):
            return try functions.delete(name, qualifier: query["Qualifier"])
        case .invoke(let name):
            return try await functions.invoke(name, qualifier: query["Qualifier"], requestId: requestId, headers: request.headers, body: body)
        case .getAccountSettings:
            return try functions.accountSettings()
        case .listLayers:
            if query["find"] == "LayerVersion" {
                return try layers.getByArn(query["Arn"], host: request.head.authority)
            }
            return try layers.listLayers(query: query)
        case .publishLayerVersion(let name):
            return try layers.publish(name, body: body, host: request.head.authority)
        case .listLayerVersions(let name):
            return try layers.listVersions(name, query: query)
        case .getLayerVersion(let name, let version):
            return try layers.get(name, version: version, host: request.head.authority)
        case .deleteLayerVersion(let name, let version):
            return try layers.delete(name, version: version)
        case .addLayerVersionPermission(let name, let version):
            return try layers.addPermission(name, version: version, revisionId: query["RevisionId"], body: body)
        case .getLayerVersionPolicy(let name, let version):
            return try layers.getPolicy(name, version: version)
        case .removeLayerVersionPermission(let name, let version, let statementId):
            return try layers.removePermission(name, version: version, statementId: statementId, revisionId: query["RevisionId"])
        case .publishVersion(let name):
            return try releases.publish(name, body: body)
        case .listVersions(let name):
            return try releases.listVersions(name, query: query)
        case .createAlias(let name):
            return try releases.createAlias(name, body: body)
        case .listAliases(let name):
            return try releases.listAliases(name, query: query)
        case .getAlias(let name, let alias):
            return try releases.getAlias(name, alias: alias)
        case .updateAlias(let name, let alias):
            return try releases.updateAlias(name, alias: alias, body: body)
        case .deleteAlias(let name, let alias):
            return try releases.deleteAlias(name, alias: alias)
        case .putFunctionConcurrency(let name):
            return try releases.putConcurrency(name, body: body)
        case .getFunctionConcurrency(let name):
            return try releases.getConcurrency(name)
        case .deleteFunctionConcurrency(let name):
            return try releases.deleteConcurrency(name)
        case .provisionedConcurrency(let name, let method):
            return try releases.provisioned(name, method: method, query: query, body: body)
        case .stats:
            return try functions.stats()
        case .metricsSeries:
            guard let metrics else { throw LambdaError(.unknownOperation, "Unknown operation: \(request.method.rawValue) \(rawPath)", status: 404) }
            return try metrics.series(query: query)
        case .tagResource(let resource):
            return try resourceAccess(rawPath).tags.tagResource(resource, body: body)
        case .untagResource(let resource):
            return try resourceAccess(rawPath).tags.untagResource(resource, tagKeys: TagService.tagKeys(fromQuery: rawQuery))
        case .listTags(let resource):
            return try resourceAccess(rawPath).tags.listTags(resource)
        case .addPermission(let name):
            return try resourceAccess(rawPath).policies.addPermission(name, qualifier: query["Qualifier"], body: body)
        case .getPolicy(let name):
            return try resourceAccess(rawPath).policies.getPolicy(name, qualifier: query["Qualifier"])
        case .removePermission(let name, let statementId):
            return try resourceAccess(rawPath).policies.removePermission(name, statementId: statementId, qualifier: query["Qualifier"], revisionId: query["RevisionId"])
        case .functionURLConfig(let name, let method):
            guard let urls else { throw Self.unknown(request, rawPath) }
            let host = request.head.authority
            switch method {
            case "POST": return try urls.create(name, qualifier: query["Qualifier"], body: body, host: host)
            case "PUT": return try urls.update(name, qualifier: query["Qualifier"], body: body, host: host)
            case "DELETE": return try urls.delete(name, qualifier: query["Qualifier"])
            default: return try urls.get(name, qualifier: query["Qualifier"], host: host)
            }
        case .listFunctionURLConfigs(let name):
            guard let urls else { throw Self.unknown(request, rawPath) }
            return try urls.list(name, query: query, host: request.head.authority)
        case .invokeWithResponseStream(let name):
            guard let urls else { throw Self.unknown(request, rawPath) }
            return try await urls.invokeWithResponseStream(name, qualifier: query["Qualifier"], requestId: requestId, headers: request.headers, body: body)
        case .putEventInvokeConfig(let name):
            return try functions.eventInvokeConfigs.put(name, qualifier: query["Qualifier"], body: body)
        case .getEventInvokeConfig(let name):
            return try functions.eventInvokeConfigs.get(name, qualifier: query["Qualifier"])
        case .updateEventInvokeConfig(let name):
            return try functions.eventInvokeConfigs.update(name, qualifier: query["Qualifier"], body: body)
        case .deleteEventInvokeConfig(let name):
            return try functions.eventInvokeConfigs.delete(name, qualifier: query["Qualifier"])
        case .listEventInvokeConfigs(let name):
            return try functions.eventInvokeConfigs.list(name, marker: query["Marker"], maxItems: query["MaxItems"])
        case .invokeAsync(let name):
            return try await functions.invokeAsync(name, requestId: requestId, body: body)
        case .eventSourceMappings(let method, let uuid):
            guard let mappings else { throw Self.unknown(request, rawPath) }
            return try mappings.respond(method: method, uuid: uuid, query: query, body: body, unknown: Self.unknown(request, rawPath))
        case .codeDownload, .unknown:
            throw LambdaError(.unknownOperation, "Unknown operation: \(request.method.rawValue) \(rawPath)", status: 404)
        }
    }

    private func resourceAccess(_ rawPath: String) throws(LambdaError) -> ResourceAccess {
        guard let access else { throw LambdaError(.unknownOperation, "Unknown operation: \(rawPath)", status: 404) }
        return access
    }

    /// Verifies the signature with `verifier` (default: the Lambda API's, service `lambda`);
    /// returns the access key id that signed the request.
    func authenticate(
        _ request: Request, rawPath: String, rawQuery: String?, body: ByteBuffer, verifier: SigV4Verifier? = nil
    ) throws(LambdaError) -> String {
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count + 1)
        for field in request.headers {
            headers.append((field.name.canonicalName, field.value))
        }
        // HTTP/1.1's Host arrives as the request's authority.
        if let authority = request.head.authority, !headers.contains(where: { $0.name == "host" }) {
            headers.append(("host", authority))
        }
        let hash = body.withUnsafeReadableBytes { SigV4Verifier.sha256Hex($0) }
        let signed = SigV4Request(method: request.method.rawValue, rawPath: rawPath, rawQuery: rawQuery, headers: headers, payloadSHA256Hex: hash)
        do {
            return try (verifier ?? self.verifier).verify(signed)
        } catch {
            throw LambdaError(LambdaError.Code(rawValue: error.code.rawValue) ?? .invalidSignature, error.message, status: error.httpStatus)
        }
    }

    static func unknown(_ request: Request, _ rawPath: String) -> LambdaError {
        LambdaError(.unknownOperation, "Unknown operation: \(request.method.rawValue) \(rawPath)", status: 404)
    }

    static func tooLarge(_ route: LambdaRoute) -> LambdaError {
        LambdaError(.requestTooLarge, "Request must be smaller than \(route.bodyLimit) bytes for the \(route.operationName) operation")
    }

    static func split(_ target: String) -> (path: String, query: String?) {
        guard let mark = target.firstIndex(of: "?") else { return (target, nil) }
        return (String(target[..<mark]), String(target[target.index(after: mark)...]))
    }

    /// Decoded query parameters; the first value wins.
    static func queryItems(_ rawQuery: String?) -> [String: String] {
        guard let rawQuery, !rawQuery.isEmpty else { return [:] }
        var items: [String: String] = [:]
        for pair in rawQuery.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[0])
            let value = parts.count > 1 ? (String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(parts[1])) : ""
            if items[key] == nil { items[key] = value }
        }
        return items
    }

    /// The JSON body of an error answer.
    static func errorBody(_ error: LambdaError) -> String {
        var fields: [String] = []
        if error.code.hasTypeField && !error.omitsType { fields.append(#""Type":"# + JSONText.quoted(error.code.faultType)) }
        fields.append(JSONText.quoted(error.code.messageKey) + ":" + JSONText.quoted(error.message))
        if let reason = error.reason { fields.append(#""Reason":"# + JSONText.quoted(reason)) }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// AWS's error shape: `X-Amzn-ErrorType`, and a body whose fields depend on the type:
    /// `{"Type":"User","message":...}`, `{"Type":"User","Message":...}` or `{"message":...}`
    /// (``LambdaError/Code/messageKey``, ``LambdaError/Code/hasTypeField``).
    static func errorResponse(_ error: LambdaError, requestId: String) -> Response {
        let body = errorBody(error)
        var headers = HTTPFields()
        if let seconds = error.retryAfterSeconds { headers[.retryAfter] = String(seconds) }
        headers[.contentType] = "application/json"
        headers[.amznErrorType] = error.code.rawValue
        headers[.amznRequestId] = requestId
        return Response(status: .init(code: error.httpStatus), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
