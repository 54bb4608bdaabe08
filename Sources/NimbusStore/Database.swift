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
        migrator.registerMigration("v3: versions and aliases") { db in
            try db.alter(table: "function") { t in
                // The last version number published; numbers are never reused (as AWS).
                t.add(column: "latest_version", .integer).notNull().defaults(to: 0)
                t.add(column: "reserved_concurrency", .integer)  // NULL: none reserved
                t.add(column: "dead_letter_target", .text)
            }
            // Published versions: immutable copies of the function row at publish time.
            try db.create(table: "function_version") { t in
                t.column("name", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("runtime", .text).notNull()
                t.column("role", .text).notNull()
                t.column("handler", .text).notNull()
                t.column("description", .text).notNull()
                t.column("timeout", .integer).notNull()
                t.column("memory_size", .integer).notNull()
                t.column("ephemeral_storage", .integer).notNull()
                t.column("environment", .text).notNull()
                t.column("architectures", .text).notNull()
                t.column("code_sha256", .text).notNull()
                t.column("code_size", .integer).notNull()
                t.column("revision_id", .text).notNull()
                t.column("last_modified", .integer).notNull()
                t.column("package_type", .text).notNull()
                t.column("log_format", .text).notNull()
                t.column("log_group", .text).notNull()
                t.column("tracing_mode", .text).notNull()
                t.column("layers", .text).notNull()
                t.column("dead_letter_target", .text)
                t.primaryKey(["name", "version"])
            }
            try db.create(table: "function_alias") { t in
                t.column("name", .text).notNull()
                t.column("alias", .text).notNull()
                t.column("function_version", .text).notNull()
                t.column("description", .text).notNull()
                t.column("routing", .text)  // JSON object {"version": weight}, NULL when not given
                t.column("revision_id", .text).notNull()
                t.primaryKey(["name", "alias"])
            }
            try db.create(table: "provisioned_concurrency") { t in
                t.column("name", .text).notNull()
                t.column("qualifier", .text).notNull()  // a version number or an alias name
                t.column("requested", .integer).notNull()
                t.column("last_modified", .integer).notNull()  // Unix milliseconds
                t.primaryKey(["name", "qualifier"])
            }
        }
        migrator.registerMigration("v4: async events") { db in
            try AsyncEventSchema.create(db)
        }
        // Migrations run in the order registered: v3, v4, v5, then v7 (v6 is the queues).
        migrator.registerMigration("v5: tags and policies", migrate: SQLiteFunctionResourceStore.migrateV5)
        migrator.registerMigration("v7: function urls") { db in
            try db.create(table: "function_url") { t in
                t.column("name", .text).notNull()
                t.column("qualifier", .text).notNull()  // an alias name, or "" for the unqualified function
                t.column("url_id", .text).notNull().unique()
                t.column("auth_type", .text).notNull()
                t.column("cors", .text)  // JSON object as received, NULL when never set
                t.column("invoke_mode", .text)  // NULL until set (AWS then omits it from Create/Update)
                t.column("creation_time", .integer).notNull()  // Unix microseconds (AWS shows them)
                t.column("last_modified_time", .integer).notNull()  // Unix microseconds
                t.primaryKey(["name", "qualifier"])
            }
            // Deleting a function deletes its URLs, whoever deletes the row.
            try db.execute(sql: """
                CREATE TRIGGER function_url_follows_function AFTER DELETE ON function
                BEGIN DELETE FROM function_url WHERE name = OLD.name; END
                """)
        }
        // Registered after v7, as it landed after it (GRDB applies unapplied migrations in this order).
        migrator.registerMigration("v6: queues") { db in
            try db.create(table: "queue") { t in
                t.primaryKey("name", .text)
                t.column("attributes", .text).notNull()  // JSON object of the settable attributes, as strings
                t.column("tags", .text).notNull().defaults(to: "{}")  // JSON object
                t.column("created_timestamp", .integer).notNull()  // Unix seconds
                t.column("last_modified_timestamp", .integer).notNull()  // Unix seconds
            }
            try db.create(table: "queue_message") { t in
                t.autoIncrementedPrimaryKey("seq")  // send order
                t.column("queue", .text).notNull()
                t.column("message_id", .text).notNull()
                t.column("body", .text).notNull()
                t.column("attributes", .text).notNull()  // JSON: message attributes in the wire shape
                t.column("md5_of_body", .text).notNull()
                t.column("sender_id", .text).notNull()
                t.column("sent_timestamp", .integer).notNull()  // Unix milliseconds
                t.column("visible_at", .integer).notNull()  // Unix milliseconds
                t.column("receive_count", .integer).notNull()
                t.column("first_receive_timestamp", .integer)  // Unix milliseconds, NULL until received
                t.column("receipt_handle", .text)  // the latest receive's handle
            }
            try db.create(index: "queue_message_by_visibility", on: "queue_message", columns: ["queue", "visible_at", "seq"])
            try db.create(index: "queue_message_by_receipt", on: "queue_message", columns: ["receipt_handle"])
        }
        migrator.registerMigration("v8: event source mappings") { db in
            try EventSourceMappingStore.migrateV8(db)
        }
        // EventBridge rules and their targets (NimbusSchedules).
        migrator.registerMigration("v9: schedules") { db in
            try db.create(table: "event_rule") { t in
                t.primaryKey("name", .text)
                t.column("schedule_expression", .text)
                t.column("event_pattern", .text)
                t.column("state", .text).notNull()
                t.column("description", .text)
                t.column("role_arn", .text)
                t.column("anchor", .integer).notNull()  // Unix seconds: when the schedule's clock started
                t.column("last_fired", .integer)  // Unix seconds: the last slot fired, NULL before the first
            }
            try db.create(table: "event_target") { t in
                t.column("rule", .text).notNull().references("event_rule", onDelete: .cascade)
                t.column("id", .text).notNull()
                t.column("arn", .text).notNull()
                t.column("input", .text)
                t.primaryKey(["rule", "id"])
            }
        }
        // Kinesis-compatible streams and their records (NimbusStreams).
        migrator.registerMigration("v10: streams") { db in
            try db.create(table: "kinesis_stream") { t in
                t.primaryKey("name", .text)
                t.column("shard_count", .integer).notNull()
                t.column("retention_hours", .integer).notNull()
                t.column("mode", .text).notNull()  // PROVISIONED or ON_DEMAND
                t.column("created_at", .integer).notNull()  // Unix milliseconds
            }
            try db.create(table: "kinesis_record") { t in
                t.autoIncrementedPrimaryKey("seq")  // never reused: the counter in sequence numbers
                t.column("stream", .text).notNull()
                t.column("shard", .integer).notNull()
                t.column("partition_key", .text).notNull()
                t.column("data", .blob).notNull()
                t.column("arrival", .integer).notNull()  // Unix milliseconds
            }
            try db.create(index: "kinesis_record_by_shard", on: "kinesis_record", columns: ["stream", "shard", "seq"])
            try db.create(index: "kinesis_record_by_arrival", on: "kinesis_record", columns: ["stream", "arrival"])
        }
        // Stream settings, filters and shard checkpoints of event source mappings.
        migrator.registerMigration("v11: stream event source mappings") { db in
            try EventSourceMappingStore.migrateV11(db)
        }
        // CloudWatch Logs groups (NimbusLogs): a group outlives its expired events and keeps
        // its retention; events get the time they were written (ingestionTime).
        migrator.registerMigration("v12: log retention") { db in
            try LogStore.migrateV12(db)
        }
        // The web console's saved test events (ConsoleTestEventStore).
        migrator.registerMigration("v13: console test events") { db in
            try ConsoleTestEventStore.migrateV13(db)
        }
        // Event invocations keep the caller's trace header (AsyncEventStore).
        migrator.registerMigration("v14: async event trace header") { db in
            try AsyncEventStore.migrateV14(db)
        }
        return migrator
    }
}
