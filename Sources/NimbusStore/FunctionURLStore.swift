import Foundation
import GRDB

/// A function URL's configuration as stored: one per function and qualifier.
public struct FunctionURLRecord: Sendable, Equatable {
    public var functionName: String
    /// The alias the URL invokes; nil for the unqualified function (`$LATEST`).
    public var qualifier: String?
    /// The URL id: 32 lowercase alphanumerics, the host's first label.
    public var urlId: String
    /// `NONE` or `AWS_IAM`.
    public var authType: String
    /// The `Cors` object as JSON text, as the API received it; nil when never set.
    public var cors: String?
    /// `BUFFERED` or `RESPONSE_STREAM`; nil until a request sets it (AWS then omits it
    /// from Create and Update answers and reads report `BUFFERED`).
    public var invokeMode: String?
    public var creationTime: Date
    public var lastModifiedTime: Date

    public init(functionName: String, qualifier: String?, urlId: String, authType: String, cors: String?, invokeMode: String?, creationTime: Date, lastModifiedTime: Date) {
        self.functionName = functionName
        self.qualifier = qualifier
        self.urlId = urlId
        self.authType = authType
        self.cors = cors
        self.invokeMode = invokeMode
        self.creationTime = creationTime
        self.lastModifiedTime = lastModifiedTime
    }
}

/// Function URL configurations in SQLite (table `function_url`, migration `v7: function urls`).
///
/// Deleting a function deletes its URLs through a trigger on `function`, so no other
/// component has to remember to. Deleting an alias keeps its URL, as AWS does (requests
/// to it are then refused).
public struct FunctionURLStore: Sendable {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    /// Inserts a configuration; `.conflict` if the function and qualifier already have one.
    public func create(_ record: FunctionURLRecord) throws(StoreError) {
        try write { db in
            if try Row.fetchOne(db, sql: "SELECT 1 FROM function_url WHERE name = ? AND qualifier = ?", arguments: [record.functionName, record.qualifier ?? ""]) != nil {
                throw StoreError(.conflict)
            }
            try db.execute(
                sql: """
                INSERT INTO function_url (name, qualifier, url_id, auth_type, cors, invoke_mode, creation_time, last_modified_time)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
                arguments: Self.arguments(record)
            )
        }
    }

    /// Replaces a configuration; `.notFound` if missing.
    public func update(_ record: FunctionURLRecord) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: """
                UPDATE function_url SET url_id = ?3, auth_type = ?4, cors = ?5, invoke_mode = ?6,
                    creation_time = ?7, last_modified_time = ?8
                WHERE name = ?1 AND qualifier = ?2
                """,
                arguments: Self.arguments(record)
            )
            if db.changesCount == 0 { throw StoreError(.notFound) }
        }
    }

    public func get(_ functionName: String, qualifier: String?) throws(StoreError) -> FunctionURLRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM function_url WHERE name = ? AND qualifier = ?", arguments: [functionName, qualifier ?? ""]).map(Self.record)
        }
    }

    /// The configuration a request's URL id addresses.
    public func get(urlId: String) throws(StoreError) -> FunctionURLRecord? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM function_url WHERE url_id = ?", arguments: [urlId]).map(Self.record)
        }
    }

    /// A function's configurations, unqualified first, then by qualifier.
    public func list(_ functionName: String) throws(StoreError) -> [FunctionURLRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM function_url WHERE name = ? ORDER BY qualifier", arguments: [functionName]).map(Self.record)
        }
    }

    /// Deletes a configuration; `.notFound` if missing.
    public func delete(_ functionName: String, qualifier: String?) throws(StoreError) {
        try write { db in
            try db.execute(sql: "DELETE FROM function_url WHERE name = ? AND qualifier = ?", arguments: [functionName, qualifier ?? ""])
            if db.changesCount == 0 { throw StoreError(.notFound) }
        }
    }

    static func arguments(_ record: FunctionURLRecord) -> StatementArguments {
        [
            record.functionName, record.qualifier ?? "", record.urlId, record.authType, record.cors, record.invokeMode,
            Int64((record.creationTime.timeIntervalSince1970 * 1_000_000).rounded()),
            Int64((record.lastModifiedTime.timeIntervalSince1970 * 1_000_000).rounded()),
        ]
    }

    static func record(_ row: Row) -> FunctionURLRecord {
        let qualifier: String = row["qualifier"]
        let created: Int64 = row["creation_time"]
        let modified: Int64 = row["last_modified_time"]
        return FunctionURLRecord(
            functionName: row["name"],
            qualifier: qualifier.isEmpty ? nil : qualifier,
            urlId: row["url_id"],
            authType: row["auth_type"],
            cors: row["cors"],
            invokeMode: row["invoke_mode"],
            creationTime: Date(timeIntervalSince1970: Double(created) / 1_000_000),
            lastModifiedTime: Date(timeIntervalSince1970: Double(modified) / 1_000_000)
        )
    }

    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError.wrap(error) }
    }
}
