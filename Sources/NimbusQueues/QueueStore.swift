import Foundation
import GRDB
import NimbusStore

/// A queue as stored: its name, settable attributes and timestamps (Unix seconds).
public struct QueueRecord: Sendable, Equatable {
    public var name: String
    public var settings: QueueSettings
    public var tags: [String: String]
    public var createdTimestamp: Int64
    public var lastModifiedTimestamp: Int64
}

/// A message as stored. Times are Unix milliseconds.
public struct StoredMessage: Sendable, Equatable {
    public var messageId: String
    public var body: String
    public var attributes: [String: MessageAttributeValue]
    public var md5OfBody: String
    public var senderId: String
    public var sentTimestamp: Int64
    public var visibleAt: Int64
    public var receiveCount: Int
    public var firstReceiveTimestamp: Int64?
    public var receiptHandle: String?
}

/// Queues and messages in SQLite (tables `queue` and `queue_message`, migration `v6: queues`).
///
/// Rules:
/// 1. Every change is one transaction: a receive marks its messages in flight, moves
///    over-received ones to the dead-letter queue and issues new receipt handles atomically,
///    so two concurrent receivers never get the same message.
/// 2. A sent message is committed (WAL) before SendMessage answers: a `kill -9` loses none.
/// 3. A message is visible when `visible_at <= now`: delays and visibility timeouts are
///    both a future `visible_at`, so nothing needs a timer.
final class QueueStore: Sendable {
    let pool: DatabasePool

    init(database: NimbusDatabase) {
        pool = database.pool
    }

    private func write<T>(_ body: (Database) throws -> T) throws(QueueError) -> T {
        do {
            return try pool.write(body)
        } catch let error as QueueError {
            throw error
        } catch {
            throw .internalFailure
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(QueueError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw .internalFailure
        }
    }

    // MARK: Queues

    func queue(_ name: String) throws(QueueError) -> QueueRecord? {
        try read { db in try Self.queue(name, db) }
    }

    private static func queue(_ name: String, _ db: Database) throws -> QueueRecord? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM queue WHERE name = ?", arguments: [name]) else { return nil }
        return QueueRecord(
            name: row["name"],
            settings: QueueSettings(values: decodeStrings(row["attributes"])),
            tags: decodeStrings(row["tags"]),
            createdTimestamp: row["created_timestamp"],
            lastModifiedTimestamp: row["last_modified_timestamp"]
        )
    }

    /// Inserts the queue unless one has that name; returns the stored queue either way.
    func createQueue(_ record: QueueRecord) throws(QueueError) -> QueueRecord {
        try write { db in
            if let existing = try Self.queue(record.name, db) { return existing }
            try db.execute(
                sql: """
                    INSERT INTO queue (name, attributes, tags, created_timestamp, last_modified_timestamp)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.name, encodeStrings(record.settings.values), encodeStrings(record.tags),
                    record.createdTimestamp, record.lastModifiedTimestamp,
                ])
            return record
        }
    }

    func queueNames(prefix: String?) throws(QueueError) -> [String] {
        try read { db in
            let names = try String.fetchAll(db, sql: "SELECT name FROM queue ORDER BY name")
            guard let prefix, !prefix.isEmpty else { return names }
            return names.filter { $0.hasPrefix(prefix) }
        }
    }

    /// Deletes the queue and its messages; false when there was no such queue.
    func deleteQueue(_ name: String) throws(QueueError) -> Bool {
        try write { db in
            try db.execute(sql: "DELETE FROM queue_message WHERE queue = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM queue WHERE name = ?", arguments: [name])
            return db.changesCount > 0
        }
    }

    func updateSettings(_ name: String, _ settings: QueueSettings, now: Int64) throws(QueueError) -> Bool {
        try write { db in
            try db.execute(
                sql: "UPDATE queue SET attributes = ?, last_modified_timestamp = ? WHERE name = ?",
                arguments: [encodeStrings(settings.values), now, name])
            return db.changesCount > 0
        }
    }

    // MARK: Messages

    /// Stores messages on `queue`; throws QueueDoesNotExist if it was deleted meanwhile.
    func insert(_ messages: [StoredMessage], queue: String) throws(QueueError) {
        try write { db in
            guard try Self.queue(queue, db) != nil else { throw QueueError.queueDoesNotExist }
            for message in messages {
                try db.execute(
                    sql: """
                        INSERT INTO queue_message (queue, message_id, body, attributes, md5_of_body, sender_id,
                            sent_timestamp, visible_at, receive_count, first_receive_timestamp, receipt_handle)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, NULL, NULL)
                        """,
                    arguments: [
                        queue, message.messageId, message.body, encodeAttributes(message.attributes), message.md5OfBody,
                        message.senderId, message.sentTimestamp, message.visibleAt,
                    ])
            }
        }
    }

    /// Receives up to `max` visible messages: each gets a new receipt handle and stays
    /// invisible for `visibilityTimeout` seconds. A message already received as often as
    /// the redrive policy allows moves to `deadLetterQueue` instead (if that queue exists).
    func receive(
        queue: String, max: Int, visibilityTimeout: Int, now: Int64, retentionPeriod: Int,
        redrive: RedrivePolicy?, deadLetterQueue: String?
    ) throws(QueueError) -> [StoredMessage] {
        try write { db in
            try db.execute(
                sql: "DELETE FROM queue_message WHERE queue = ? AND sent_timestamp < ?",
                arguments: [queue, now - Int64(retentionPeriod) * 1000])
            let dlqExists = try deadLetterQueue.map { try Self.queue($0, db) != nil } ?? false
            var received: [StoredMessage] = []
            // Moving messages to the DLQ frees places; a bounded number of rounds refills them.
            for _ in 0..<10 where received.count < max {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM queue_message WHERE queue = ? AND visible_at <= ?
                        ORDER BY visible_at, seq LIMIT ?
                        """,
                    arguments: [queue, now, max - received.count])
                if rows.isEmpty { break }
                for row in rows {
                    var message = Self.message(row)
                    let seq: Int64 = row["seq"]
                    if let redrive, let deadLetterQueue, dlqExists, redrive.movesToDeadLetterQueue(receiveCount: message.receiveCount) {
                        try db.execute(
                            sql: """
                                UPDATE queue_message SET queue = ?, visible_at = ?, receive_count = 0,
                                    first_receive_timestamp = NULL, receipt_handle = NULL WHERE seq = ?
                                """,
                            arguments: [deadLetterQueue, now, seq])
                        continue
                    }
                    message.receiveCount += 1
                    message.firstReceiveTimestamp = message.firstReceiveTimestamp ?? now
                    message.visibleAt = now + Int64(visibilityTimeout) * 1000
                    message.receiptHandle = ReceiptHandle.new(queue: queue, messageId: message.messageId).text
                    try db.execute(
                        sql: """
                            UPDATE queue_message SET visible_at = ?, receive_count = ?, first_receive_timestamp = ?,
                                receipt_handle = ? WHERE seq = ?
                            """,
                        arguments: [message.visibleAt, message.receiveCount, message.firstReceiveTimestamp, message.receiptHandle, seq])
                    received.append(message)
                }
            }
            return received
        }
    }

    /// Deletes the message whose latest receive issued `receiptHandle`; false if none matches.
    func delete(queue: String, receiptHandle: String) throws(QueueError) -> Bool {
        try write { db in
            try db.execute(
                sql: "DELETE FROM queue_message WHERE queue = ? AND receipt_handle = ?", arguments: [queue, receiptHandle])
            return db.changesCount > 0
        }
    }

    /// Makes an in-flight message visible at `visibleAt`; false if it is not in flight
    /// under that handle.
    func changeVisibility(queue: String, receiptHandle: String, visibleAt: Int64, now: Int64) throws(QueueError) -> Bool {
        try write { db in
            try db.execute(
                sql: """
                    UPDATE queue_message SET visible_at = ?
                    WHERE queue = ? AND receipt_handle = ? AND visible_at > ?
                    """,
                arguments: [visibleAt, queue, receiptHandle, now])
            return db.changesCount > 0
        }
    }

    func purge(queue: String) throws(QueueError) {
        try write { db in try db.execute(sql: "DELETE FROM queue_message WHERE queue = ?", arguments: [queue]) }
    }

    /// Visible, in-flight (received and invisible) and delayed (never received, invisible)
    /// counts; messages past the retention period are not counted.
    func counts(queue: String, now: Int64, retentionPeriod: Int) throws(QueueError) -> (visible: Int, inFlight: Int, delayed: Int) {
        try read { db in
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT
                        COALESCE(SUM(visible_at <= ?), 0) AS visible,
                        COALESCE(SUM(visible_at > ? AND receive_count > 0), 0) AS in_flight,
                        COALESCE(SUM(visible_at > ? AND receive_count = 0), 0) AS delayed
                    FROM queue_message WHERE queue = ? AND sent_timestamp >= ?
                    """,
                arguments: [now, now, now, queue, now - Int64(retentionPeriod) * 1000])
            return (row?["visible"] ?? 0, row?["in_flight"] ?? 0, row?["delayed"] ?? 0)
        }
    }

    private static func message(_ row: Row) -> StoredMessage {
        StoredMessage(
            messageId: row["message_id"], body: row["body"], attributes: decodeAttributes(row["attributes"]),
            md5OfBody: row["md5_of_body"], senderId: row["sender_id"], sentTimestamp: row["sent_timestamp"],
            visibleAt: row["visible_at"], receiveCount: row["receive_count"],
            firstReceiveTimestamp: row["first_receive_timestamp"], receiptHandle: row["receipt_handle"])
    }
}

private func encodeStrings(_ map: [String: String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: map, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

private func decodeStrings(_ text: String) -> [String: String] {
    ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String]) ?? [:]
}

private func encodeAttributes(_ attributes: [String: MessageAttributeValue]) -> String {
    encodeJSON(attributes.mapValues(\.wire))
}

private func encodeJSON(_ object: [String: [String: String]]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
}

private func decodeAttributes(_ text: String) -> [String: MessageAttributeValue] {
    guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: [String: Any]] else { return [:] }
    return object.compactMapValues { MessageAttributeValue(wire: $0) }
}
