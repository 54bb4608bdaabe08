import Foundation
import Hummingbird
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusStore

/// Versions, aliases, reserved and provisioned concurrency: Lambda's release and
/// scaling controls, with AWS's shapes and messages.
public struct ReleaseService: Sendable {
    let account: Account
    let registry: FunctionRegistry
    let invoker: Invoker

    public init(account: Account, registry: FunctionRegistry, invoker: Invoker) {
        self.account = account
        self.registry = registry
        self.invoker = invoker
    }

    /// AWS keeps this much of the account's concurrency unreserved (100 of the default 1000).
    /// (On a small limit, a tenth of it, so that something can still be reserved.)
    var minimumUnreserved: Int { min(Limits.unreservedConcurrentExecutionsMinimum, invoker.concurrencyLimit / 10) }

    // MARK: Versions

    func publish(_ rawName: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: PublishVersionInput = try WireCoding.decode(body)
        var errors = ValidationErrors()
        FunctionRules.checkDescription(input.description, into: &errors)
        try errors.throwIfAny()
        let name = try unqualifiedName(rawName)
        let published = try registry.publish(
            name, notFound: .functionNotFound(account.functionArn(name)),
            expectedCodeSHA256: input.codeSha256, description: input.description, revisionId: input.revisionId
        )
        return try WireCoding.json(output(published, moment: .settled), status: .created)
    }

    func listVersions(_ rawName: String, query: [String: String]) throws(LambdaError) -> Response {
        let name = try unqualifiedName(rawName)
        guard let latest = registry.get(name), let versions = registry.versions(name) else {
            throw .functionNotFound(account.functionArn(name))
        }
        let all = [output(latest, moment: .listed, arnQualifier: FunctionConfiguration.latest)] + versions.map { output($0, moment: .listed) }
        let (page, next) = try Self.page(all, query: query) { $0.version }
        return try WireCoding.json(ListVersionsOutput(versions: page, nextMarker: next))
    }

    // MARK: Aliases

    func createAlias(_ rawName: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: CreateAliasInput = try WireCoding.decode(body)
        var errors = ValidationErrors()
        AliasRules.checkName(input.name, into: &errors)
        AliasRules.checkFunctionVersion(input.functionVersion, required: true, into: &errors)
        FunctionRules.checkDescription(input.description, into: &errors)
        AliasRules.checkWeights(input.routingConfig?.additionalVersionWeights, into: &errors)
        try errors.throwIfAny()
        guard let aliasName = input.name, let version = input.functionVersion else { throw LambdaError.internalFailure }
        let name = try unqualifiedName(rawName)
        let weights = input.routingConfig?.additionalVersionWeights
        try AliasRules.checkRouting(functionVersion: version, weights: weights)
        let alias = try registry.saveAlias(name, notFound: .functionNotFound(account.functionArn(name, qualifier: version))) { (state: FunctionState) throws(LambdaError) -> FunctionAlias in
            try checkTargets(state, version: version, weights: weights)
            if state.aliases[aliasName] != nil {
                throw LambdaError(.resourceConflict, "Alias already exists: \(account.functionArn(name, qualifier: aliasName))")
            }
            return FunctionAlias(functionName: name, name: aliasName, functionVersion: version, description: input.description ?? "", additionalVersionWeights: weights)
        }
        return try WireCoding.json(AliasOutput(alias, account: account), status: .created)
    }

    func getAlias(_ rawName: String, alias aliasName: String) throws(LambdaError) -> Response {
        let name = try unqualifiedName(rawName)
        guard let state = registry.state(name) else { throw .functionNotFound(account.functionArn(name)) }
        guard let alias = state.aliases[aliasName] else {
            throw LambdaError(.resourceNotFound, "Cannot find alias arn: \(account.functionArn(name, qualifier: aliasName))")
        }
        return try WireCoding.json(AliasOutput(alias, account: account))
    }

    func updateAlias(_ rawName: String, alias aliasName: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: UpdateAliasInput = try WireCoding.decode(body)
        var errors = ValidationErrors()
        AliasRules.checkFunctionVersion(input.functionVersion, required: false, into: &errors)
        FunctionRules.checkDescription(input.description, into: &errors)
        AliasRules.checkWeights(input.routingConfig?.additionalVersionWeights, into: &errors)
        try errors.throwIfAny()
        let name = try unqualifiedName(rawName)
        let alias = try registry.saveAlias(name, notFound: .functionNotFound(account.functionArn(name))) { (state: FunctionState) throws(LambdaError) -> FunctionAlias in
            guard var alias = state.aliases[aliasName] else {
                throw LambdaError(.resourceNotFound, "Alias not found: \(account.functionArn(name, qualifier: aliasName))")
            }
            if let revisionId = input.revisionId, revisionId != alias.revisionId { throw .revisionMismatch }
            if let version = input.functionVersion { alias.functionVersion = version }
            if let description = input.description { alias.description = description }
            if let routing = input.routingConfig { alias.additionalVersionWeights = routing.additionalVersionWeights }
            try AliasRules.checkRouting(functionVersion: alias.functionVersion, weights: alias.additionalVersionWeights)
            try checkTargets(state, version: alias.functionVersion, weights: alias.additionalVersionWeights)
            alias.revisionId = UUID().uuidString.lowercased()
            return alias
        }
        return try WireCoding.json(AliasOutput(alias, account: account))
    }

    func deleteAlias(_ rawName: String, alias aliasName: String) throws(LambdaError) -> Response {
        let name = try unqualifiedName(rawName)
        try registry.deleteAlias(name, alias: aliasName, notFound: .functionNotFound(account.functionArn(name)))
        return Response(status: .noContent)
    }

    func listAliases(_ rawName: String, query: [String: String]) throws(LambdaError) -> Response {
        var errors = ValidationErrors()
        AliasRules.checkFunctionVersion(query["FunctionVersion"], required: false, into: &errors)
        try errors.throwIfAny()
        let name = try unqualifiedName(rawName)
        guard var aliases = registry.aliases(name) else { throw .functionNotFound(account.functionArn(name)) }
        if let version = query["FunctionVersion"] {
            aliases = aliases.filter { $0.functionVersion == version }
        }
        let (page, next) = try Self.page(aliases.map { AliasOutput($0, account: account) }, query: query) { $0.name }
        return try WireCoding.json(ListAliasesOutput(aliases: page, nextMarker: next))
    }

    /// The alias's versions must exist (AWS names the first missing one).
    private func checkTargets(_ state: FunctionState, version: String, weights: [String: Double]?) throws(LambdaError) {
        for target in [version] + (weights?.keys.sorted() ?? []) where !state.hasVersion(target) {
            throw LambdaError.functionNotFound(account.functionArn(state.latest.name, qualifier: target))
        }
    }

    // MARK: Reserved concurrency

    func putConcurrency(_ rawName: String, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: ConcurrencyWire = try WireCoding.decode(body)
        let name = try unqualifiedName(rawName)
        var errors = ValidationErrors()
        if let value = input.reservedConcurrentExecutions {
            if value < 0 {
                errors.add(value: String(value), at: "reservedConcurrentExecutions", constraint: "Member must have value greater than or equal to 0")
            }
        } else {
            errors.add(value: nil, at: "reservedConcurrentExecutions", constraint: "Member must not be null")
        }
        guard registry.get(name) != nil else {
            throw .functionNotFound(account.functionArn(name, qualifier: FunctionConfiguration.latest))
        }
        try errors.throwIfAny()
        guard let value = input.reservedConcurrentExecutions else { throw LambdaError.internalFailure }
        let limit = invoker.concurrencyLimit
        let minimum = minimumUnreserved
        try registry.setReservedConcurrency(name, value, notFound: .functionNotFound(account.functionArn(name, qualifier: FunctionConfiguration.latest))) { (others: Int) throws(LambdaError) in
            if limit - others - value < minimum {
                throw LambdaError.withoutType(.invalidParameterValue, "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [\(minimum)].")
            }
        }
        return try WireCoding.json(ConcurrencyWire(reservedConcurrentExecutions: value))
    }

    func getConcurrency(_ rawName: String) throws(LambdaError) -> Response {
        let name = try unqualifiedName(rawName)
        guard let state = registry.state(name) else { throw .functionNotFound(account.functionArn(name)) }
        return try WireCoding.json(ConcurrencyWire(reservedConcurrentExecutions: state.reservedConcurrency))
    }

    func deleteConcurrency(_ rawName: String) throws(LambdaError) -> Response {
        let name = try unqualifiedName(rawName)
        try registry.setReservedConcurrency(name, nil, notFound: .functionNotFound(account.functionArn(name))) { (_: Int) throws(LambdaError) in }
        return Response(status: .noContent)
    }

    // MARK: Provisioned concurrency

    func provisioned(_ rawName: String, method: String, query: [String: String], body: ByteBuffer) throws(LambdaError) -> Response {
        let name = try unqualifiedName(rawName)
        if method == "GET", query["List"] == "ALL" {
            guard let state = registry.state(name) else { throw .functionNotFound(account.functionArn(name)) }
            let items = state.provisioned.sorted { $0.key < $1.key }.map { qualifier, config in
                provisionedOutput(name, qualifier: qualifier, config, withArn: true)
            }
            return try WireCoding.json(ListProvisionedConcurrencyOutput(provisionedConcurrencyConfigs: items))
        }
        let qualifier = query["Qualifier"] ?? ""
        var errors = ValidationErrors()
        var requested: Int?
        if method == "PUT" {
            let input: ProvisionedConcurrencyInput = try WireCoding.decode(body)
            requested = input.provisionedConcurrentExecutions
            if let value = requested, value < 1 {
                errors.add(value: String(value), at: "provisionedConcurrentExecutions", constraint: "Member must have value greater than or equal to 1")
            } else if requested == nil {
                errors.add(value: nil, at: "provisionedConcurrentExecutions", constraint: "Member must not be null")
            }
        }
        try errors.throwIfAny()
        if qualifier == FunctionConfiguration.latest || qualifier.isEmpty {
            throw LambdaError(.invalidParameterValue, method == "PUT"
                ? "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
                : "The function resource provided must be an alias or a published version.")
        }
        let isAlias = AliasRules.isAliasName(qualifier)
        let missing = isAlias
            ? LambdaError(.resourceNotFound, "Cannot find alias arn: \(account.functionArn(name, qualifier: qualifier))")
            : LambdaError.functionNotFound(account.functionArn(name, qualifier: qualifier))
        guard let state = registry.state(name) else { throw missing }
        guard isAlias ? state.aliases[qualifier] != nil : state.hasVersion(qualifier) else { throw missing }

        switch method {
        case "GET":
            guard let config = state.provisioned[qualifier] else { throw Self.noProvisionedConfig }
            return try WireCoding.json(provisionedOutput(name, qualifier: qualifier, config, withArn: false))
        case "DELETE":
            if state.provisioned[qualifier] != nil {
                try registry.setProvisioned(name, qualifier: qualifier, nil, notFound: missing) { (_: FunctionState) throws(LambdaError) in }
            }
            return Response(status: .noContent)
        default:
            guard let requested else { throw LambdaError.internalFailure }
            let config = ProvisionedConcurrency(requested: requested, lastModified: Date())
            let unreserved = invoker.concurrencyLimit - registry.totalReserved
            let minimum = minimumUnreserved
            try registry.setProvisioned(name, qualifier: qualifier, config, notFound: missing) { (state: FunctionState) throws(LambdaError) in
                try checkProvisionedConflicts(state, qualifier: qualifier)
                let others = state.provisioned.filter { $0.key != qualifier }.values.reduce(0) { $0 + $1.requested }
                if let reserved = state.reservedConcurrency {
                    if requested + others > reserved {
                        throw LambdaError(.invalidParameterValue, "Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function")
                    }
                } else if requested + others > unreserved {
                    throw LambdaError.withoutType(.invalidParameterValue, "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [\(unreserved)].")
                } else if unreserved - requested - others < minimum {
                    throw LambdaError.withoutType(.invalidParameterValue, "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [\(minimum)].")
                }
            }
            invoker.maintainProvisioned()
            var output = provisionedOutput(name, qualifier: qualifier, config, withArn: false)
            output.status = "IN_PROGRESS"
            return try WireCoding.json(output, status: .accepted)
        }
    }

    /// An alias and the version it points to cannot both have provisioned concurrency.
    private func checkProvisionedConflicts(_ state: FunctionState, qualifier: String) throws(LambdaError) {
        if AliasRules.isAliasName(qualifier) {
            if let version = state.aliases[qualifier]?.functionVersion, state.provisioned[version] != nil {
                throw LambdaError(.resourceConflict, "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version")
            }
        } else {
            let pointing = state.provisioned.keys.contains { key in
                AliasRules.isAliasName(key) && state.aliases[key]?.functionVersion == qualifier
            }
            if pointing {
                throw LambdaError(.resourceConflict, "Version is pointed by a Provisioned Concurrency alias")
            }
        }
    }

    private func provisionedOutput(_ name: String, qualifier: String, _ config: ProvisionedConcurrency, withArn: Bool) -> ProvisionedConcurrencyOutput {
        let allocated = min(config.requested, registry.provisionedAllocation(name, qualifier: qualifier))
        return ProvisionedConcurrencyOutput(
            functionArn: withArn ? account.functionArn(name, qualifier: qualifier) : nil,
            requestedProvisionedConcurrentExecutions: config.requested,
            availableProvisionedConcurrentExecutions: allocated,
            allocatedProvisionedConcurrentExecutions: allocated,
            status: allocated >= config.requested ? "READY" : "IN_PROGRESS",
            lastModified: AWSDate.lastModified(config.lastModified)
        )
    }

    static let noProvisionedConfig = LambdaError(.provisionedConcurrencyConfigNotFound, "No Provisioned Concurrency Config found for this function")

    // MARK: Helpers

    private func unqualifiedName(_ rawName: String) throws(LambdaError) -> String {
        try RequestChecks.unqualifiedName(rawName, account: account)
    }

    private func output(_ configuration: FunctionConfiguration, moment: FunctionConfigurationOutput.Moment, arnQualifier: String? = nil) -> FunctionConfigurationOutput {
        FunctionConfigurationOutput(configuration, account: account, codeSHA256Base64: configuration.codeSHA256Base64, moment: moment, arnQualifier: arnQualifier)
    }

    /// Marker/MaxItems paging over items in their listed order; the marker is the last
    /// key returned.
    static func page<T>(_ items: [T], query: [String: String], key: (T) -> String) throws(LambdaError) -> ([T], String?) {
        let limit = try RequestChecks.maxItems(query["MaxItems"], max: 10000) ?? 50
        var start = 0
        if let marker = query["Marker"], let index = items.firstIndex(where: { key($0) == marker }) {
            start = index + 1
        }
        let page = Array(items.dropFirst(start).prefix(limit))
        let next = start + page.count < items.count ? page.last.map(key) : nil
        return (page, next)
    }
}
