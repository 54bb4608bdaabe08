import GRDB

/// The tables of migration `v4: async events`. Part of a shipped migration: never edit,
/// add a new migration instead. String names only, no app types.
enum AsyncEventSchema {
    static func create(_ db: Database) throws {
        // One row per accepted Event invocation until it succeeds, fails for good or is
        // discarded. `state` is `pending` or `running`; a server that starts finds rows
        // left `running` by one that died and makes them due again (at-least-once).
        try db.create(table: "async_event") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("request_id", .text).notNull()
            t.column("function_name", .text).notNull()
            t.column("qualifier", .text)  // NULL: $LATEST
            t.column("payload", .blob).notNull()
            t.column("client_context", .text)
            t.column("received_at", .integer).notNull()  // Unix milliseconds
            t.column("due_at", .integer).notNull()  // Unix milliseconds
            t.column("state", .text).notNull()
            t.column("invoke_count", .integer).notNull()  // attempts that ran the function
            t.column("platform_retries", .integer).notNull()  // throttles and 5xx so far
            t.column("last_status", .integer)  // the last attempt's response, for on-failure records
            t.column("last_executed_version", .text)
            t.column("last_function_error", .text)
            t.column("last_response", .blob)
        }
        try db.create(index: "async_event_by_due", on: "async_event", columns: ["state", "due_at"])
        try db.create(index: "async_event_by_function", on: "async_event", columns: ["function_name"])

        // PutFunctionEventInvokeConfig, one row per function and qualifier. The id keeps
        // the order of creation, which ListFunctionEventInvokeConfigs follows.
        try db.create(table: "event_invoke_config") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("function_name", .text).notNull()
            t.column("qualifier", .text).notNull()
            t.column("maximum_retry_attempts", .integer)
            t.column("maximum_event_age", .integer)
            t.column("on_success", .text)
            t.column("on_failure", .text)
            t.column("last_modified", .integer).notNull()  // Unix milliseconds
            t.uniqueKey(["function_name", "qualifier"])
        }
    }
}
