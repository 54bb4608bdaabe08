import Foundation
import Testing
@testable import NimbusSchedules

@Suite struct SchedulerTests {
    func rule(_ expression: String, anchor: String, lastFired: String? = nil, state: String = "ENABLED") -> RuleRecord {
        RuleRecord(
            name: "r", scheduleExpression: expression, eventPattern: nil, state: state, description: nil, roleArn: nil,
            anchor: Int64(utc(anchor).timeIntervalSince1970), lastFired: lastFired.map { Int64(utc($0).timeIntervalSince1970) })
    }

    @Test func nothingDueBeforeTheFirstSlot() {
        #expect(Scheduler.dueSlot(rule("rate(5 minutes)", anchor: "2026-11-23T15:00"), now: utc("2026-11-23T15:04")) == nil)
        #expect(Scheduler.dueSlot(rule("rate(5 minutes)", anchor: "2026-11-23T15:00"), now: utc("2026-11-23T15:05")) == utc("2026-11-23T15:05"))
    }

    @Test func aFiredSlotIsNotFiredAgain() {
        let fired = rule("rate(5 minutes)", anchor: "2026-11-23T15:00", lastFired: "2026-11-23T15:05")
        #expect(Scheduler.dueSlot(fired, now: utc("2026-11-23T15:09")) == nil)
        #expect(Scheduler.dueSlot(fired, now: utc("2026-11-23T15:10")) == utc("2026-11-23T15:10"))
    }

    /// After downtime, one firing for the latest missed slot, not one per slot.
    @Test func missedSlotsFireOnceForTheLatest() {
        let rate = rule("rate(5 minutes)", anchor: "2026-11-23T15:00", lastFired: "2026-11-23T15:05")
        #expect(Scheduler.dueSlot(rate, now: utc("2026-11-23T17:12")) == utc("2026-11-23T17:10"))
        let cron = rule("cron(0 * * * ? *)", anchor: "2026-11-23T15:30", lastFired: "2026-11-23T16:00")
        #expect(Scheduler.dueSlot(cron, now: utc("2026-11-25T09:30")) == utc("2026-11-25T09:00"))
    }

    @Test func disabledAndPatternRulesNeverFire() {
        #expect(Scheduler.dueSlot(rule("rate(1 minute)", anchor: "2026-11-23T15:00", state: "DISABLED"), now: utc("2026-11-24T00:00")) == nil)
        var pattern = rule("rate(1 minute)", anchor: "2026-11-23T15:00")
        pattern.scheduleExpression = nil
        #expect(Scheduler.dueSlot(pattern, now: utc("2026-11-24T00:00")) == nil)
    }

    @Test func scheduledEventIsAWSShape() throws {
        let text = Scheduler.scheduledEvent(
            id: "89d1a02d-5ec7-412e-82f5-13505f849b41", account: "123456789012", region: "us-east-1",
            time: utc("2026-11-23T15:00"), ruleArn: "arn:aws:events:us-east-1:123456789012:rule/my-rule")
        #expect(text == #"{"version":"0","id":"89d1a02d-5ec7-412e-82f5-13505f849b41","detail-type":"Scheduled Event","source":"aws.events","account":"123456789012","time":"2026-11-23T15:00:00Z","region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/my-rule"],"detail":{}}"#)
    }
}
