import Foundation
import GRDB
import NimbusStore

/// A log group as DescribeLogGroups shows it.
public struct LogGroupInfo: Sendable, Equatable {
    public var name: String
    public var creationTime: Int64
    public var retentionInDays: Int?
    public var storedBytes: Int64
}

/// A log stream as DescribeLogStreams shows it: Nimbus streams exist through their events.
public struct LogStreamInfo: Sendable, Equatable {
    public var name: String
    public var firstEventTimestamp: Int64
    public var lastEventTimestamp: Int64
    public var lastIngestionTime: Int64
    public var storedBytes: Int64
}

/// One stored event with what the read API shows of it.
public struct StoredLogEvent: Sendable, Equatable {
    public var id: Int64
    public var stream: String
    public var timestamp: Int64
    public var message: String
    public var ingestionTime: Int64
}

/// Which events of a group a query reads.
struct EventQuery {
    var group: String
    var streams: [String]? = nil
    var streamPrefix: String? = nil
    var startTime: Int64? = nil
    /// Events at `endTime` are included when `endInclusive` (FilterLogEvents), not otherwise (GetLogEvents).
    var endTime: Int64? = nil
    var endInclusive = true
    var afterId: Int64? = nil
    var beforeId: Int64? = nil
    var descending = false
    var limit = 1000
}

/// The SQL behind the read API, over `log_event` and `log_group` (see `LogStore+Groups.swift`).
public struct LogReader: Sendable {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    public func groups() throws -> [LogGroupInfo] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT g.name, g.creation_time, g.retention_in_days,
                       (SELECT COALESCE(SUM(length(CAST(message AS BLOB))), 0) FROM log_event WHERE log_group = g.name)
                FROM log_group g ORDER BY g.name
                """).map { LogGroupInfo(name: $0[0], creationTime: $0[1], retentionInDays: $0[2], storedBytes: $0[3]) }
        }
    }

    public func groupExists(_ name: String) throws -> Bool {
        try database.pool.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM log_group WHERE name = ?)", arguments: [name]) ?? false
        }
    }

    public func streams(group: String) throws -> [LogStreamInfo] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT log_stream, MIN(timestamp), MAX(timestamp), MAX(COALESCE(ingestion_time, timestamp)),
                       SUM(length(CAST(message AS BLOB)))
                FROM log_event WHERE log_group = ? GROUP BY log_stream ORDER BY log_stream
                """, arguments: [group]).map {
                LogStreamInfo(name: $0[0], firstEventTimestamp: $0[1], lastEventTimestamp: $0[2], lastIngestionTime: $0[3], storedBytes: $0[4])
            }
        }
    }

    public func streamExists(group: String, stream: String) throws -> Bool {
        try database.pool.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS(SELECT 1 FROM log_event WHERE log_group = ? AND log_stream = ?)", arguments: [group, stream]
            ) ?? false
        }
    }

    /// The newest event id of a stream (0 when it has none).
    func lastId(group: String, stream: String) throws -> Int64 {
        try database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM log_event WHERE log_group = ? AND log_stream = ?", arguments: [group, stream]) ?? 0
        }
    }

    func events(_ query: EventQuery) throws -> [StoredLogEvent] {
        var sql = "SELECT id, log_stream, timestamp, message, COALESCE(ingestion_time, timestamp) FROM log_event WHERE log_group = ?"
        var arguments: StatementArguments = [query.group]
        if let streams = query.streams {
            sql += " AND log_stream IN (\(streams.map { _ in "?" }.joined(separator: ",")))"
            for stream in streams { _ = arguments.append(contentsOf: [stream]) }
        }
        if let prefix = query.streamPrefix {
            sql += " AND substr(log_stream, 1, length(?)) = ?"
            _ = arguments.append(contentsOf: [prefix, prefix])
        }
        if let start = query.startTime {
            sql += " AND timestamp >= ?"
            _ = arguments.append(contentsOf: [start])
        }
        if let end = query.endTime {
            sql += query.endInclusive ? " AND timestamp <= ?" : " AND timestamp < ?"
            _ = arguments.append(contentsOf: [end])
        }
        if let after = query.afterId {
            sql += " AND id > ?"
            _ = arguments.append(contentsOf: [after])
        }
        if let before = query.beforeId {
            sql += " AND id < ?"
            _ = arguments.append(contentsOf: [before])
        }
        sql += query.descending ? " ORDER BY id DESC LIMIT ?" : " ORDER BY id LIMIT ?"
        _ = arguments.append(contentsOf: [query.limit])
        return try database.pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                StoredLogEvent(id: $0[0], stream: $0[1], timestamp: $0[2], message: $0[3], ingestionTime: $0[4])
            }
        }
    }

    /// Sets (or with nil removes) a group's retention; false when the group does not exist.
    public func setRetention(group: String, days: Int?) throws -> Bool {
        try database.pool.write { db in
            try db.execute(sql: "UPDATE log_group SET retention_in_days = ? WHERE name = ?", arguments: [days, group])
            return db.changesCount > 0
        }
    }

    /// Deletes every event older than its group's retention; returns how many.
    public func deleteExpired(now: Date) throws -> Int {
        let nowMillis = Int64(now.timeIntervalSince1970 * 1000)
        return try database.pool.write { db in
            let groups = try Row.fetchAll(db, sql: "SELECT name, retention_in_days FROM log_group WHERE retention_in_days IS NOT NULL")
            var deleted = 0
            for group in groups {
                let name: String = group[0]
                let days: Int64 = group[1]
                try db.execute(
                    sql: "DELETE FROM log_event WHERE log_group = ? AND timestamp < ?", arguments: [name, nowMillis - days * 86_400_000]
                )
                deleted += db.changesCount
            }
            return deleted
        }
    }
}
