import Foundation
import GRDB
import NimbusCore

/// Durable event invoke configs, one per function and qualifier.
public struct EventInvokeConfigStore: Sendable {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    /// Creates or replaces the config of `config.functionName` / `config.qualifier`,
    /// keeping its place in the listing order.
    public func put(_ config: EventInvokeConfig) throws(StoreError) {
        try write { db in
            try db.execute(sql: """
                INSERT INTO event_invoke_config (function_name, qualifier, maximum_retry_attempts, maximum_event_age, on_success, on_failure, last_modified)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(function_name, qualifier) DO UPDATE SET
                maximum_retry_attempts = excluded.maximum_retry_attempts, maximum_event_age = excluded.maximum_event_age,
                on_success = excluded.on_success, on_failure = excluded.on_failure, last_modified = excluded.last_modified
                """, arguments: [
                    config.functionName, config.qualifier, config.maximumRetryAttempts, config.maximumEventAgeInSeconds,
                    config.onSuccess, config.onFailure, AsyncEventStore.millis(config.lastModified),
                ])
        }
    }

    public func get(functionName: String, qualifier: String) throws(StoreError) -> EventInvokeConfig? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM event_invoke_config WHERE function_name = ? AND qualifier = ?", arguments: [functionName, qualifier])
                .map(Self.config)
        }
    }

    /// A function's configs in the order they were first put.
    public func list(functionName: String) throws(StoreError) -> [EventInvokeConfig] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event_invoke_config WHERE function_name = ? ORDER BY id", arguments: [functionName])
                .map(Self.config)
        }
    }

    /// Deletes one config; returns false if there was none.
    public func delete(functionName: String, qualifier: String) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM event_invoke_config WHERE function_name = ? AND qualifier = ?", arguments: [functionName, qualifier])
            return db.changesCount > 0
        }
    }

    /// Deletes every config of a function (DeleteFunction).
    public func deleteAll(functionName: String) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM event_invoke_config WHERE function_name = ?", arguments: [functionName]) }
    }

    static func config(_ row: Row) -> EventInvokeConfig {
        EventInvokeConfig(
            functionName: row["function_name"], qualifier: row["qualifier"],
            maximumRetryAttempts: row["maximum_retry_attempts"], maximumEventAgeInSeconds: row["maximum_event_age"],
            onSuccess: row["on_success"], onFailure: row["on_failure"],
            lastModified: AsyncEventStore.date(row["last_modified"])
        )
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError(.io, underlying: error) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError(.io, underlying: error) }
    }
}
