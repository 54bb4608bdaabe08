import Foundation
import GRDB
import NimbusStore

/// A rule as stored (tables `event_rule`, `event_target`, migration "v9: schedules").
public struct RuleRecord: Sendable, Equatable {
    public var name: String
    public var scheduleExpression: String?
    public var eventPattern: String?
    public var state: String
    public var description: String?
    public var roleArn: String?
    /// Unix seconds: when the schedule's clock started (creation, a new expression, or enabling).
    public var anchor: Int64
    /// Unix seconds: the last slot fired.
    public var lastFired: Int64?
}

public struct TargetRecord: Sendable, Equatable {
    public var id: String
    public var arn: String
    public var input: String?
}

/// SQLite persistence of rules, targets and each rule's last firing.
struct RuleStore: Sendable {
    let database: NimbusDatabase

    private static func rule(_ row: Row) -> RuleRecord {
        RuleRecord(
            name: row["name"], scheduleExpression: row["schedule_expression"], eventPattern: row["event_pattern"],
            state: row["state"], description: row["description"], roleArn: row["role_arn"],
            anchor: row["anchor"], lastFired: row["last_fired"])
    }

    func rule(_ name: String) throws -> RuleRecord? {
        try database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM event_rule WHERE name = ?", arguments: [name]).map(Self.rule)
        }
    }

    func rules(prefix: String?) throws -> [RuleRecord] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event_rule ORDER BY name").map(Self.rule)
        }.filter { prefix == nil || $0.name.hasPrefix(prefix!) }
    }

    func save(_ rule: RuleRecord) throws {
        try database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO event_rule (name, schedule_expression, event_pattern, state, description, role_arn, anchor, last_fired)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(name) DO UPDATE SET schedule_expression = excluded.schedule_expression,
                      event_pattern = excluded.event_pattern, state = excluded.state, description = excluded.description,
                      role_arn = excluded.role_arn, anchor = excluded.anchor, last_fired = excluded.last_fired
                    """,
                arguments: [rule.name, rule.scheduleExpression, rule.eventPattern, rule.state, rule.description, rule.roleArn,
                            rule.anchor, rule.lastFired])
        }
    }

    /// Records a firing; returns false when the rule changed meanwhile (deleted, or another slot recorded).
    func recordFiring(_ name: String, slot: Int64, previous: Int64?) throws -> Bool {
        try database.pool.write { db in
            try db.execute(
                sql: "UPDATE event_rule SET last_fired = ? WHERE name = ? AND last_fired IS ?", arguments: [slot, name, previous])
            return db.changesCount == 1
        }
    }

    func delete(_ name: String) throws {
        try database.pool.write { db in
            try db.execute(sql: "DELETE FROM event_target WHERE rule = ?", arguments: [name])
            try db.execute(sql: "DELETE FROM event_rule WHERE name = ?", arguments: [name])
        }
    }

    func targets(_ rule: String) throws -> [TargetRecord] {
        try database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event_target WHERE rule = ? ORDER BY id", arguments: [rule]).map {
                TargetRecord(id: $0["id"], arn: $0["arn"], input: $0["input"])
            }
        }
    }

    func putTargets(_ rule: String, _ targets: [TargetRecord]) throws {
        try database.pool.write { db in
            for target in targets {
                try db.execute(
                    sql: """
                        INSERT INTO event_target (rule, id, arn, input) VALUES (?, ?, ?, ?)
                        ON CONFLICT(rule, id) DO UPDATE SET arn = excluded.arn, input = excluded.input
                        """,
                    arguments: [rule, target.id, target.arn, target.input])
            }
        }
    }

    func removeTargets(_ rule: String, ids: [String]) throws {
        try database.pool.write { db in
            for id in ids {
                try db.execute(sql: "DELETE FROM event_target WHERE rule = ? AND id = ?", arguments: [rule, id])
            }
        }
    }
}
