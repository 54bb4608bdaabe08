import Foundation
import GRDB

/// A saved test event of the web console: a named JSON payload for one function.
public struct ConsoleTestEvent: Sendable, Equatable, Codable {
    public var name: String
    public var payload: String

    public init(name: String, payload: String) {
        self.name = name
        self.payload = payload
    }
}

/// The console's saved test events, per function (table `console_test_event`, migration v13).
///
/// They are console state, not Lambda state: deleting a function leaves them, so that a
/// function created again under the same name finds its events.
public struct ConsoleTestEventStore: Sendable {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    static func migrateV13(_ db: Database) throws {
        try db.create(table: "console_test_event") { t in
            t.column("function_name", .text).notNull()
            t.column("name", .text).notNull()
            t.column("payload", .text).notNull()
            t.column("updated_at", .integer).notNull()  // Unix milliseconds
            t.primaryKey(["function_name", "name"])
        }
    }

    /// The function's events, by name.
    public func events(function: String) throws(StoreError) -> [ConsoleTestEvent] {
        do {
            return try database.pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT name, payload FROM console_test_event WHERE function_name = ? ORDER BY name",
                    arguments: [function]
                ).map { ConsoleTestEvent(name: $0[0], payload: $0[1]) }
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// Creates or replaces the event called `event.name`.
    public func save(_ event: ConsoleTestEvent, function: String, now: Date = Date()) throws(StoreError) {
        do {
            try database.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO console_test_event (function_name, name, payload, updated_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT (function_name, name) DO UPDATE SET payload = excluded.payload, updated_at = excluded.updated_at
                        """,
                    arguments: [function, event.name, event.payload, Int64(now.timeIntervalSince1970 * 1000)]
                )
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// Deletes an event; true when it existed.
    @discardableResult
    public func delete(name: String, function: String) throws(StoreError) -> Bool {
        do {
            return try database.pool.write { db in
                try db.execute(sql: "DELETE FROM console_test_event WHERE function_name = ? AND name = ?", arguments: [function, name])
                return db.changesCount > 0
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }
}
