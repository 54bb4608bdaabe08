import Foundation
import GRDB

/// An Event invocation as accepted: what is committed before the caller gets 202.
public struct NewAsyncEvent: Sendable, Equatable {
    public var requestId: String
    public var functionName: String
    /// nil for `$LATEST`.
    public var qualifier: String?
    public var payload: Data
    public var clientContext: String?
    public var receivedAt: Date
    /// The caller's tracing header (X-Ray format), so every attempt joins the caller's
    /// trace; nil: each attempt starts a new one.
    public var traceHeader: String?

    public init(requestId: String, functionName: String, qualifier: String?, payload: Data, clientContext: String? = nil, receivedAt: Date = Date(), traceHeader: String? = nil) {
        self.traceHeader = traceHeader
        self.requestId = requestId
        self.functionName = functionName
        self.qualifier = qualifier
        self.payload = payload
        self.clientContext = clientContext
        self.receivedAt = receivedAt
    }
}

/// The outcome of an attempt that reached the function, kept for the on-failure record.
public struct AsyncAttemptResponse: Sendable, Equatable {
    public var statusCode: Int
    public var executedVersion: String
    public var functionError: String?
    public var payload: Data

    public init(statusCode: Int, executedVersion: String, functionError: String?, payload: Data) {
        self.statusCode = statusCode
        self.executedVersion = executedVersion
        self.functionError = functionError
        self.payload = payload
    }
}

/// A stored event, as the dispatcher sees it.
public struct AsyncEvent: Sendable, Equatable {
    public var id: Int64
    public var event: NewAsyncEvent
    public var dueAt: Date
    /// Attempts that ran the function (the record's `approximateInvokeCount`).
    public var invokeCount: Int
    /// Throttles and platform errors so far: the exponent of the backoff.
    public var platformRetries: Int
    public var lastResponse: AsyncAttemptResponse?
}

/// Durable queue of Event invocations.
///
/// Rules:
/// 1. An event is in the table from the moment its 202 is sent until it ends (success,
///    retries exhausted, age exceeded) or its function is deleted. Why: the 202 is a
///    promise; an event only in memory is lost on a crash.
/// 2. Claiming marks an event `running`; ``requeueRunning(now:)`` at start makes those
///    due again. So an event whose invocation was cut short by a crash runs again
///    (at-least-once, as Lambda), and none is lost.
/// 3. Ending an event and queuing its destination record happen in one transaction, so
///    a crash between the two cannot lose the record or send it twice from the store.
public struct AsyncEventStore: Sendable {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    /// Inserts events in one transaction (one commit for a whole group of callers).
    public func insert(_ events: [NewAsyncEvent]) async throws(StoreError) {
        guard !events.isEmpty else { return }
        do {
            try await database.pool.write { db in try Self.insert(events, db) }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    static func insert(_ events: [NewAsyncEvent], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO async_event (request_id, function_name, qualifier, payload, client_context, received_at, due_at, state, invoke_count, platform_retries, trace_header)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?)
            """)
        for event in events {
            let received = Self.millis(event.receivedAt)
            try statement.execute(arguments: [
                event.requestId, event.functionName, event.qualifier, event.payload, event.clientContext, received, received, event.traceHeader,
            ])
        }
    }

    /// Makes events left `running` by a server that stopped due now.
    @discardableResult
    public func requeueRunning(now: Date = Date()) throws(StoreError) -> Int {
        try write { db in
            try db.execute(sql: "UPDATE async_event SET state = 'pending', due_at = ? WHERE state = 'running'", arguments: [Self.millis(now)])
            return db.changesCount
        }
    }

    /// Marks up to `limit` due events `running` and returns them, oldest due first.
    public func claimDue(now: Date, limit: Int) throws(StoreError) -> [AsyncEvent] {
        guard limit > 0 else { return [] }
        return try write { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM async_event WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?
                """, arguments: [Self.millis(now), limit])
            let events = rows.map(Self.event)
            let update = try db.cachedStatement(sql: "UPDATE async_event SET state = 'running' WHERE id = ?")
            for event in events { try update.execute(arguments: [event.id]) }
            return events
        }
    }

    /// When the next pending event is due, if any is pending.
    public func nextDue() throws(StoreError) -> Date? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(due_at) FROM async_event WHERE state = 'pending'").map(Self.date)
        }
    }

    /// What happens to a claimed event after an attempt.
    public enum Update: Sendable {
        /// Back in the queue, due at its `dueAt`, with its counters and last response.
        case reschedule(AsyncEvent)
        /// Over; the events that follow from it (destination records) are queued.
        case complete(Int64, enqueue: [NewAsyncEvent])
    }

    /// Applies updates of many events in one transaction (the dispatcher's group commit).
    public func apply(_ updates: [Update]) async throws(StoreError) {
        guard !updates.isEmpty else { return }
        do {
            try await database.pool.write { db in
                for update in updates {
                    switch update {
                    case .reschedule(let event): try Self.reschedule(event, db)
                    case .complete(let id, let followUps): try Self.complete(id, followUps, db)
                    }
                }
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// Puts a claimed event back in the queue, due at `dueAt`.
    public func reschedule(_ event: AsyncEvent) throws(StoreError) {
        try write { db in try Self.reschedule(event, db) }
    }

    static func reschedule(_ event: AsyncEvent, _ db: Database) throws {
            try db.execute(sql: """
                UPDATE async_event SET state = 'pending', due_at = ?, invoke_count = ?, platform_retries = ?,
                last_status = ?, last_executed_version = ?, last_function_error = ?, last_response = ? WHERE id = ?
                """, arguments: [
                    Self.millis(event.dueAt), event.invokeCount, event.platformRetries,
                    event.lastResponse?.statusCode, event.lastResponse?.executedVersion, event.lastResponse?.functionError,
                    event.lastResponse?.payload, event.id,
                ])
    }

    /// Ends an event and queues the events that follow from it (destination records).
    public func complete(_ id: Int64, enqueue followUps: [NewAsyncEvent] = []) throws(StoreError) {
        try write { db in try Self.complete(id, followUps, db) }
    }

    static func complete(_ id: Int64, _ followUps: [NewAsyncEvent], _ db: Database) throws {
        try db.execute(sql: "DELETE FROM async_event WHERE id = ?", arguments: [id])
        // The event may be gone already (its function was deleted): queue nothing then.
        if db.changesCount > 0 { try insert(followUps, db) }
    }

    /// Drops every queued event of a function (DeleteFunction).
    public func deleteEvents(functionName: String) throws(StoreError) {
        try write { db in try db.execute(sql: "DELETE FROM async_event WHERE function_name = ?", arguments: [functionName]) }
    }

    /// Events in the queue, running or not.
    public func count() throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM async_event") ?? 0 }
    }

    /// When the oldest queued event was accepted; nil for an empty queue (metrics).
    public func oldestReceivedAt() throws(StoreError) -> Date? {
        try read { db in try Int64.fetchOne(db, sql: "SELECT MIN(received_at) FROM async_event") }.map(Self.date)
    }

    static func event(_ row: Row) -> AsyncEvent {
        let status: Int? = row["last_status"]
        let last = status.map { status in
            AsyncAttemptResponse(
                statusCode: status, executedVersion: row["last_executed_version"] ?? "$LATEST",
                functionError: row["last_function_error"], payload: row["last_response"] ?? Data()
            )
        }
        return AsyncEvent(
            id: row["id"],
            event: NewAsyncEvent(
                requestId: row["request_id"], functionName: row["function_name"], qualifier: row["qualifier"],
                payload: row["payload"], clientContext: row["client_context"], receivedAt: date(row["received_at"]),
                traceHeader: row["trace_header"]
            ),
            dueAt: date(row["due_at"]),
            invokeCount: row["invoke_count"],
            platformRetries: row["platform_retries"],
            lastResponse: last
        )
    }

    /// Migration `v14`: the caller's trace header, kept across retries. Part of a
    /// shipped migration: never edit.
    static func migrateV14(_ db: Database) throws {
        try db.alter(table: "async_event") { t in t.add(column: "trace_header", .text) }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError(.io, underlying: error) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError(.io, underlying: error) }
    }
}
