import Foundation
import Logging
import ServiceLifecycle

/// Delivers a scheduled event to a function, asynchronously and durably (the server wires
/// it to NimbusInvoke's AsyncInvoker, which this target does not know).
public protocol ScheduledInvoker: Sendable {
    func invoke(functionName: String, qualifier: String?, payload: [UInt8]) async throws
}

/// Fires each enabled schedule rule at its times, once a second checking what is due.
///
/// A slot is recorded (`last_fired`) before its targets are enqueued, so a restart never
/// fires a slot again (a crash between the two loses that one firing: at most once). Slots
/// missed while Nimbus was down, or disabled, are not replayed: on restart a rule whose
/// slots passed fires once, for the latest passed slot, then keeps its schedule.
public final class Scheduler: Service, Sendable {
    let service: EventsService
    let invoker: any ScheduledInvoker
    let logger: Logger
    let tick: Duration

    public init(service: EventsService, invoker: any ScheduledInvoker, tick: Duration = .seconds(1), logger: Logger) {
        self.service = service
        self.invoker = invoker
        self.tick = tick
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.fireDue(now: self.service.now())
                try? await Task.sleep(for: self.tick)
            }
        }
    }

    /// The latest slot at or before `now`, when one is due after the rule's last firing.
    static func dueSlot(_ rule: RuleRecord, now: Date) -> Date? {
        guard rule.state != "DISABLED", let text = rule.scheduleExpression, let expression = ScheduleExpression(text) else { return nil }
        let anchor = Date(timeIntervalSince1970: TimeInterval(rule.anchor))
        let from = Date(timeIntervalSince1970: TimeInterval(rule.lastFired ?? rule.anchor))
        guard var slot = expression.next(after: from, anchor: anchor), slot <= now else { return nil }
        switch expression {
        case .rate(let period):
            let k = (Int64(now.timeIntervalSince1970.rounded(.down)) - rule.anchor) / period
            slot = Date(timeIntervalSince1970: TimeInterval(rule.anchor + k * period))
        case .cron(let cron):
            // Bounded: a year of every-minute slots.
            for _ in 0..<600_000 {
                guard let following = cron.next(after: slot), following <= now else { break }
                slot = following
            }
        }
        return slot
    }

    func fireDue(now: Date) async {
        let rules: [RuleRecord]
        do { rules = try service.store.rules(prefix: nil) } catch {
            logger.error("could not read the schedule rules: \(error)")
            return
        }
        for rule in rules {
            guard let slot = Self.dueSlot(rule, now: now) else { continue }
            let seconds = Int64(slot.timeIntervalSince1970)
            do {
                guard try service.store.recordFiring(rule.name, slot: seconds, previous: rule.lastFired) else { continue }
                for target in try service.store.targets(rule.name) {
                    await deliver(target, rule: rule.name, slot: slot)
                }
            } catch {
                logger.error("could not fire the rule \(rule.name): \(error)")
            }
        }
    }

    func deliver(_ target: TargetRecord, rule: String, slot: Date) async {
        guard let function = service.function(inArn: target.arn) else { return }
        let payload = target.input ?? Self.scheduledEvent(
            id: UUID().uuidString.lowercased(), account: service.account.id, region: service.account.region,
            time: slot, ruleArn: service.ruleArn(rule))
        do {
            try await invoker.invoke(functionName: function.name, qualifier: function.qualifier, payload: Array(payload.utf8))
        } catch {
            logger.error("rule \(rule) could not invoke \(target.arn): \(error)")
        }
    }

    /// AWS's "Scheduled Event", with its keys in AWS's order.
    static func scheduledEvent(id: String, account: String, region: String, time: Date, ruleArn: String) -> String {
        func quoted(_ text: String) -> String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("\"\"".utf8), as: UTF8.self)
        }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return """
            {"version":"0","id":\(quoted(id)),"detail-type":"Scheduled Event","source":"aws.events","account":\(quoted(account)),\
            "time":\(quoted(formatter.string(from: time))),"region":\(quoted(region)),"resources":[\(quoted(ruleArn))],"detail":{}}
            """
    }
}
