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

    public init(
        uuid: String, eventSourceArn: String, functionName: String, qualifier: String?, batchSize: Int,
        maximumBatchingWindowInSeconds: Int, enabled: Bool, functionResponseTypes: [String], maximumConcurrency: Int?,
        lastModified: Date
    ) {
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

    /// Inserts or replaces the mapping with that UUID.
    public func save(_ record: EventSourceMappingRecord) throws(StoreError) {
        let types = String(decoding: (try? JSONEncoder().encode(record.functionResponseTypes)) ?? Data("[]".utf8), as: UTF8.self)
        try write { db in
            try db.execute(sql: """
                INSERT INTO event_source_mapping (uuid, event_source_arn, function_name, qualifier, batch_size, maximum_batching_window,
                enabled, function_response_types, maximum_concurrency, last_modified) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(uuid) DO UPDATE SET event_source_arn = excluded.event_source_arn, function_name = excluded.function_name,
                qualifier = excluded.qualifier, batch_size = excluded.batch_size, maximum_batching_window = excluded.maximum_batching_window,
                enabled = excluded.enabled, function_response_types = excluded.function_response_types,
                maximum_concurrency = excluded.maximum_concurrency, last_modified = excluded.last_modified
                """, arguments: [
                    record.uuid, record.eventSourceArn, record.functionName, record.qualifier, record.batchSize,
                    record.maximumBatchingWindowInSeconds, record.enabled, types, record.maximumConcurrency,
                    record.lastModified.timeIntervalSince1970,
                ])
        }
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
            try db.execute(sql: "DELETE FROM event_source_mapping WHERE uuid = ?", arguments: [uuid])
            return db.changesCount > 0
        }
    }

    static func record(_ row: Row) -> EventSourceMappingRecord {
        let typesText: String = row["function_response_types"]
        let types = (try? JSONDecoder().decode([String].self, from: Data(typesText.utf8))) ?? []
        return EventSourceMappingRecord(
            uuid: row["uuid"], eventSourceArn: row["event_source_arn"], functionName: row["function_name"], qualifier: row["qualifier"],
            batchSize: row["batch_size"], maximumBatchingWindowInSeconds: row["maximum_batching_window"], enabled: row["enabled"],
            functionResponseTypes: types, maximumConcurrency: row["maximum_concurrency"],
            lastModified: Date(timeIntervalSince1970: row["last_modified"])
        )
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError(.io, underlying: error) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError(.io, underlying: error) }
    }
}
