import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusCore
import NimbusStore

/// The Lambda operations on layers, and the resolution of a function's `Layers`.
///
/// Layer contents are zips in the same content-addressed ``CodeStore`` as function code,
/// checked by the same rules, and downloadable from the same `/_nimbus/code/<sha256>.zip`
/// route (`Content.Location`).
public struct LayerService: Sendable {
    let account: Account
    let store: any LayerStore
    let codeStore: CodeStore
    let logger: Logger

    public init(account: Account, store: any LayerStore, codeStore: CodeStore, logger: Logger) {
        self.account = account
        self.store = store
        self.codeStore = codeStore
        self.logger = logger
    }

    // MARK: PublishLayerVersion

    func publish(_ rawName: String, body: ByteBuffer, host: String?) throws(LambdaError) -> Response {
        let layer = try LayerRules.parseName(rawName)
        let input: PublishLayerVersionInput = try WireCoding.decode(body)
        var errors = ValidationErrors()
        FunctionRules.checkDescription(input.description, into: &errors)
        LayerRules.checkCompatibleRuntimes(input.compatibleRuntimes, into: &errors)
        LayerRules.checkLicenseInfo(input.licenseInfo, into: &errors)
        LayerRules.checkCompatibleArchitectures(input.compatibleArchitectures, into: &errors)
        if input.content == nil { errors.add(value: nil, at: "content", constraint: "Member must not be null") }
        try errors.throwIfAny()
        guard let content = input.content else { throw LambdaError.internalFailure }
        guard layer.isLocal(to: account) else {
            throw LambdaError(.accessDenied, "User is not authorized to perform: lambda:PublishLayerVersion on resource: \(rawName)")
        }
        if content.s3Bucket != nil || content.s3Key != nil || content.s3ObjectVersion != nil {
            throw LambdaError(.invalidParameterValue, "Nimbus does not support layer content from Amazon S3 (S3Bucket, S3Key, S3ObjectVersion). Send the zip as Content.ZipFile.")
        }
        guard let zipFile = content.zipFile else {
            throw LambdaError(.invalidParameterValue, "Please provide a source for function code.")
        }
        let stored = try CodeUpload.store(zipFile: zipFile, in: codeStore, logger: logger)
        let draft = LayerVersionDraft(
            description: input.description ?? "",
            compatibleRuntimes: input.compatibleRuntimes,
            compatibleArchitectures: input.compatibleArchitectures,
            licenseInfo: input.licenseInfo,
            codeSHA256Hex: stored.sha256Hex,
            codeSize: stored.size
        )
        let version = try storeCall { () throws(StoreError) in try store.publish(name: layer.name, draft, createdDate: Date()) }
        return try WireCoding.json(output(version, host: host), status: .created)
    }

    // MARK: Reads

    func get(_ rawName: String, version rawVersion: String, host: String?) throws(LambdaError) -> Response {
        let layer = try LayerRules.parseName(rawName)
        let version = try LayerRules.parseVersion(rawVersion)
        guard layer.isLocal(to: account), let found = try find(layer.name, version) else { throw Self.notFound }
        return try WireCoding.json(output(found, host: host))
    }

    func getByArn(_ arn: String?, host: String?) throws(LambdaError) -> Response {
        let arn = try LayerRules.checkArnParameter(arn)
        guard let reference = LayerRules.parseVersionArn(arn), let version = reference.version,
              reference.region == account.region, reference.accountId == account.id,
              let found = try find(reference.name, version)
        else { throw Self.notFound }
        return try WireCoding.json(output(found, host: host))
    }

    func listVersions(_ rawName: String, query: [String: String]) throws(LambdaError) -> Response {
        let layer = try LayerRules.parseName(rawName)
        let limit = try LayerRules.checkListQuery(runtime: query["CompatibleRuntime"], architecture: query["CompatibleArchitecture"], maxItems: query["MaxItems"])
        guard layer.isLocal(to: account) else { return try WireCoding.json(ListLayerVersionsOutput(layerVersions: [])) }
        let after = query["Marker"].flatMap(FunctionService.decodeMarker).flatMap { Int($0) }
        let matching = try storeCall { () throws(StoreError) in try store.versions(name: layer.name) }
            .filter { $0.matches(runtime: query["CompatibleRuntime"], architecture: query["CompatibleArchitecture"]) }
            .filter { version in after.map { version.version < $0 } ?? true }
        let page = matching.prefix(limit)
        let next = matching.count > limit ? page.last.map { FunctionService.encodeMarker(String($0.version)) } : nil
        return try WireCoding.json(ListLayerVersionsOutput(layerVersions: page.map { LayerVersionsListItem($0, account: account) }, nextMarker: next))
    }

    func listLayers(query: [String: String]) throws(LambdaError) -> Response {
        let runtime = query["CompatibleRuntime"]
        let architecture = query["CompatibleArchitecture"]
        let limit = try LayerRules.checkListQuery(runtime: runtime, architecture: architecture, maxItems: query["MaxItems"])
        let after = query["Marker"].flatMap(FunctionService.decodeMarker)
        // Versions come ordered by name, newest first: the first match per name is the latest.
        var latest: [LayerVersion] = []
        for version in try storeCall({ () throws(StoreError) in try store.versions(name: nil) })
        where version.matches(runtime: runtime, architecture: architecture) && after.map({ version.name > $0 }) ?? true {
            if latest.last?.name != version.name { latest.append(version) }
        }
        let page = latest.prefix(limit)
        let next = latest.count > limit ? page.last.map { FunctionService.encodeMarker($0.name) } : nil
        let items = page.map {
            LayersListItem(layerName: $0.name, layerArn: account.layerArn($0.name), latestMatchingVersion: LayerVersionsListItem($0, account: account))
        }
        return try WireCoding.json(ListLayersOutput(layers: items, nextMarker: next))
    }

    // MARK: DeleteLayerVersion

    /// Idempotent, as AWS: 204 whether or not the version exists.
    func delete(_ rawName: String, version rawVersion: String) throws(LambdaError) -> Response {
        let layer = try LayerRules.parseName(rawName)
        let version = try LayerRules.parseVersion(rawVersion)
        if layer.isLocal(to: account) {
            try storeCall { () throws(StoreError) in try store.delete(name: layer.name, version: version) }
        }
        return Response(status: .noContent)
    }

    // MARK: Permissions

    func addPermission(_ rawName: String, version rawVersion: String, revisionId: String?, body: ByteBuffer) throws(LambdaError) -> Response {
        let layer = try LayerRules.parseName(rawName)
        let version = try LayerRules.parseVersion(rawVersion)
        let input: AddLayerVersionPermissionInput = try WireCoding.decode(body)
        let statement = try LayerRules.checkStatement(
            statementId: input.statementId, action: input.action, principal: input.principal, organizationId: input.organizationId
        )
        let arn = account.layerVersionArn(layer.name, version: version)
        guard layer.isLocal(to: account) else { throw LayerRules.versionDoesNotExist(arn, status: .resourceNotFound) }
        let revision: String
        do {
            revision = try store.addStatement(statement, name: layer.name, version: version, expectedRevisionId: revisionId)
        } catch {
            switch error.code {
            case .notFound: throw LayerRules.versionDoesNotExist(arn, status: .resourceNotFound)
            case .revisionMismatch: throw Self.policyRevisionMismatch
            case .conflict:
                throw LambdaError(.resourceConflict, "The statement id (\(statement.statementId)) provided already exists. Please provide a new statement id, or remove the existing statement.")
            default:
                logger.error("could not add a layer permission: \(error)")
                throw LambdaError.internalFailure
            }
        }
        let output = AddLayerVersionPermissionOutput(statement: statement.json(resource: arn, partition: account.partition), revisionId: revision)
        return try WireCoding.json(output, status: .created)
    }

    func getPolicy(_ rawName: String, version rawVersion: String) throws(LambdaError) -> Response {
        let layer = try LayerRules.parseName(rawName)
        let version = try LayerRules.parseVersion(rawVersion)
        let arn = account.layerVersionArn(layer.name, version: version)
        guard layer.isLocal(to: account),
              let policy = try storeCall({ () throws(StoreError) in try store.policy(name: layer.name, version: version) })
        else { throw LayerRules.versionDoesNotExist(arn, status: .resourceNotFound) }
        guard !policy.statements.isEmpty else {
            throw LambdaError(.resourceNotFound, "No policy is associated with the given resource.")
        }
        let document = LayerPermissionStatement.policyJSON(policy.statements, resource: arn, partition: account.partition)
        return try WireCoding.json(GetLayerVersionPolicyOutput(policy: document, revisionId: policy.revisionId))
    }

    func removePermission(_ rawName: String, version rawVersion: String, statementId: String, revisionId: String?) throws(LambdaError) -> Response {
        let layer = try LayerRules.parseName(rawName)
        let version = try LayerRules.parseVersion(rawVersion)
        var errors = ValidationErrors()
        LayerRules.checkStatementId(statementId, into: &errors)
        try errors.throwIfAny()
        let arn = account.layerVersionArn(layer.name, version: version)
        guard layer.isLocal(to: account) else { throw LayerRules.versionDoesNotExist(arn, status: .resourceNotFound) }
        let removed: Bool
        do {
            removed = try store.removeStatement(statementId, name: layer.name, version: version, expectedRevisionId: revisionId)
        } catch {
            switch error.code {
            case .notFound: throw LayerRules.versionDoesNotExist(arn, status: .resourceNotFound)
            case .revisionMismatch: throw Self.policyRevisionMismatch
            default:
                logger.error("could not remove a layer permission: \(error)")
                throw LambdaError.internalFailure
            }
        }
        guard removed else {
            throw LambdaError(.resourceNotFound, "Statement \(statementId) is not found in resource policy.")
        }
        return Response(status: .noContent)
    }

    // MARK: A function's Layers

    /// Resolves a function's `Layers` to what the function stores, with AWS's checks and
    /// messages: at most 5, same region, one version per layer, every version existing.
    /// The form of each ARN is checked earlier, with the request's other fields.
    func resolveFunctionLayers(_ arns: [String]) throws(LambdaError) -> [FunctionLayer] {
        let references = try LayerRules.checkFunctionLayerReferences(arns, account: account)
        var layers: [FunctionLayer] = []
        for (arn, reference) in zip(arns, references) {
            guard let reference, reference.accountId == account.id, let number = reference.version,
                  let version = try find(reference.name, number)
            else { throw LayerRules.versionDoesNotExist(arn, status: .invalidParameterValue) }
            let unzipped = try storeCall { () throws(StoreError) in try codeStore.unzippedSize(for: version.codeSHA256Hex) } ?? 0
            layers.append(FunctionLayer(arn: arn, codeSize: version.codeSize, codeSHA256Hex: version.codeSHA256Hex, unzippedSize: unzipped))
        }
        return layers
    }

    /// The unzipped size of stored function code (0 if unknown, which only an old store could give).
    func unzippedSize(ofCode sha256Hex: String) throws(LambdaError) -> Int64 {
        try storeCall { () throws(StoreError) in try codeStore.unzippedSize(for: sha256Hex) } ?? 0
    }

    // MARK: Helpers

    static let notFound = LambdaError(.resourceNotFound, "The resource you requested does not exist.")
    static let policyRevisionMismatch = LambdaError(
        .preconditionFailed,
        "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id"
    )

    private func find(_ name: String, _ version: Int) throws(LambdaError) -> LayerVersion? {
        try storeCall { () throws(StoreError) in try store.get(name: name, version: version) }
    }

    private func output(_ version: LayerVersion, host: String?) -> LayerVersionOutput {
        LayerVersionOutput(
            version, account: account,
            location: "http://\(host ?? "127.0.0.1")/_nimbus/code/\(version.codeSHA256Hex).zip",
            codeSHA256Base64: CodeDigest.base64(hex: version.codeSHA256Hex)
        )
    }

    /// Runs a store call; any store failure is internal (logged, never shown).
    private func storeCall<T>(_ body: () throws(StoreError) -> T) throws(LambdaError) -> T {
        do {
            return try body()
        } catch {
            logger.error("layer store failure: \(error)")
            throw LambdaError.internalFailure
        }
    }
}
