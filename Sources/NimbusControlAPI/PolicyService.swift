import Foundation
import Hummingbird
import Logging
import NIOCore
import NimbusCore
import NimbusInvoke
import NimbusStore

/// AddPermission, RemovePermission and GetPolicy: a function's resource-based policy, one
/// per qualifier (the unqualified function, or a version or alias), and the check other
/// accounts' calls go through (``allows(_:_:function:qualifier:)``).
public struct PolicyService: Sendable {
    let account: Account
    let registry: FunctionRegistry
    let store: any FunctionResourceStore
    /// Whether the function has this version or alias. Versions and aliases live elsewhere;
    /// until they are wired in, nothing but `$LATEST` exists.
    let qualifierExists: @Sendable (_ function: String, _ qualifier: String) -> Bool
    let logger: Logger

    public init(
        account: Account, registry: FunctionRegistry, store: any FunctionResourceStore,
        qualifierExists: @escaping @Sendable (_ function: String, _ qualifier: String) -> Bool = { _, qualifier in qualifier == "$LATEST" },
        logger: Logger
    ) {
        self.account = account
        self.registry = registry
        self.store = store
        self.qualifierExists = qualifierExists
        self.logger = logger
    }

    // MARK: AddPermission

    func addPermission(_ rawName: String, qualifier: String?, body: ByteBuffer) throws(LambdaError) -> Response {
        let input: AddPermissionInput = try WireCoding.decode(body)
        let identifier = try FunctionIdentifier.parse(rawName)
        try PermissionRules.checkQualifier(qualifier)
        let permission = try PermissionRules.checkAdd(
            statementId: input.statementId, action: input.action, principal: input.principal, sourceArn: input.sourceArn,
            sourceAccount: input.sourceAccount, eventSourceToken: input.eventSourceToken, principalOrgId: input.principalOrgID,
            functionUrlAuthType: input.functionUrlAuthType
        )
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier)
        if resolved == "$LATEST" { throw PermissionRules.latestRefused }
        guard registry.get(identifier.name) != nil else { throw .functionNotFound(account.functionArn(identifier.name)) }
        let resource = try existingResource(identifier.name, qualifier: resolved)
        let revision: String
        do {
            revision = try store.addPermission(
                permission, to: identifier.name, qualifier: resolved ?? "", expectedRevisionId: input.revisionId,
                // Before its first statement, a policy's revision is its function's, version's or alias's.
                revisionWhenEmpty: registry.revisionId(identifier.name, qualifier: resolved)
            )
        } catch {
            switch error.code {
            case .revisionMismatch: throw PermissionRules.revisionMismatch
            case .conflict: throw PermissionRules.conflict(permission.statementId)
            default:
                logger.error("could not add a function permission: \(error)")
                throw LambdaError.internalFailure
            }
        }
        // The function (version, alias) takes the policy's new revision, as on AWS.
        try registry.setRevisionId(identifier.name, qualifier: resolved, to: revision, notFound: .functionNotFound(resource))
        logger.debug("policy of \(resource) is now at revision \(revision)")
        return try WireCoding.json(AddPermissionOutput(statement: permission.json(resource: resource, partition: account.partition)), status: .created)
    }

    // MARK: GetPolicy

    func getPolicy(_ rawName: String, qualifier: String?) throws(LambdaError) -> Response {
        let identifier = try FunctionIdentifier.parse(rawName)
        try PermissionRules.checkQualifier(qualifier)
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier)
        guard registry.get(identifier.name) != nil else { throw PermissionRules.resourceNotFound }
        let key = Self.policyKey(resolved)
        if !key.isEmpty, !qualifierExists(identifier.name, key) { throw PermissionRules.resourceNotFound }
        guard let policy = try policy(identifier.name, key) else { throw PermissionRules.resourceNotFound }
        let resource = key.isEmpty ? account.functionArn(identifier.name) : account.functionArn(identifier.name, qualifier: key)
        let document = FunctionPermission.policyJSON(policy.statements, resource: resource, partition: account.partition)
        return try WireCoding.json(GetPolicyOutput(policy: document, revisionId: policy.revisionId))
    }

    // MARK: RemovePermission

    func removePermission(_ rawName: String, statementId: String, qualifier: String?, revisionId: String?) throws(LambdaError) -> Response {
        let identifier = try FunctionIdentifier.parse(rawName)
        try PermissionRules.checkRemoveStatementId(statementId)
        try PermissionRules.checkQualifier(qualifier)
        try identifier.checkScope(account)
        let resolved = try identifier.resolvedQualifier(qualifier)
        guard registry.get(identifier.name) != nil else {
            throw LambdaError(.resourceNotFound, "No policy found for: \(account.functionArn(identifier.name))")
        }
        let key = Self.policyKey(resolved)
        let target = key.isEmpty ? nil : key
        let resource = try existingResource(identifier.name, qualifier: target)
        // Compared with the function's (version's, alias's) RevisionId, with AWS's
        // "GetFunction/GetAlias" message.
        if let revisionId, revisionId != registry.revisionId(identifier.name, qualifier: target) {
            throw LambdaError.revisionMismatch
        }
        let removed: Bool
        do {
            removed = try store.removePermission(statementId, from: identifier.name, qualifier: key, expectedRevisionId: nil)
        } catch {
            switch error.code {
            case .notFound: throw PermissionRules.noPolicy
            case .revisionMismatch: throw PermissionRules.revisionMismatch
            default:
                logger.error("could not remove a function permission: \(error)")
                throw LambdaError.internalFailure
            }
        }
        guard removed else { throw PermissionRules.statementNotFound(statementId) }
        let revision = (try policy(identifier.name, key))?.revisionId ?? UUID().uuidString.lowercased()
        try registry.setRevisionId(identifier.name, qualifier: target, to: revision, notFound: .functionNotFound(resource))
        return Response(status: .noContent)
    }

    // MARK: Enforcement

    /// Whether the policy of `function` (at `qualifier`; nil or `$LATEST` is the unqualified
    /// function) lets `caller` perform `action`. Any store failure denies.
    func allows(_ caller: Caller, _ action: String, function: String, qualifier: String?) -> Bool {
        guard let policy = try? store.policy(of: function, qualifier: Self.policyKey(qualifier)) else { return false }
        return policy.statements.contains { $0.allows(action, for: caller, partition: account.partition) }
    }

    // MARK: Helpers

    /// The store's key for a qualifier: `""` for none and for `$LATEST`, whose policy is the
    /// unqualified function's.
    static func policyKey(_ qualifier: String?) -> String {
        guard let qualifier, qualifier != "$LATEST" else { return "" }
        return qualifier
    }

    /// The ARN a statement names, after checking that the version or alias exists.
    private func existingResource(_ name: String, qualifier: String?) throws(LambdaError) -> String {
        guard let qualifier else { return account.functionArn(name) }
        let arn = account.functionArn(name, qualifier: qualifier)
        guard qualifierExists(name, qualifier) else { throw PermissionRules.qualifierNotFound(arn, qualifier: qualifier) }
        return arn
    }

    private func policy(_ name: String, _ key: String) throws(LambdaError) -> FunctionPolicy? {
        do {
            return try store.policy(of: name, qualifier: key)
        } catch {
            logger.error("policy store failure: \(error)")
            throw LambdaError.internalFailure
        }
    }
}

struct AddPermissionInput: Decodable {
    var statementId: String?
    var action: String?
    var principal: String?
    var sourceArn: String?
    var sourceAccount: String?
    var eventSourceToken: String?
    var revisionId: String?
    var principalOrgID: String?
    var functionUrlAuthType: String?
    var invokedViaFunctionUrl: Bool?
}

struct AddPermissionOutput: Encodable {
    var statement: String
}

struct GetPolicyOutput: Encodable {
    var policy: String
    var revisionId: String
}
