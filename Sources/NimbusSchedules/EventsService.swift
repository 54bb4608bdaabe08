import Foundation
import NimbusCore
import NimbusStore

/// EventBridge rules on the default event bus: AWS's rules and errors over ``RuleStore``.
/// Only schedule rules fire (``Scheduler``); event-pattern rules are stored.
public final class EventsService: Sendable {
    public let account: Account
    let store: RuleStore
    let now: @Sendable () -> Date

    public init(account: Account, database: NimbusDatabase, now: @escaping @Sendable () -> Date = { Date() }) {
        self.account = account
        self.store = RuleStore(database: database)
        self.now = now
    }

    /// `arn:aws:events:REGION:ACCOUNT:rule/NAME`.
    public func ruleArn(_ name: String) -> String {
        "arn:\(account.partition):events:\(account.region):\(account.id):rule/\(name)"
    }

    var nowSeconds: Int64 { Int64(now().timeIntervalSince1970.rounded(.down)) }

    func attempt<T>(_ body: () throws -> T) throws(EventsError) -> T {
        do { return try body() } catch { throw .internalFailure }
    }

    func rule(_ name: String) throws(EventsError) -> RuleRecord {
        guard let rule = try attempt({ try store.rule(name) }) else { throw .ruleNotFound(name) }
        return rule
    }

    static let namePattern = #"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+"#

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64 && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-_".contains($0)) }
    }

    static func checkName(_ name: String, member: String = "name") throws(EventsError) {
        if name.count > 64 { throw .constraint(name, at: member, "Member must have length less than or equal to 64") }
        guard isName(name) else { throw .constraint(name, at: member, namePattern) }
    }

    // MARK: Rules

    public struct RuleInput: Sendable {
        public var name: String
        public var scheduleExpression: String?
        public var eventPattern: String?
        public var state: String?
        public var description: String?
        public var roleArn: String?
    }

    /// PutRule: creates or replaces a rule. A new expression, or enabling, restarts its clock.
    public func putRule(_ input: RuleInput) throws(EventsError) -> String {
        try Self.checkName(input.name)
        let state = input.state ?? "ENABLED"
        guard ["ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"].contains(state) else {
            throw .constraint(state, at: "state", "Member must satisfy enum value set: [ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, DISABLED, ENABLED]")
        }
        if let description = input.description, description.count > 512 {
            throw .constraint(description, at: "description", "Member must have length less than or equal to 512")
        }
        guard input.scheduleExpression != nil || input.eventPattern != nil else {
            throw .validation("Parameter(s) EventPattern or ScheduleExpression must be specified.")
        }
        if let expression = input.scheduleExpression {
            guard expression.count <= 256, ScheduleExpression(expression) != nil else { throw .invalidSchedule }
        }
        if let pattern = input.eventPattern {
            guard (try? JSONSerialization.jsonObject(with: Data(pattern.utf8))) is [String: Any] else {
                throw EventsError(type: "InvalidEventPatternException", message: "Event pattern is not valid. Reason: Filter is not an object")
            }
        }
        let existing = try attempt { try store.rule(input.name) }
        var record = RuleRecord(
            name: input.name, scheduleExpression: input.scheduleExpression, eventPattern: input.eventPattern, state: state,
            description: input.description, roleArn: input.roleArn, anchor: nowSeconds, lastFired: nil)
        if let existing, existing.scheduleExpression == record.scheduleExpression, existing.state == record.state {
            record.anchor = existing.anchor
            record.lastFired = existing.lastFired
        }
        try attempt { try store.save(record) }
        return ruleArn(input.name)
    }

    public func describeRule(_ name: String) throws(EventsError) -> RuleRecord { try rule(name) }

    public func listRules(prefix: String?) throws(EventsError) -> [RuleRecord] {
        try attempt { try store.rules(prefix: prefix) }
    }

    /// DeleteRule: refused while the rule has targets; a missing rule is not an error (as AWS).
    public func deleteRule(_ name: String) throws(EventsError) {
        try Self.checkName(name)
        guard try attempt({ try store.rule(name) }) != nil else { return }
        if !(try attempt { try store.targets(name) }).isEmpty {
            throw .validation("Rule can't be deleted since it has targets.")
        }
        try attempt { try store.delete(name) }
    }

    /// EnableRule / DisableRule. Enabling a disabled rule restarts its clock: slots passed while disabled do not fire.
    public func setState(_ name: String, enabled: Bool) throws(EventsError) {
        var record = try rule(name)
        let state = enabled ? "ENABLED" : "DISABLED"
        guard record.state != state else { return }
        if enabled {
            record.anchor = nowSeconds
            record.lastFired = nil
        }
        record.state = state
        try attempt { try store.save(record) }
    }

    // MARK: Targets

    /// The function name and qualifier in a Lambda function ARN of this account and region.
    func function(inArn arn: String) -> (name: String, qualifier: String?)? {
        let prefix = account.functionArn("")
        guard arn.hasPrefix(prefix) else { return nil }
        let parts = arn.dropFirst(prefix.count).split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return (parts[0], parts.count == 2 ? parts[1] : nil)
    }

    public struct FailedEntry: Sendable, Equatable {
        public var targetId: String
        public var errorCode: String
        public var errorMessage: String
    }

    /// PutTargets: adds or replaces targets. Targets Nimbus cannot deliver to (anything but one of
    /// its Lambda functions) come back as failed entries, as AWS reports per-target failures.
    public func putTargets(rule name: String, _ targets: [TargetRecord]) throws(EventsError) -> [FailedEntry] {
        try Self.checkName(name, member: "rule")
        _ = try rule(name)
        for (index, target) in targets.enumerated() {
            let member = "targets.\(index + 1).member"
            if target.id.count > 64 { throw .constraint(target.id, at: "\(member).id", "Member must have length less than or equal to 64") }
            guard Self.isName(target.id) else { throw .constraint(target.id, at: "\(member).id", Self.namePattern) }
            guard target.arn.hasPrefix("arn:"), target.arn.split(separator: ":", omittingEmptySubsequences: false).count >= 6 else {
                throw .validation("Parameter \(target.arn) is not valid. Reason: Provided Arn is not in correct format.")
            }
            if let input = target.input {
                if input.count > 8192 { throw .constraint(input, at: "\(member).input", "Member must have length less than or equal to 8192") }
                guard (try? JSONSerialization.jsonObject(with: Data(input.utf8), options: [.fragmentsAllowed])) != nil else {
                    throw .validation("Input is not valid JSON text.")
                }
            }
        }
        guard Set(targets.map(\.id)).count == targets.count else {
            throw .validation("Parameter(s) Targets contains duplicate Ids.")
        }
        var failed: [FailedEntry] = []
        var accepted: [TargetRecord] = []
        for target in targets {
            if function(inArn: target.arn) == nil {
                failed.append(FailedEntry(
                    targetId: target.id, errorCode: "ValidationException",
                    errorMessage: "Nimbus delivers scheduled events only to its own Lambda functions: \(target.arn)"))
            } else {
                accepted.append(target)
            }
        }
        try attempt { try store.putTargets(name, accepted) }
        return failed
    }

    /// RemoveTargets: ids the rule does not have are ignored.
    public func removeTargets(rule name: String, ids: [String]) throws(EventsError) {
        try Self.checkName(name, member: "rule")
        _ = try rule(name)
        try attempt { try store.removeTargets(name, ids: ids) }
    }

    public func targets(rule name: String) throws(EventsError) -> [TargetRecord] {
        try Self.checkName(name, member: "rule")
        _ = try rule(name)
        return try attempt { try store.targets(name) }
    }
}
