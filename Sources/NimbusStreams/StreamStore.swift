import Foundation
import GRDB
import NimbusStore

/// A stream as stored (table `kinesis_stream`, migration "v10: streams").
struct StreamRow: Sendable, Equatable {
    var name: String
    var shardCount: Int
    var retentionHours: Int
    var mode: String
    /// Unix milliseconds; also tells a recreated stream from its namesake (iterators carry it).
    var createdAt: Int64
}

/// A record as stored (table `kinesis_record`); `counter` is the table's AUTOINCREMENT key,
/// never reused, so sequence numbers stay unique across deletions.
struct StoredRecord: Sendable, Equatable {
    var counter: Int64
    var shard: Int
    var partitionKey: String
    var data: [UInt8]
    var arrival: Int64  // Unix milliseconds
}

/// SQLite persistence of streams and their records.
struct StreamStore: Sendable {
    let database: NimbusDatabase

    private static func stream(_ row: Row) -> StreamRow {
        StreamRow(
            name: row["name"], shardCount: row["shard_count"], retentionHours: row["retention_hours"], mode: row["mode"],
            createdAt: row["created_at"])
    }

    private static func record(_ row: Row) -> StoredRecord {
        StoredRecord(
            counter: row["seq"], shard: row["shard"], partitionKey: row["partition_key"],
            data: [UInt8]((row["data"] as Data?) ?? Data()), arrival: row["arrival"])
    }

    func stream(_ name: String) throws -> StreamRow? {
        try database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM kinesis_stream WHERE name = ?", arguments: [name]).map(Self.stream)
        }
    }

    func streams() throws -> [StreamRow] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM kinesis_stream ORDER BY name").map(Self.stream)
        }
    }

    enum CreateOutcome: Equatable {
        case created, exists
        /// The account's shards would exceed the limit; the count before this request.
        case overLimit(current: Int)
    }

    /// Inserts the stream unless the name is taken or the account's shards would exceed `shardLimit`.
    func create(_ stream: StreamRow, shardLimit: Int) throws -> CreateOutcome {
        try database.pool.write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM kinesis_stream WHERE name = ?", arguments: [stream.name]) != nil {
                return .exists
            }
            let current = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(shard_count), 0) FROM kinesis_stream") ?? 0
            if current + stream.shardCount > shardLimit { return .overLimit(current: current) }
            try db.execute(
                sql: "INSERT INTO kinesis_stream (name, shard_count, retention_hours, mode, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [stream.name, stream.shardCount, stream.retentionHours, stream.mode, stream.createdAt])
            return .created
        }
    }

    func delete(_ name: String) throws {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM kinesis_record WHERE stream = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM kinesis_stream WHERE name = ?", arguments: [name])
        }
    }

    func setRetention(_ name: String, hours: Int) throws {
        try database.pool.write { db in
            try db.execute(sql: "UPDATE kinesis_stream SET retention_hours = ? WHERE name = ?", arguments: [hours, name])
        }
    }

    /// Appends records (shard, partition key, data) at `arrival`, first deleting the stream's records
    /// that arrived before `expiredBefore`; returns the counters given, in order.
    func append(
        _ name: String, _ entries: [(shard: Int, partitionKey: String, data: [UInt8])], arrival: Int64, expiredBefore: Int64
    ) throws -> [Int64] {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM kinesis_record WHERE stream = ? AND arrival < ?", arguments: [name, expiredBefore])
            var counters: [Int64] = []
            for entry in entries {
                try db.execute(
                    sql: "INSERT INTO kinesis_record (stream, shard, partition_key, data, arrival) VALUES (?, ?, ?, ?, ?)",
                    arguments: [name, entry.shard, entry.partitionKey, Data(entry.data), arrival])
                counters.append(db.lastInsertedRowID)
            }
            return counters
        }
    }

    /// Up to `limit` records of the shard with a counter above `after` that arrived at or after `since`.
    func records(_ name: String, shard: Int, after: Int64, since: Int64, limit: Int) throws -> [StoredRecord] {
        try database.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM kinesis_record WHERE stream = ? AND shard = ? AND seq > ? AND arrival >= ?
                    ORDER BY seq LIMIT ?
                    """,
                arguments: [name, shard, after, since, limit]
            ).map(Self.record)
        }
    }

    /// The newest record of the shard (kept or not): LATEST starts after it.
    func lastCounter(_ name: String, shard: Int) throws -> Int64? {
        try database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM kinesis_record WHERE stream = ? AND shard = ?", arguments: [name, shard])
        }
    }

    /// The last record of the shard that arrived before `time` (AT_TIMESTAMP starts after it).
    func lastCounter(_ name: String, shard: Int, before time: Int64) throws -> Int64? {
        try database.pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT MAX(seq) FROM kinesis_record WHERE stream = ? AND shard = ? AND arrival < ?",
                arguments: [name, shard, time])
        }
    }
}
