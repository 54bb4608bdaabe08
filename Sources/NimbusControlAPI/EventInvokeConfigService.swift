import Foundation
import Hummingbird
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusStore

/// Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s): how a function's (version's,
/// alias's) asynchronous invocations are retried and where their records go.
///
/// Checks run in AWS's order: request validation (ValidationException), "at least one
/// setting", the function and qualifier, then the destinations.
struct EventInvokeConfigService: Sendable {
    let account: Account
    let registry: FunctionRegistry
    let store: EventInvokeConfigStore
    /// Whether `qualifier` names something invocable of an existing function. Only
    /// `$LATEST`, a published version or an alias (the registry resolves it).
    let qualifierExists: @Sendable (_ name: String, _ qualifier: String) -> Bool

    static let functionDoesNotExist = LambdaError(.resourceNotFound, "The function doesn't exist.")

    func put(_ rawName: String, qualifier: String?, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: EventInvokeConfigInput = try WireCoding.decode(body)
        let (name, resolved) = try target(rawName, qualifier: qualifier, input: input)
        let config = EventInvokeConfig(
            functionName: name, qualifier: resolved,
            maximumRetryAttempts: input.maximumRetryAttempts, maximumEventAgeInSeconds: input.maximumEventAgeInSeconds,
            onSuccess: Self.nonEmpty(input.destinationConfig?.onSuccess?.destination),
            onFailure: Self.nonEmpty(input.destinationConfig?.onFailure?.destination),
            lastModified: Date()
        )
        try save(config)
        return try WireCoding.json(FunctionEventInvokeConfigOutput(config, account: account))
    }

    /// Like put, but only the given settings change; the config must exist.
    func update(_ rawName: String, qualifier: String?, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: EventInvokeConfigInput = try WireCoding.decode(body)
        let (name, resolved) = try target(rawName, qualifier: qualifier, input: input)
        guard var config = try stored(name, resolved) else { throw notConfigured(name, resolved) }
        if let value = input.maximumRetryAttempts { config.maximumRetryAttempts = value }
        if let value = input.maximumEventAgeInSeconds { config.maximumEventAgeInSeconds = value }
        if let onSuccess = input.destinationConfig?.onSuccess { config.onSuccess = Self.nonEmpty(onSuccess.destination) }
        if let onFailure = input.destinationConfig?.onFailure { config.onFailure = Self.nonEmpty(onFailure.destination) }
        config.lastModified = Date()
        try save(config)
        return try WireCoding.json(FunctionEventInvokeConfigOutput(config, account: account))
    }

    func get(_ rawName: String, qualifier: String?) throws(LambdaError) -> Response {
        let (name, resolved) = try reference(rawName, qualifier: qualifier)
        guard let config = try stored(name, resolved) else { throw notConfigured(name, resolved) }
        return try WireCoding.json(FunctionEventInvokeConfigOutput(config, account: account))
    }

    func delete(_ rawName: String, qualifier: String?) throws(LambdaError) -> Response {
        let (name, resolved) = try reference(rawName, qualifier: qualifier)
        let deleted: Bool
        do { deleted = try store.delete(functionName: name, qualifier: resolved) } catch { throw .internalFailure }
        guard deleted else { throw notConfigured(name, resolved) }
        return Response(status: .noContent)
    }

    func list(_ rawName: String, marker: String?, maxItems: String?) throws(LambdaError) -> Response {
        let limit = try RequestChecks.maxItems(maxItems, max: 50) ?? 50
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        guard registry.get(identifier.name) != nil else { throw Self.functionDoesNotExist }
        let all: [EventInvokeConfig]
        do { all = try store.list(functionName: identifier.name) } catch { throw .internalFailure }
        let start = marker.flatMap { Data(base64Encoded: $0) }.flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        let page = all.dropFirst(start).prefix(limit)
        let end = start + page.count
        let next = end < all.count ? Data(String(end).utf8).base64EncodedString() : nil
        return try WireCoding.json(ListFunctionEventInvokeConfigsOutput(
            functionEventInvokeConfigs: page.map { FunctionEventInvokeConfigOutput($0, account: account) }, nextMarker: next
        ))
    }

    // MARK: Checks

    /// The function and qualifier a Put or Update applies to, after every check.
    private func target(_ rawName: String, qualifier: String?, input: EventInvokeConfigInput) throws(LambdaError) -> (String, String) {
        let identifier = try FunctionIdentifier.parse(rawName)
        var errors = ValidationErrors()
        EventInvokeConfigRules.check(
            maximumRetryAttempts: input.maximumRetryAttempts, maximumEventAgeInSeconds: input.maximumEventAgeInSeconds,
            onSuccess: input.destinationConfig?.onSuccess?.destination, onFailure: input.destinationConfig?.onFailure?.destination,
            into: &errors
        )
        try errors.throwIfAny()
        if input.maximumRetryAttempts == nil, input.maximumEventAgeInSeconds == nil, input.destinationConfig == nil {
            throw LambdaError(.invalidParameterValue, "You must specify at least one of error handling or destination setting.")
        }
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier) ?? "$LATEST"
        guard registry.get(identifier.name) != nil, qualifierExists(identifier.name, resolved) else {
            throw Self.functionDoesNotExist
        }
        try checkDestinations(input.destinationConfig, of: identifier.name)
        return (identifier.name, resolved)
    }

    /// Get and Delete: the config's key; a missing function is reported as a missing config.
    private func reference(_ rawName: String, qualifier: String?) throws(LambdaError) -> (String, String) {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        return (identifier.name, try identifier.resolvedQualifier(qualifier) ?? "$LATEST")
    }

    /// Destinations must be a supported service; a function must exist and not be this one.
    private func checkDestinations(_ config: DestinationConfigWire?, of name: String) throws(LambdaError) {
        guard let config else { return }
        let sides: [(String?, Bool)] = [(config.onSuccess?.destination, false), (config.onFailure?.destination, true)]
        for (arn, onFailure) in sides {
            guard let arn = Self.nonEmpty(arn) else { continue }
            switch EventInvokeConfigRules.destinationKind(arn, onFailure: onFailure) {
            case nil:
                throw LambdaError(.invalidParameterValue, EventInvokeConfigRules.invalidConfigMessage(
                    onSuccess: config.onSuccess.map(\.destination), onFailure: config.onFailure.map(\.destination)
                ))
            case .function(let target)?:
                if target.name == name {
                    throw LambdaError(.invalidParameterValue, "You can't specify the function as a destination for itself.")
                }
                let exists = registry.get(target.name) != nil && qualifierExists(target.name, target.qualifier ?? "$LATEST")
                if !exists || (target.region.map { $0 != account.region } ?? false) || (target.accountId.map { $0 != account.id } ?? false) {
                    throw LambdaError(.invalidParameterValue, "The destination ARN \(arn) is invalid.")
                }
            case .queue?, .topic?, .eventBus?, .bucket?:
                continue
            }
        }
    }

    private func notConfigured(_ name: String, _ qualifier: String) -> LambdaError {
        LambdaError(.resourceNotFound, "The function \(account.functionArn(name, qualifier: qualifier)) doesn't have an EventInvokeConfig")
    }

    private func stored(_ name: String, _ qualifier: String) throws(LambdaError) -> EventInvokeConfig? {
        do { return try store.get(functionName: name, qualifier: qualifier) } catch { throw .internalFailure }
    }

    private func save(_ config: EventInvokeConfig) throws(LambdaError) {
        do { try store.put(config) } catch { throw .internalFailure }
    }

    static func nonEmpty(_ value: String?) -> String? {
        value.flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension FunctionService {
    /// The event invoke config operations, over the same registry and queue as invoke.
    var eventInvokeConfigs: EventInvokeConfigService {
        EventInvokeConfigService(
            account: account, registry: registry, store: asyncInvoker.configs,
            qualifierExists: { [registry] name, qualifier in
                if case .function = registry.resolve(name, qualifier: qualifier) { return true }
                return false
            }
        )
    }

    /// The deprecated InvokeAsync: queues the body as an Event invocation of `$LATEST`
    /// (or the qualifier in the name) and answers 202 `{"Status": 202}`.
    func invokeAsync(_ rawName: String, requestId: String, body: ByteBuffer) async throws(LambdaError) -> Response {
        let identifier = try FunctionIdentifier.parse(rawName)
        try identifier.checkScope(account)
        guard registry.get(identifier.name) != nil else { throw .functionNotFound(account.functionArn(identifier.name)) }
        if let qualifier = identifier.qualifier {
            guard case .function = registry.resolve(identifier.name, qualifier: qualifier) else {
                throw .functionNotFound(account.functionArn(identifier.name, qualifier: qualifier))
            }
        }
        let payload = try Self.checkedPayload(body)
        try await asyncInvoker.enqueue(InvokeRequest(requestId: requestId, functionName: identifier.name, qualifier: identifier.qualifier, payload: payload))
        return Response(
            status: .accepted, headers: [.contentType: "application/json", .amznRequestId: requestId],
            body: .init(byteBuffer: ByteBuffer(string: #"{"Status":202}"#))
        )
    }
}
