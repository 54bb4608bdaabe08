import GRDB

/// Log groups as CloudWatch Logs keeps them: a group exists from its first event on, keeps
/// its retention setting, and outlives events that retention deleted.
extension LogStore {
    /// `v12: log retention`: the `log_group` table (filled from the events already stored),
    /// `log_event.ingestion_time` (NULL for older events: their timestamp stands in), and an
    /// index for reading one stream.
    static func migrateV12(_ db: Database) throws {
        try db.create(table: "log_group") { t in
            t.primaryKey("name", .text)
            t.column("creation_time", .integer).notNull()  // Unix milliseconds
            t.column("retention_in_days", .integer)  // NULL: never expire
        }
        try db.execute(sql: "INSERT INTO log_group (name, creation_time) SELECT log_group, MIN(timestamp) FROM log_event GROUP BY log_group")
        try db.alter(table: "log_event") { t in
            t.add(column: "ingestion_time", .integer)  // Unix milliseconds, when written to the store
        }
        try db.create(index: "log_event_by_stream", on: "log_event", columns: ["log_group", "log_stream", "id"])
    }

    /// Creates the groups of `events` that do not exist yet (creation time: their first event).
    static func recordGroups(_ db: Database, _ events: [FunctionLogEvent]) throws {
        var first: [String: Int64] = [:]
        for event in events { first[event.logGroup] = min(first[event.logGroup] ?? event.timestamp, event.timestamp) }
        let statement = try db.cachedStatement(sql: "INSERT OR IGNORE INTO log_group (name, creation_time) VALUES (?, ?)")
        for (name, time) in first { try statement.execute(arguments: [name, time]) }
    }
}
