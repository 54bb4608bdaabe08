import Foundation
import Logging
import NimbusCore
import NimbusStore
import Synchronization
import Testing
@testable import NimbusSchedules

/// Records what the scheduler delivers.
final class RecordingInvoker: ScheduledInvoker {
    let calls = Mutex<[(String, String?, String)]>([])
    func invoke(functionName: String, qualifier: String?, payload: [UInt8]) async throws {
        calls.withLock { $0.append((functionName, qualifier, String(decoding: payload, as: UTF8.self))) }
    }
}

/// A settable clock.
final class TestClock: Sendable {
    let date = Mutex<Date>(utc("2026-11-23T15:00"))
    func withLock<T>(_ body: (inout Date) -> T) -> T { date.withLock { body(&$0) } }
}

@Suite struct EventsServiceTests {
    let clock = TestClock()

    func makeService(path: String? = nil) throws -> EventsService {
        let file = path ?? FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString).sqlite").path
        let clock = self.clock
        return EventsService(account: Account(), database: try NimbusDatabase(path: file), now: { clock.withLock { $0 } })
    }

    func input(_ name: String, _ expression: String, state: String? = nil) -> EventsService.RuleInput {
        .init(name: name, scheduleExpression: expression, eventPattern: nil, state: state, description: nil, roleArn: nil)
    }

    @Test func firesOncePerSlotAndSurvivesRestart() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("events-\(UUID().uuidString).sqlite").path
        let service = try makeService(path: path)
        _ = try service.putRule(input("r", "rate(1 minute)"))
        let failed = try service.putTargets(rule: "r", [
            TargetRecord(id: "a", arn: "arn:aws:lambda:us-east-1:000000000000:function:f:live", input: nil),
            TargetRecord(id: "b", arn: "arn:aws:lambda:us-east-1:000000000000:function:g", input: #"{"k":1}"#),
        ])
        #expect(failed.isEmpty)
        let invoker = RecordingInvoker()
        let scheduler = Scheduler(service: service, invoker: invoker, logger: .init(label: "test"))
        await scheduler.fireDue(now: utc("2026-11-23T15:00").addingTimeInterval(59))
        #expect(invoker.calls.withLock { $0.count } == 0)
        await scheduler.fireDue(now: utc("2026-11-23T15:01"))
        await scheduler.fireDue(now: utc("2026-11-23T15:01").addingTimeInterval(30))
        let calls = invoker.calls.withLock { $0 }
        #expect(calls.count == 2)
        #expect(calls.contains { $0.0 == "f" && $0.1 == "live" && $0.2.contains(#""time":"2026-11-23T15:01:00Z""#) })
        #expect(calls.contains { $0.0 == "g" && $0.1 == nil && $0.2 == #"{"k":1}"# })

        // A restart (a new service on the same file) does not fire 15:01 again; after an hour down, it fires once.
        let restarted = Scheduler(service: try makeService(path: path), invoker: invoker, logger: .init(label: "test"))
        await restarted.fireDue(now: utc("2026-11-23T15:01").addingTimeInterval(45))
        #expect(invoker.calls.withLock { $0.count } == 2)
        await restarted.fireDue(now: utc("2026-11-23T16:03").addingTimeInterval(10))
        await restarted.fireDue(now: utc("2026-11-23T16:03").addingTimeInterval(20))
        let after = invoker.calls.withLock { $0 }
        #expect(after.count == 4)
        #expect(after[2...].contains { $0.0 == "f" && $0.2.contains(#""time":"2026-11-23T16:03:00Z""#) })
    }

    @Test func deleteIsRefusedWithTargetsAndAbsentRulesAreNotFound() throws {
        let service = try makeService()
        _ = try service.putRule(input("r", "cron(0 12 * * ? *)"))
        _ = try service.putTargets(rule: "r", [TargetRecord(id: "a", arn: "arn:aws:lambda:us-east-1:000000000000:function:f", input: nil)])
        #expect(throws: EventsError.validation("Rule can't be deleted since it has targets.")) { try service.deleteRule("r") }
        try service.removeTargets(rule: "r", ids: ["a"])
        try service.deleteRule("r")
        #expect(throws: EventsError.ruleNotFound("r")) { try service.describeRule("r") }
        #expect(throws: EventsError.invalidSchedule) { try service.putRule(input("r", "rate(1 minutes)")) }
    }

    @Test func enablingRestartsTheClock() throws {
        let service = try makeService()
        _ = try service.putRule(input("r", "rate(5 minutes)", state: "DISABLED"))
        clock.withLock { $0 = utc("2026-11-23T16:00") }
        try service.setState("r", enabled: true)
        let rule = try service.describeRule("r")
        #expect(rule.anchor == Int64(utc("2026-11-23T16:00").timeIntervalSince1970) && rule.lastFired == nil)
        #expect(Scheduler.dueSlot(rule, now: utc("2026-11-23T16:04")) == nil)
    }
}
