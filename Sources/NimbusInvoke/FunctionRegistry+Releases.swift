import Foundation
import NimbusCore
import NimbusStore

/// Versions, aliases and concurrency settings: the control-plane changes that do not
/// touch `$LATEST`. Each runs under the registry's write lock, store first.
extension FunctionRegistry {
    /// PublishVersion: snapshots `$LATEST` as the next version, unless nothing changed
    /// since the last one (then that version is returned, as AWS does).
    ///
    /// - Parameter expectedCodeSHA256: CodeSha256 precondition, compared as AWS shows it (base64).
    public func publish(_ name: String, notFound: LambdaError, expectedCodeSHA256: String?, description: String?, revisionId: String?) throws(LambdaError) -> FunctionConfiguration {
        try change(name, notFound: notFound) { (entry: inout Entry, store) throws(LambdaError) -> FunctionConfiguration in
            let latest = entry.configuration
            if let revisionId, revisionId != latest.revisionId { throw .revisionMismatch }
            if let expectedCodeSHA256, expectedCodeSHA256 != latest.codeSHA256Base64 {
                throw LambdaError(.invalidParameterValue, "CodeSHA256 (\(expectedCodeSHA256)) is different from current CodeSHA256 in $LATEST (\(latest.codeSHA256Base64)). Please try again with the CodeSHA256 in $LATEST.")
            }
            if let last = entry.versions[entry.latestVersionNumber], Self.sameRelease(last.configuration, latest) {
                return last.configuration
            }
            let number = entry.latestVersionNumber + 1
            let published: FunctionConfiguration
            // Publishing gives $LATEST a new RevisionId too, as the recorded AWS responses show.
            let latestRevision = UUID().uuidString.lowercased()
            do {
                published = try store.publishVersion(name, number: number, description: description, revisionId: UUID().uuidString.lowercased(), lastModified: Date())
                try store.setRevision(name, qualifier: nil, revisionId: latestRevision)
            } catch {
                throw (error as? StoreError)?.code == .notFound ? notFound : .internalFailure
            }
            entry.versions[number] = Version(configuration: published, pool: FunctionPool())
            entry.latestVersionNumber = number
            entry.latest.configuration.revisionId = latestRevision
            return published
        }
    }

    /// Whether two configurations run the same code with the same settings (what a
    /// publish compares; descriptions, revisions and dates do not count).
    static func sameRelease(_ a: FunctionConfiguration, _ b: FunctionConfiguration) -> Bool {
        var a = a
        a.version = b.version
        a.revisionId = b.revisionId
        a.lastModified = b.lastModified
        a.description = b.description
        return a == b
    }

    /// The RevisionId of `$LATEST` (nil), a version or an alias; nil when it does not exist.
    public func revisionId(_ name: String, qualifier: String?) -> String? {
        guard let entry = entry(name) else { return nil }
        let qualifier = qualifier ?? FunctionConfiguration.latest
        if AliasRules.isAliasName(qualifier) { return entry.aliases[qualifier]?.revisionId }
        return entry.version(qualifier)?.configuration.revisionId
    }

    /// Gives `$LATEST` (nil), a version or an alias a new RevisionId and changes nothing
    /// else (no new LastModified, environments kept): what AddPermission and
    /// RemovePermission do to the resource whose policy they change.
    public func setRevisionId(_ name: String, qualifier: String?, to revisionId: String, notFound: LambdaError) throws(LambdaError) {
        try change(name, notFound: notFound) { (entry: inout Entry, store) throws(LambdaError) in
            let qualifier = qualifier ?? FunctionConfiguration.latest
            do {
                try store.setRevision(name, qualifier: qualifier, revisionId: revisionId)
            } catch {
                throw (error as? StoreError)?.code == .notFound ? notFound : .internalFailure
            }
            if AliasRules.isAliasName(qualifier) {
                entry.aliases[qualifier]?.revisionId = revisionId
            } else if qualifier == FunctionConfiguration.latest {
                entry.latest.configuration.revisionId = revisionId
            } else if let number = Int(qualifier) {
                entry.versions[number]?.configuration.revisionId = revisionId
            }
        }
    }

    /// Published versions, by number.
    public func versions(_ name: String) -> [FunctionConfiguration]? {
        entry(name).map { $0.versions.sorted { $0.key < $1.key }.map(\.value.configuration) }
    }

    /// DeleteFunction with a version qualifier.
    public func deleteVersion(_ name: String, number: Int, notFound: LambdaError) throws(LambdaError) {
        try change(name, notFound: notFound) { (entry: inout Entry, store) throws(LambdaError) in
            guard entry.versions[number] != nil else { throw notFound }
            let users = entry.aliases.values.filter { $0.versions.contains(String(number)) }.map(\.name).sorted()
            if !users.isEmpty {
                throw LambdaError(.resourceConflict, "Unable to delete version because the following aliases reference it: [\(users.joined(separator: ", "))]")
            }
            do { try store.deleteVersion(name, number: number) } catch { throw .internalFailure }
            entry.versions[number] = nil
            entry.provisioned[String(number)] = nil
        }
    }

    // MARK: Aliases

    public func aliases(_ name: String) -> [FunctionAlias]? {
        entry(name).map { $0.aliases.values.sorted { $0.name < $1.name } }
    }

    /// Creates or replaces an alias after `check` has seen the current entry.
    public func saveAlias(
        _ name: String, notFound: LambdaError, _ make: (FunctionState) throws(LambdaError) -> FunctionAlias
    ) throws(LambdaError) -> FunctionAlias {
        try change(name, notFound: notFound) { (entry: inout Entry, store) throws(LambdaError) -> FunctionAlias in
            let alias = try make(entry.state)
            do { try store.saveAlias(alias) } catch { throw .internalFailure }
            entry.aliases[alias.name] = alias
            return alias
        }
    }

    public func deleteAlias(_ name: String, alias: String, notFound: LambdaError) throws(LambdaError) {
        try change(name, notFound: notFound) { (entry: inout Entry, store) throws(LambdaError) in
            guard entry.aliases[alias] != nil else { return }
            do { try store.deleteAlias(name, alias: alias) } catch { throw .internalFailure }
            entry.aliases[alias] = nil
            entry.provisioned[alias] = nil
        }
    }

    // MARK: Concurrency

    /// Sets (or with nil removes) a function's reserved concurrency; `check` sees the
    /// total reserved by the other functions.
    public func setReservedConcurrency(
        _ name: String, _ value: Int?, notFound: LambdaError, check: (_ reservedByOthers: Int) throws(LambdaError) -> Void
    ) throws(LambdaError) {
        try change(name, notFound: notFound) { (entry: inout Entry, store) throws(LambdaError) in
            try check(totalReserved - (entry.reservedConcurrency ?? 0))
            do { try store.setReservedConcurrency(name, value) } catch { throw .internalFailure }
            entry.reservedConcurrency = value
        }
    }

    /// Sets (or with nil removes) provisioned concurrency on a version or alias; `check`
    /// sees the entry first.
    public func setProvisioned(
        _ name: String, qualifier: String, _ config: ProvisionedConcurrency?, notFound: LambdaError,
        check: (FunctionState) throws(LambdaError) -> Void
    ) throws(LambdaError) {
        try change(name, notFound: notFound) { (entry: inout Entry, store) throws(LambdaError) in
            try check(entry.state)
            do { try store.setProvisionedConcurrency(name, qualifier: qualifier, config) } catch { throw .internalFailure }
            entry.provisioned[qualifier] = config
        }
    }

    /// The version number a provisioned qualifier keeps warm (an alias's primary version).
    static func provisionedVersion(_ qualifier: String, in entry: Entry) -> String? {
        AliasRules.isAliasName(qualifier) ? entry.aliases[qualifier]?.functionVersion : qualifier
    }

    /// Provisioned environments of a qualifier: live (allocated) ones.
    public func provisionedAllocation(_ name: String, qualifier: String) -> Int {
        guard let entry = entry(name), let number = Self.provisionedVersion(qualifier, in: entry),
              let version = entry.version(number) else { return 0 }
        return version.pool.provisionedCounts().live
    }
}

/// What the control plane may read about a function besides `$LATEST`'s configuration.
public struct FunctionState: Sendable {
    public var latest: FunctionConfiguration
    public var versions: [Int: FunctionConfiguration]
    public var aliases: [String: FunctionAlias]
    public var reservedConcurrency: Int?
    public var provisioned: [String: ProvisionedConcurrency]

    /// Whether `qualifier` is `$LATEST` or a published version number.
    public func hasVersion(_ qualifier: String) -> Bool {
        qualifier == FunctionConfiguration.latest || Int(qualifier).map { versions[$0] != nil } ?? false
    }
}

extension FunctionRegistry.Entry {
    var state: FunctionState {
        FunctionState(latest: configuration, versions: versions.mapValues(\.configuration), aliases: aliases,
                      reservedConcurrency: reservedConcurrency, provisioned: provisioned)
    }
}

extension FunctionRegistry {
    /// Everything about a function, or nil when it does not exist.
    public func state(_ name: String) -> FunctionState? {
        entry(name)?.state
    }
}

