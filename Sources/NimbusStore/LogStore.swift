import Foundation
import GRDB

/// One line of a function's log.
public struct FunctionLogEvent: Sendable, Equatable {
    public var id: Int64
    public var logGroup: String
    public var logStream: String
    /// Unix milliseconds.
    public var timestamp: Int64
    public var message: String

    public init(id: Int64 = 0, logGroup: String, logStream: String, timestamp: Int64, message: String) {
        self.id = id
        self.logGroup = logGroup
        self.logStream = logStream
        self.timestamp = timestamp
        self.message = message
    }
}

/// Durable function logs, grouped as CloudWatch Logs groups them (`/aws/lambda/NAME`).
public struct LogStore: Sendable {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    /// Appends events in one transaction.
    public func append(_ events: [FunctionLogEvent]) throws(StoreError) {
        guard !events.isEmpty else { return }
        do {
            let ingestion = Int64(Date().timeIntervalSince1970 * 1000)
            try database.pool.write { db in
                let statement = try db.cachedStatement(
                    sql: "INSERT INTO log_event (log_group, log_stream, timestamp, message, ingestion_time) VALUES (?, ?, ?, ?, ?)"
                )
                for event in events {
                    try statement.execute(arguments: [event.logGroup, event.logStream, event.timestamp, event.message, ingestion])
                }
                try Self.recordGroups(db, events)
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// Events of a group with an id greater than `afterId`, oldest first.
    public func events(logGroup: String, afterId: Int64 = 0, limit: Int = 10_000) throws(StoreError) -> [FunctionLogEvent] {
        do {
            return try database.pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT id, log_group, log_stream, timestamp, message FROM log_event WHERE log_group = ? AND id > ? ORDER BY id LIMIT ?",
                    arguments: [logGroup, afterId, limit]
                ).map { row in
                    FunctionLogEvent(id: row[0], logGroup: row[1], logStream: row[2], timestamp: row[3], message: row[4])
                }
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// Deletes a group's events (when its function is deleted, AWS keeps them; Nimbus does too
    /// unless asked).
    public func deleteGroup(_ logGroup: String) throws(StoreError) {
        do {
            try database.pool.write { db in
                try db.execute(sql: "DELETE FROM log_event WHERE log_group = ?", arguments: [logGroup])
                try db.execute(sql: "DELETE FROM log_group WHERE name = ?", arguments: [logGroup])
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }
}
