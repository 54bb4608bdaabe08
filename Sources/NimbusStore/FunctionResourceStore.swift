import Foundation
import GRDB
import NimbusCore

/// A function's resource-based policy for one qualifier: statements in the order they
/// were added, and the RevisionId that changes with every add or remove.
public struct FunctionPolicy: Sendable, Equatable {
    public var statements: [FunctionPermission]
    public var revisionId: String
}

/// Durable tags and resource-based policies of functions.
///
/// Rules:
/// 1. Tags belong to the function (never a version or alias); policies to a function and a
///    qualifier, `""` being the unqualified function. Why: AWS scopes them so.
/// 2. A policy exists while it has statements: removing the last one deletes it, so
///    GetPolicy answers "not found" again, as AWS does.
/// 3. Nothing here references the `function` table: `deleteAll(function:)` is called when
///    a function is deleted, and again before one is created under the same name, so a
///    crash between the two deletes can never hand old tags to a new function.
public protocol FunctionResourceStore: Sendable {
    func tags(of function: String) throws(StoreError) -> [String: String]
    /// Adds or overwrites tags; returns false, writing nothing, if the function would
    /// then have more than `limit` tags.
    func addTags(_ tags: [String: String], to function: String, limit: Int) throws(StoreError) -> Bool
    func removeTags(_ keys: [String], from function: String) throws(StoreError)
    /// The policy, or nil when it has no statements.
    func policy(of function: String, qualifier: String) throws(StoreError) -> FunctionPolicy?
    /// Adds a statement; returns the policy's new RevisionId.
    ///
    /// `expectedRevisionId`, when given, must equal the policy's RevisionId, or
    /// `revisionWhenEmpty` when there is no policy yet (nil: anything is accepted);
    /// otherwise `.revisionMismatch`. A taken statement id is `.conflict`.
    func addPermission(
        _ permission: FunctionPermission, to function: String, qualifier: String, expectedRevisionId: String?,
        revisionWhenEmpty: String?
    ) throws(StoreError) -> String
    /// Removes a statement. `.notFound` when there is no policy, `.revisionMismatch` as
    /// above; returns false when the policy has no such statement.
    func removePermission(_ statementId: String, from function: String, qualifier: String, expectedRevisionId: String?) throws(StoreError) -> Bool
    /// Deletes every tag and policy of a function.
    func deleteAll(function: String) throws(StoreError)
}

/// The SQLite implementation of ``FunctionResourceStore``.
public struct SQLiteFunctionResourceStore: FunctionResourceStore {
    let database: NimbusDatabase

    public init(database: NimbusDatabase) {
        self.database = database
    }

    /// Migration `v5: tags and policies`. String names only (never edit once shipped).
    static func migrateV5(_ db: Database) throws {
        try db.create(table: "function_tag") { t in
            t.column("function_name", .text).notNull()
            t.column("key", .text).notNull()
            t.column("value", .text).notNull()
            t.primaryKey(["function_name", "key"])
        }
        try db.create(table: "function_policy") { t in
            t.column("function_name", .text).notNull()
            t.column("qualifier", .text).notNull()  // "" for the unqualified function
            t.column("revision_id", .text).notNull()
            t.primaryKey(["function_name", "qualifier"])
        }
        try db.create(table: "function_policy_statement") { t in
            t.autoIncrementedPrimaryKey("id")  // insertion order is the policy's order
            t.column("function_name", .text).notNull()
            t.column("qualifier", .text).notNull()
            t.column("statement_id", .text).notNull()
            t.column("action", .text).notNull()
            t.column("principal", .text).notNull()
            t.column("source_arn", .text)
            t.column("source_account", .text)
            t.column("principal_org_id", .text)
            t.column("event_source_token", .text)
            t.column("function_url_auth_type", .text)
            t.uniqueKey(["function_name", "qualifier", "statement_id"])
        }
    }

    public func tags(of function: String) throws(StoreError) -> [String: String] {
        try read { db in try Self.tags(db, function) }
    }

    public func addTags(_ tags: [String: String], to function: String, limit: Int) throws(StoreError) -> Bool {
        try write { db in
            let merged = try Self.tags(db, function).merging(tags) { _, new in new }
            guard merged.count <= limit else { return false }
            for (key, value) in tags {
                try db.execute(
                    sql: "INSERT INTO function_tag (function_name, key, value) VALUES (?, ?, ?) ON CONFLICT(function_name, key) DO UPDATE SET value = excluded.value",
                    arguments: [function, key, value]
                )
            }
            return true
        }
    }

    public func removeTags(_ keys: [String], from function: String) throws(StoreError) {
        try write { db in
            for key in keys {
                try db.execute(sql: "DELETE FROM function_tag WHERE function_name = ? AND key = ?", arguments: [function, key])
            }
        }
    }

    public func policy(of function: String, qualifier: String) throws(StoreError) -> FunctionPolicy? {
        try read { db in try Self.policy(db, function, qualifier) }
    }

    public func addPermission(
        _ permission: FunctionPermission, to function: String, qualifier: String, expectedRevisionId: String?,
        revisionWhenEmpty: String?
    ) throws(StoreError) -> String {
        try write { db in
            let current = try Self.policy(db, function, qualifier)
            if let expectedRevisionId, let revision = current?.revisionId ?? revisionWhenEmpty, revision != expectedRevisionId {
                throw StoreError(.revisionMismatch)
            }
            if current?.statements.contains(where: { $0.statementId == permission.statementId }) == true {
                throw StoreError(.conflict)
            }
            try db.execute(
                sql: """
                    INSERT INTO function_policy_statement (function_name, qualifier, statement_id, action, principal, source_arn,
                        source_account, principal_org_id, event_source_token, function_url_auth_type)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    function, qualifier, permission.statementId, permission.action, permission.principal, permission.sourceArn,
                    permission.sourceAccount, permission.principalOrgId, permission.eventSourceToken, permission.functionUrlAuthType,
                ]
            )
            let revision = UUID().uuidString.lowercased()
            try db.execute(
                sql: "INSERT INTO function_policy (function_name, qualifier, revision_id) VALUES (?, ?, ?) ON CONFLICT(function_name, qualifier) DO UPDATE SET revision_id = excluded.revision_id",
                arguments: [function, qualifier, revision]
            )
            return revision
        }
    }

    public func removePermission(_ statementId: String, from function: String, qualifier: String, expectedRevisionId: String?) throws(StoreError) -> Bool {
        try write { db in
            guard let current = try Self.policy(db, function, qualifier) else { throw StoreError(.notFound) }
            if let expectedRevisionId, expectedRevisionId != current.revisionId { throw StoreError(.revisionMismatch) }
            try db.execute(
                sql: "DELETE FROM function_policy_statement WHERE function_name = ? AND qualifier = ? AND statement_id = ?",
                arguments: [function, qualifier, statementId]
            )
            guard db.changesCount > 0 else { return false }
            if current.statements.count == 1 {
                try db.execute(sql: "DELETE FROM function_policy WHERE function_name = ? AND qualifier = ?", arguments: [function, qualifier])
            } else {
                try db.execute(
                    sql: "UPDATE function_policy SET revision_id = ? WHERE function_name = ? AND qualifier = ?",
                    arguments: [UUID().uuidString.lowercased(), function, qualifier]
                )
            }
            return true
        }
    }

    public func deleteAll(function: String) throws(StoreError) {
        try write { db in
            for table in ["function_tag", "function_policy", "function_policy_statement"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE function_name = ?", arguments: [function])
            }
        }
    }

    private static func tags(_ db: Database, _ function: String) throws -> [String: String] {
        var tags: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM function_tag WHERE function_name = ?", arguments: [function]) {
            tags[row[0]] = row[1]
        }
        return tags
    }

    private static func policy(_ db: Database, _ function: String, _ qualifier: String) throws -> FunctionPolicy? {
        guard let revision = try String.fetchOne(
            db, sql: "SELECT revision_id FROM function_policy WHERE function_name = ? AND qualifier = ?", arguments: [function, qualifier]
        ) else { return nil }
        let statements = try Row.fetchAll(
            db,
            sql: """
                SELECT statement_id, action, principal, source_arn, source_account, principal_org_id, event_source_token,
                    function_url_auth_type
                FROM function_policy_statement WHERE function_name = ? AND qualifier = ? ORDER BY id
                """,
            arguments: [function, qualifier]
        ).map { row in
            FunctionPermission(
                statementId: row[0], action: row[1], principal: row[2], sourceArn: row[3], sourceAccount: row[4],
                principalOrgId: row[5], eventSourceToken: row[6], functionUrlAuthType: row[7]
            )
        }
        return statements.isEmpty ? nil : FunctionPolicy(statements: statements, revisionId: revision)
    }

    private func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.read(body) } catch { throw StoreError.wrap(error) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.pool.write(body) } catch { throw StoreError.wrap(error) }
    }
}
