import Foundation
import GRDB

extension LogStore {
    /// The last `limit` events of a group, oldest first: where a log viewer starts before
    /// it follows with ``events(logGroup:afterId:limit:)``.
    public func recentEvents(logGroup: String, limit: Int) throws(StoreError) -> [FunctionLogEvent] {
        do {
            return try database.pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT id, log_group, log_stream, timestamp, message FROM log_event WHERE log_group = ? ORDER BY id DESC LIMIT ?",
                    arguments: [logGroup, limit]
                ).map { row in
                    FunctionLogEvent(id: row[0], logGroup: row[1], logStream: row[2], timestamp: row[3], message: row[4])
                }.reversed()
            }
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }
}
