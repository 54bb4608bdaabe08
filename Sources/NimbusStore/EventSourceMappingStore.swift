import Foundation
import GRDB

/// An event source mapping as stored: which queue feeds which function, and how.
public struct EventSourceMappingRecord: Sendable, Equatable {
    public var uuid: String
    public var eventSourceArn: String
    public var functionName: String
    /// The version or alias the mapping invokes; nil for the unqualified function.
    public var qualifier: String?
    public var batchSize: Int
    public var maximumBatchingWindowInSeconds: Int
    public var enabled: Bool
    public var functionResponseTypes: [String]
    public var maximumConcurrency: Int?
    public var lastModified: Date
    /// The FilterCriteria patterns, as the JSON text the user sent; empty: no filtering.
    public var filterPatterns: [String]
    /// Settings of a stream (Kinesis) mapping; nil for a queue.
    public var stream: StreamMappingSettings?

    public init(
        uuid: String, eventSourceArn: String, functionName: String, qualifier: String?, batchSize: Int,
        maximumBatchingWindowInSeconds: Int, enabled: Bool, functionResponseTypes: [String], maximumConcurrency: Int?,
        lastModified: Date, filterPatterns: [String] = [], stream: StreamMappingSettings? = nil
    ) {
        self.filterPatterns = filterPatterns
        self.stream = stream
        self.uuid = uuid
        self.eventSourceArn = eventSourceArn
        self.functionName = functionName
        self.qualifier = qualifier
        self.batchSize = batchSize
        self.maximumBatchingWindowInSeconds = maximumBatchingWindowInSeconds
        self.enabled = enabled
        self.functionResponseTypes = functionResponseTypes
        self.maximumConcurrency = maximumConcurrency
        self.lastModified = lastModified
    }
}

/// What only a stream mapping has: where it starts and how it handles failure.
public struct StreamMappingSettings: Sendable, Equatable, Codable {
    /// `TRIM_HORIZON`, `LATEST` or `AT_TIMESTAMP`.
    public var startingPosition: String
    public var startingPositionTimestamp: Date?
    /// -1: retry until the records expire.
    public var maximumRetryAttempts: Int
    /// -1: no limit.
    public var maximumRecordAgeInSeconds: Int
    public var bisectBatchOnFunctionError: Bool
    public var parallelizationFactor: Int
    /// The queue ARN that receives a record of each discarded batch, if any.
    public var onFailureDestination: String?
    public var tumblingWindowInSeconds: Int

    public init(
        startingPosition: String, startingPositionTimestamp: Date? = nil, maximumRetryAttempts: Int = -1,
        maximumRecordAgeInSeconds: Int = -1, bisectBatchOnFunctionError: Bool = false, parallelizationFactor: Int = 1,
        onFailureDestination: String? = nil, tumblingWindowInSeconds: Int = 0
    ) {
        self.startingPosition = startingPosition
        self.startingPositionTimestamp = startingPositionTimestamp
        self.maximumRetryAttempts = maximumRetryAttempts
        self.maximumRecordAgeInSeconds = maximumRecordAgeInSeconds
        self.bisectBatchOnFunctionError = bisectBatchOnFunctionError
        self.parallelizationFactor = parallelizationFactor
        self.onFailureDestination = onFailureDestination
        self.tumblingWindowInSeconds = tumblingWindowInSeconds
    }
}

/// Durable event source mappings (table `event_source_mapping`, migration `v8`).
public struct EventSourceMappingStore: Sendable {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    static func migrateV8(_ db: Database) throws {
        try db.create(table: "event_source_mapping") { t in
            t.autoIncrementedPrimaryKey("seq")  // creation order, for listing
            t.column("uuid", .text).notNull().unique()
            t.column("event_source_arn", .text).notNull()
            t.column("function_name", .text).notNull()
            t.column("qualifier", .text)  // NULL: the unqualified function
            t.column("batch_size", .integer).notNull()
            t.column("maximum_batching_window", .integer).notNull()
            t.column("enabled", .boolean).notNull()
            t.column("function_response_types", .text).notNull()  // JSON array
            t.column("maximum_concurrency", .integer)
            t.column("last_modified", .double).notNull()  // Unix seconds
        }
    }

    /// Filters and stream settings (JSON columns), and the table of shard checkpoints.
    static func migrateV11(_ db: Database) throws {
        try db.alter(table: "event_source_mapping") { t in
            t.add(column: "filter_patterns", .text).notNull().defaults(to: "[]")  // JSON array of pattern texts
            t.add(column: "stream_settings", .text)  // JSON StreamMappingSettings; NULL for a queue
        }
        // One row per mapping and shard: everything up to `sequence` is done. NULL `sequence`:
        // start from the oldest record. The row's presence means the start was resolved.
        try db.create(table: "event_source_checkpoint") { t in
            t.column("uuid", .text).notNull().references("event_source_mapping", column: "uuid", onDelete: .cascade)
            t.column("shard_id", .text).notNull()
            t.column("sequence", .text)
            t.primaryKey(["uuid", "shard_id"])
        }
    }

    /// Inserts or replaces the mapping with that UUID.
    public func save(_ record: EventSourceMappingRecord) throws(StoreError) {
        try save(record, checkpoints: [:])
    }

    /// Inserts or replaces the mapping, and sets the given shard checkpoints in the same
    /// transaction (a new stream mapping's starting point is fixed when it is created).
    public func save(_ record: EventSourceMappingRecord, checkpoints: [String: String?]) throws(StoreError) {
        let types = String(decoding: (try? JSONEncoder().encode(record.functionResponseTypes)) ?? Data("[]".utf8), as: UTF8.self)
        let filters = String(decoding: (try? JSONEncoder().encode(record.filterPatterns)) ?? Data("[]".utf8), as: UTF8.self)
        let stream = record.stream.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        try write { db in
            try db.execute(sql: """
                INSERT INTO event_source_mapping (uuid, event_source_arn, function_name, qualifier, batch_size, maximum_batching_window,
                enabled, function_response_types, maximum_concurrency, last_modified, filter_patterns, stream_settings)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(uuid) DO UPDATE SET event_source_arn = excluded.event_source_arn, function_name = excluded.function_name,
                qualifier = excluded.qualifier, batch_size = excluded.batch_size, maximum_batching_window = excluded.maximum_batching_window,
                enabled = excluded.enabled, function_response_types = excluded.function_response_types,
                maximum_concurrency = excluded.maximum_concurrency, last_modified = excluded.last_modified,
                filter_patterns = excluded.filter_patterns, stream_settings = excluded.stream_settings
                """, arguments: [
                    record.uuid, record.eventSourceArn, record.functionName, record.qualifier, record.batchSize,
                    record.maximumBatchingWindowInSeconds, record.enabled, types, record.maximumConcurrency,
                    record.lastModified.timeIntervalSince1970, filters, stream,
                ])
            for (shard, sequence) in checkpoints {
                try Self.setCheckpoint(db, uuid: record.uuid, shard: shard, sequence: sequence)
            }
        }
    }

    /// The mapping's checkpoints by shard id (a shard without a row has no resolved start yet).
    public func checkpoints(_ uuid: String) throws(StoreError) -> [String: String?] {
        try read { db in
            var result: [String: String?] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT shard_id, sequence FROM event_source_checkpoint WHERE uuid = ?", arguments: [uuid]) {
                result[row["shard_id"] as String] = row["sequence"] as String?
            }
            return result
        }
    }

    /// Records that everything in the shard up to `sequence` is done.
    public func setCheckpoint(_ uuid: String, shard: String, sequence: String?) throws(StoreError) {
        try write { db in try Self.setCheckpoint(db, uuid: uuid, shard: shard, sequence: sequence) }
    }

    private static func setCheckpoint(_ db: Database, uuid: String, shard: String, sequence: String?) throws {
        try db.execute(
            sql: """
                INSERT INTO event_source_checkpoint (uuid, shard_id, sequence) VALUES (?, ?, ?)
                ON CONFLICT(uuid, shard_id) DO UPDATE SET sequence = excluded.sequence
                """, arguments: [uuid, shard, sequence])
    }

    public func get(_ uuid: String) throws(StoreError) -> EventSourceMappingRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM event_source_mapping WHERE uuid = ?", arguments: [uuid]).map(Self.record)
        }
    }

    /// Every mapping, in creation order.
    public func all() throws(StoreError) -> [EventSourceMappingRecord] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM event_source_mapping ORDER BY seq").map(Self.record) }
    }

    /// Deletes a mapping; false if there was none.
    public func delete(_ uuid: String) throws(StoreError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM event_source_checkpoint WHERE uuid = ?", arguments: [uuid])
            try db.execute(sql: "DELETE FROM event_source_mapping WHERE uuid = ?", arguments: [uuid])
            return db.changesCount > 0
        }
    }

    static func record(_ row: Row) -> EventSourceMappingRecord {
        let typesText: String = row["function_response_types"]
        let types = (try? JSONDecoder().decode([String].self, from: Data(typesText.utf8))) ?? []
        let filtersText: String = row["filter_patterns"]
        let filters = (try? JSONDecoder().decode([String].self, from: Data(filtersText.utf8))) ?? []
        let stream = (row["stream_settings"] as String?).flatMap { try? JSONDecoder().decode(StreamMappingSettings.self, from: Data($0.utf8)) }
        return EventSourceMappingRecord(
            uuid: row["uuid"], eventSourceArn: row["event_source_arn"], functionName: row["function_name"], qualifier: row["qualifier"],
            batchSize: row["batch_size"], maximumBatchingWindowInSeconds: row["maximum_batching_window"], enabled: row["enabled"],
            functionResponseTypes: types, maximumConcurrency: row["maximum_concurrency"],
            lastModified: Date(timeIntervalSince1970: row["last_modified"]), filterPatterns: filters, stream: stream
        )
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError(.io, underlying: error) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError(.io, underlying: error) }
    }
}
