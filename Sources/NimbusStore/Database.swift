import Foundation
import GRDB

/// Nimbus's SQLite database, opened in WAL mode with its migrations applied.
public final class NimbusDatabase: Sendable {
    public let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws(StoreError) {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError(.io, underlying: error)
        }
    }

    /// The schema's history. Migrations are never edited once shipped; add a new one.
    /// They use string table and column names only, never app types.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: functions, code, logs") { db in
            try db.create(table: "function") { t in
                t.primaryKey("name", .text)
                t.column("runtime", .text).notNull()
                t.column("role", .text).notNull()
                t.column("handler", .text).notNull()
                t.column("description", .text).notNull()
                t.column("timeout", .integer).notNull()
                t.column("memory_size", .integer).notNull()
                t.column("ephemeral_storage", .integer).notNull()
                t.column("environment", .text).notNull()  // JSON object
                t.column("architectures", .text).notNull()  // JSON array
                t.column("code_sha256", .text).notNull()  // hex, the code store address
                t.column("code_size", .integer).notNull()
                t.column("revision_id", .text).notNull()
                t.column("last_modified", .integer).notNull()  // Unix milliseconds
                t.column("package_type", .text).notNull()
                t.column("log_format", .text).notNull()
                t.column("log_group", .text).notNull()
                t.column("tracing_mode", .text).notNull()
            }
            try db.create(table: "code_package") { t in
                t.primaryKey("sha256", .text)
                t.column("size", .integer).notNull()
                t.column("unzipped_size", .integer).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "log_event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("log_group", .text).notNull()
                t.column("log_stream", .text).notNull()
                t.column("timestamp", .integer).notNull()  // Unix milliseconds
                t.column("message", .text).notNull()
            }
            try db.create(index: "log_event_by_group", on: "log_event", columns: ["log_group", "id"])
        }
        migrator.registerMigration("v2: layers") { db in
            // One row per layer name ever published, kept after its versions are deleted,
            // so that version numbers are never reused (as AWS).
            try db.create(table: "layer") { t in
                t.primaryKey("name", .text)
                t.column("latest_version", .integer).notNull()
            }
            try db.create(table: "layer_version") { t in
                t.column("name", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("description", .text).notNull()
                t.column("compatible_runtimes", .text)  // JSON array, NULL when not given
                t.column("compatible_architectures", .text)  // JSON array, NULL when not given
                t.column("license_info", .text)
                t.column("code_sha256", .text).notNull()  // hex, the code store address
                t.column("code_size", .integer).notNull()
                t.column("created_date", .integer).notNull()  // Unix milliseconds
                t.column("policy_revision_id", .text).notNull()
                t.primaryKey(["name", "version"])
            }
            try db.create(table: "layer_version_statement") { t in
                t.autoIncrementedPrimaryKey("id")  // insertion order is the policy's order
                t.column("name", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("statement_id", .text).notNull()
                t.column("action", .text).notNull()
                t.column("principal", .text).notNull()
                t.column("organization_id", .text)
                t.uniqueKey(["name", "version", "statement_id"])
            }
            // The function's layers, in order: JSON array of
            // {"arn","codeSize","codeSha256","unzippedSize"}.
            try db.alter(table: "function") { t in
                t.add(column: "layers", .text).notNull().defaults(to: "[]")
            }
        }
        migrator.registerMigration("v4: async events") { db in
            try AsyncEventSchema.create(db)
        }
        return migrator
    }
}
