import Foundation
import NimbusCore
import NimbusStore
import Synchronization

/// The functions Nimbus knows, each with its pool of execution environments.
///
/// Reads (the invoke path) come from memory; writes go to the store first and then
/// replace the in-memory entry, so the store is always the source of truth after a
/// restart. Every change of configuration or code retires the old environments.
public final class FunctionRegistry: Sendable {
    /// One runnable configuration: `$LATEST` or a published version, with its environments.
    struct Version: Sendable {
        var configuration: FunctionConfiguration
        let pool: FunctionPool
    }

    struct Entry: Sendable {
        var latest: Version
        /// Published versions by number.
        var versions: [Int: Version] = [:]
        var latestVersionNumber = 0
        var aliases: [String: FunctionAlias] = [:]
        var reservedConcurrency: Int?
        /// Provisioned concurrency by qualifier (version number or alias name).
        var provisioned: [String: ProvisionedConcurrency] = [:]
        /// Invocations of any version running now, for reserved concurrency.
        let running = ConcurrencyCounter()

        var configuration: FunctionConfiguration { latest.configuration }

        init(_ configuration: FunctionConfiguration) {
            latest = Version(configuration: configuration, pool: FunctionPool())
        }

        init(_ stored: StoredFunction) {
            latest = Version(configuration: stored.latest, pool: FunctionPool())
            for version in stored.versions {
                if let number = Int(version.version) { versions[number] = Version(configuration: version, pool: FunctionPool()) }
            }
            latestVersionNumber = stored.latestVersionNumber
            aliases = Dictionary(uniqueKeysWithValues: stored.aliases.map { ($0.name, $0) })
            reservedConcurrency = stored.reservedConcurrency
            provisioned = stored.provisioned
        }

        /// `$LATEST` or a published version, by its qualifier.
        func version(_ qualifier: String) -> Version? {
            qualifier == FunctionConfiguration.latest ? latest : Int(qualifier).flatMap { versions[$0] }
        }

        /// Every pool: `$LATEST`'s and each version's.
        var pools: [FunctionPool] { [latest.pool] + versions.values.map(\.pool) }
    }

    private let entries: Mutex<[String: Entry]>
    /// Serialises control-plane writes so store and memory change in the same order.
    private let writeLock = Mutex(())
    let store: any FunctionStore
    /// Reserved concurrency summed over all functions (kept with every change).
    private let reservedTotal = Atomic<Int>(0)

    /// Loads every function from the store.
    public init(store: any FunctionStore) throws(StoreError) {
        self.store = store
        var entries: [String: Entry] = [:]
        for stored in try store.loadAll() {
            entries[stored.latest.name] = Entry(stored)
        }
        reservedTotal.store(entries.values.reduce(0) { $0 + ($1.reservedConcurrency ?? 0) }, ordering: .relaxed)
        self.entries = Mutex(entries)
    }

    /// `$LATEST` of a function.
    public func get(_ name: String) -> FunctionConfiguration? {
        entries.withLock { $0[name]?.configuration }
    }

    /// A read-only copy of everything about a function.
    func entry(_ name: String) -> Entry? {
        entries.withLock { $0[name] }
    }

    /// Reserved concurrency of all functions together.
    public var totalReserved: Int { reservedTotal.load(ordering: .relaxed) }

    /// What resolving a qualifier found.
    public enum Resolution: Sendable, Equatable {
        case function(FunctionConfiguration)
        case noFunction
        case noVersion
        case noAlias
    }

    /// The configuration a qualifier (nil, `$LATEST`, a version number or an alias) names;
    /// an alias gives its primary version's configuration.
    public func resolve(_ name: String, qualifier: String?) -> Resolution {
        entries.withLock { entries in
            guard let entry = entries[name] else { return .noFunction }
            let qualifier = qualifier ?? FunctionConfiguration.latest
            if AliasRules.isAliasName(qualifier) {
                guard let alias = entry.aliases[qualifier] else { return .noAlias }
                return entry.version(alias.functionVersion).map { .function($0.configuration) } ?? .noVersion
            }
            return entry.version(qualifier).map { .function($0.configuration) } ?? .noVersion
        }
    }

    /// What an invocation needs, read together so that a configuration and its pool
    /// generation always match: an update changes both under the same lock.
    struct Snapshot {
        var configuration: FunctionConfiguration
        var pool: FunctionPool
        var generation: Int
        var running: ConcurrencyCounter
        var reservedConcurrency: Int?
    }

    /// The environment pool for an invocation of `qualifier`; for an alias, `roll` (uniform
    /// in 0..<1, drawn only for an alias) picks the version. Nil when the function or
    /// qualifier is unknown.
    func snapshot(_ name: String, qualifier: String? = nil, roll: () -> Double = { 0 }) -> Snapshot? {
        entries.withLock { entries in
            guard let entry = entries[name] else { return nil }
            var target = qualifier ?? FunctionConfiguration.latest
            if AliasRules.isAliasName(target) {
                guard let alias = entry.aliases[target] else { return nil }
                target = alias.route(roll: roll())
            }
            guard let version = entry.version(target) else { return nil }
            return Snapshot(configuration: version.configuration, pool: version.pool, generation: version.pool.generation,
                            running: entry.running, reservedConcurrency: entry.reservedConcurrency)
        }
    }

    /// Functions ordered by name, after `marker`, at most `limit`.
    public func list(after marker: String?, limit: Int) -> [FunctionConfiguration] {
        let all = entries.withLock { $0.values.map(\.configuration) }
        return all.filter { configuration in marker.map { configuration.name > $0 } ?? true }
            .sorted { $0.name < $1.name }
            .prefix(limit)
            .map { $0 }
    }

    public func create(_ configuration: FunctionConfiguration) throws(LambdaError) {
        try writeLock.withLock { _ throws(LambdaError) in
            do {
                try store.create(configuration)
            } catch {
                throw (error as? StoreError)?.code == .conflict ? .functionAlreadyExists(configuration.name) : .internalFailure
            }
            entries.withLock { $0[configuration.name] = Entry(configuration) }
        }
    }

    /// Applies a change to `$LATEST`, stores it, and retires its environments.
    ///
    /// - Parameter notFound: the error to throw when the function does not exist.
    public func update(
        _ name: String,
        notFound: LambdaError,
        _ change: (inout FunctionConfiguration) throws(LambdaError) -> Void
    ) throws(LambdaError) -> FunctionConfiguration {
        try writeLock.withLock { _ throws(LambdaError) -> FunctionConfiguration in
            guard let entry = entries.withLock({ $0[name] }) else { throw notFound }
            var configuration = entry.configuration
            try change(&configuration)
            configuration.touch()
            do {
                try store.update(configuration)
            } catch {
                throw (error as? StoreError)?.code == .notFound ? notFound : .internalFailure
            }
            let retired = entries.withLock { entries in
                entries[name]?.latest.configuration = configuration
                return entry.latest.pool.advanceGeneration()
            }
            retired.forEach { $0.retire() }
            return configuration
        }
    }

    /// Runs a control-plane change of one function under the write lock: `change` gets the
    /// current entry, writes to the store itself and edits the entry; the new entry
    /// replaces the old one. Environments of versions it removes are retired.
    func change<T>(
        _ name: String, notFound: LambdaError, _ body: (inout Entry, any FunctionStore) throws(LambdaError) -> T
    ) throws(LambdaError) -> T {
        try writeLock.withLock { _ throws(LambdaError) -> T in
            guard var entry = entries.withLock({ $0[name] }) else { throw notFound }
            let before = entry
            let result = try body(&entry, store)
            let updated = entry
            entries.withLock { $0[name] = updated }
            reservedTotal.wrappingAdd((updated.reservedConcurrency ?? 0) - (before.reservedConcurrency ?? 0), ordering: .relaxed)
            for (number, version) in before.versions where updated.versions[number] == nil {
                version.pool.advanceGeneration().forEach { $0.retire() }
            }
            return result
        }
    }

    public func delete(_ name: String, notFound: LambdaError) throws(LambdaError) {
        try writeLock.withLock { _ throws(LambdaError) in
            do {
                try store.delete(name)
            } catch {
                throw (error as? StoreError)?.code == .notFound ? notFound : .internalFailure
            }
            // Environments still running for it see an old generation when they finish and retire.
            let removed = entries.withLock { $0.removeValue(forKey: name) }
            reservedTotal.wrappingSubtract(removed?.reservedConcurrency ?? 0, ordering: .relaxed)
            for pool in removed?.pools ?? [] {
                pool.advanceGeneration().forEach { $0.retire() }
            }
        }
    }

    /// Every function's entry (provisioned concurrency upkeep).
    func allEntries() -> [Entry] {
        entries.withLock { Array($0.values) }
    }

    /// Retires idle environments not used since `cutoff`; returns how many.
    @discardableResult
    func evictIdle(lastUsedBefore cutoff: ContinuousClock.Instant) -> Int {
        let pools = entries.withLock { $0.values.flatMap(\.pools) }
        var count = 0
        for pool in pools {
            let evicted = pool.evictIdle(lastUsedBefore: cutoff)
            evicted.forEach { $0.retire() }
            count += evicted.count
        }
        return count
    }

    /// Retires every environment (shutdown).
    func retireAll() {
        let pools = entries.withLock { $0.values.flatMap(\.pools) }
        for pool in pools { pool.advanceGeneration().forEach { $0.retire() } }
    }

    /// Idle and busy environments across all functions.
    public func environmentCounts() -> (idle: Int, busy: Int) {
        let pools = entries.withLock { $0.values.flatMap(\.pools) }
        return pools.reduce((0, 0)) { total, pool in
            let c = pool.counts
            return (total.0 + c.idle, total.1 + c.busy)
        }
    }

    public func usage() -> (totalCodeSize: Int64, functionCount: Int) {
        (try? store.usage()) ?? (0, 0)
    }
}

/// Invocations of one function running now.
final class ConcurrencyCounter: Sendable {
    let value = Atomic<Int>(0)
}
