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
    struct Entry: Sendable {
        var configuration: FunctionConfiguration
        let pool: FunctionPool
    }

    private let entries: Mutex<[String: Entry]>
    /// Serialises control-plane writes so store and memory change in the same order.
    private let writeLock = Mutex(())
    private let store: any FunctionStore

    /// Loads every function from the store.
    public init(store: any FunctionStore) throws(StoreError) {
        self.store = store
        var entries: [String: Entry] = [:]
        for configuration in try store.all() {
            entries[configuration.name] = Entry(configuration: configuration, pool: FunctionPool())
        }
        self.entries = Mutex(entries)
    }

    public func get(_ name: String) -> FunctionConfiguration? {
        entries.withLock { $0[name]?.configuration }
    }

    /// What an invocation needs, read together so that a configuration and its pool
    /// generation always match: an update changes both under the same lock.
    struct Snapshot {
        var configuration: FunctionConfiguration
        var pool: FunctionPool
        var generation: Int
    }

    func snapshot(_ name: String) -> Snapshot? {
        entries.withLock { entries in
            entries[name].map { Snapshot(configuration: $0.configuration, pool: $0.pool, generation: $0.pool.generation) }
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
            entries.withLock { $0[configuration.name] = Entry(configuration: configuration, pool: FunctionPool()) }
        }
    }

    /// Applies a change to a function, stores it, and retires its environments.
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
                entries[name]?.configuration = configuration
                return entry.pool.advanceGeneration()
            }
            retired.forEach { $0.retire() }
            return configuration
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
            let retired = entries.withLock { $0.removeValue(forKey: name)?.pool.advanceGeneration() ?? [] }
            retired.forEach { $0.retire() }
        }
    }

    /// Retires idle environments not used since `cutoff`; returns how many.
    @discardableResult
    func evictIdle(lastUsedBefore cutoff: ContinuousClock.Instant) -> Int {
        let pools = entries.withLock { $0.values.map(\.pool) }
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
        let pools = entries.withLock { $0.values.map(\.pool) }
        for pool in pools { pool.advanceGeneration().forEach { $0.retire() } }
    }

    /// Idle and busy environments across all functions.
    public func environmentCounts() -> (idle: Int, busy: Int) {
        let pools = entries.withLock { $0.values.map(\.pool) }
        return pools.reduce((0, 0)) { total, pool in
            let c = pool.counts
            return (total.0 + c.idle, total.1 + c.busy)
        }
    }

    public func usage() -> (totalCodeSize: Int64, functionCount: Int) {
        (try? store.usage()) ?? (0, 0)
    }
}
