import Foundation
import Testing
@testable import NimbusSchedules

/// Parses "YYYY-MM-DDTHH:MM" in UTC.
func utc(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    return formatter.date(from: text + ":00Z")!
}

func nextCron(_ expression: String, after: String) -> Date? {
    CronExpression(expression)!.next(after: utc(after))
}

@Suite struct RateTests {
    @Test func validRates() {
        #expect(ScheduleExpression("rate(1 minute)") == .rate(seconds: 60))
        #expect(ScheduleExpression("rate(5 minutes)") == .rate(seconds: 300))
        #expect(ScheduleExpression("rate(1 hour)") == .rate(seconds: 3600))
        #expect(ScheduleExpression("rate(2 days)") == .rate(seconds: 172_800))
    }

    @Test(arguments: ["rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(-1 minutes)", "rate(1 second)", "rate(2 weeks)",
                      "rate(1  minute)", "rate(minute)", "rate( 1 minute)", "rate(1.5 hours)", "rate(1 Minute)", "rate 1 minute", "at(2026-01-01T00:00:00)"])
    func invalidRates(_ text: String) {
        #expect(ScheduleExpression(text) == nil)
    }

    @Test func rateFiresAtAnchorPlusPeriods() {
        let rate = ScheduleExpression("rate(5 minutes)")!
        let anchor = utc("2026-11-23T15:00")
        #expect(rate.next(after: anchor, anchor: anchor) == utc("2026-11-23T15:05"))
        #expect(rate.next(after: utc("2026-11-23T15:05"), anchor: anchor) == utc("2026-11-23T15:10"))
        #expect(rate.next(after: utc("2026-11-23T15:07"), anchor: anchor) == utc("2026-11-23T15:10"))
        #expect(rate.next(after: utc("2026-11-23T14:00"), anchor: anchor) == utc("2026-11-23T15:05"))
    }
}

@Suite struct CronParsingTests {
    @Test(arguments: [
        "0 12 * * ? *", "0/15 * * * ? *", "*/5 9-17 ? * MON-FRI *", "0 8 1 * ? *", "15 10 ? * 6L 2026-2030", "0 18 ? * MON#1 *",
        "0 0 L * ? *", "0 0 LW * ? *", "0 0 15W * ? *", "5,35 14 * JAN,MAR ? *", "0 0 ? * L *", "1-31/30 1-1 ? * 1,7 *", "0 0 ? * 2,3,4,5,6,7 *",
    ])
    func valid(_ text: String) {
        #expect(CronExpression(text) != nil)
    }

    @Test(arguments: [
        "0 12 * * *", "0 12 * * * *", "0 12 ? * ? *", "7 20 * * 1-7 *", "*/60 * * * ? *", "60 * * * ? *", "0 24 * * ? *",
        "0 0 32 * ? *", "0 0 0 * ? *", "0 0 ? 13 * *", "0 0 ? * 8 *", "0 0 ? * MON#6 *", "0 0 ? * 8L *", "0 0 ? * * 1969",
        "0 0 ? * * 2200", "0 0 32W * ? *", "0/5, 9-18, ?, *, MON-FRI, *", "a 0 * * ? *", "0 0 5-1 * ? *", "0 0 1 * ? * *",
    ])
    func invalid(_ text: String) {
        #expect(CronExpression(text) == nil)
    }

    @Test func namesAndIncrements() {
        let cron = CronExpression("10/20 */6 ? JAN-MAR MON,WED *")!
        #expect(cron.minutes == [10, 30, 50])
        #expect(cron.hours == [0, 6, 12, 18])
        #expect(cron.months == [1, 2, 3])
        #expect(cron.dayOfWeek == .values([2, 4]))
        #expect(CronExpression("0 0 ? * sun *")!.dayOfWeek == .values([1]))
    }
}

@Suite struct CronNextTests {
    @Test func everyDayAtNoon() {
        #expect(nextCron("0 12 * * ? *", after: "2026-11-23T11:59") == utc("2026-11-23T12:00"))
        #expect(nextCron("0 12 * * ? *", after: "2026-11-23T12:00") == utc("2026-11-24T12:00"))
        #expect(nextCron("0 12 * * ? *", after: "2026-12-31T13:00") == utc("2027-01-01T12:00"))
    }

    @Test func strictlyAfterAndWholeMinutes() {
        let cron = CronExpression("* * * * ? *")!
        #expect(cron.next(after: utc("2026-11-23T15:00")) == utc("2026-11-23T15:01"))
        #expect(cron.next(after: utc("2026-11-23T15:00").addingTimeInterval(59.9)) == utc("2026-11-23T15:01"))
    }

    @Test func increments() {
        #expect(nextCron("0/15 * * * ? *", after: "2026-11-23T15:16") == utc("2026-11-23T15:30"))
        #expect(nextCron("0/15 * * * ? *", after: "2026-11-23T15:45") == utc("2026-11-23T16:00"))
        #expect(nextCron("0 9-17/4 * * ? *", after: "2026-11-23T13:00") == utc("2026-11-23T17:00"))
    }

    @Test func weekdaysByName() {
        // 2026-11-21 is a Saturday.
        #expect(nextCron("30 9 ? * MON-FRI *", after: "2026-11-21T00:00") == utc("2026-11-23T09:30"))
        #expect(nextCron("0 0 ? * 1 *", after: "2026-11-23T00:00") == utc("2026-11-29T00:00"))
        #expect(nextCron("0 0 ? * L *", after: "2026-11-23T00:00") == utc("2026-11-28T00:00"))
    }

    @Test func lastDayOfMonth() {
        #expect(nextCron("0 0 L * ? *", after: "2026-11-23T00:00") == utc("2026-11-30T00:00"))
        #expect(nextCron("0 0 L * ? *", after: "2028-02-01T00:00") == utc("2028-02-29T00:00"))  // leap year
        #expect(nextCron("0 0 L * ? *", after: "2027-02-01T00:00") == utc("2027-02-28T00:00"))
        #expect(nextCron("0 0 L 2 ? *", after: "2100-01-01T00:00") == utc("2100-02-28T00:00"))  // not a leap year
    }

    @Test func nearestWeekday() {
        // 2026-11-15 is a Sunday: Monday the 16th. 2026-11-14 is a Saturday: Friday the 13th.
        #expect(nextCron("0 0 15W * ? *", after: "2026-11-01T00:00") == utc("2026-11-16T00:00"))
        #expect(nextCron("0 0 14W * ? *", after: "2026-11-01T00:00") == utc("2026-11-13T00:00"))
        #expect(nextCron("0 0 3W * ? *", after: "2026-11-01T00:00") == utc("2026-11-03T00:00"))
        // 2026-08-01 is a Saturday: 1W is Monday the 3rd, never July.
        #expect(nextCron("0 0 1W * ? *", after: "2026-07-31T00:00") == utc("2026-08-03T00:00"))
        // 2026-05-31 is a Sunday: 31W is Friday the 29th. 31W in a 30-day month is the 30th's weekday.
        #expect(nextCron("0 0 31W 5 ? *", after: "2026-01-01T00:00") == utc("2026-05-29T00:00"))
        // LW: the last weekday; 2026-10-31 is a Saturday.
        #expect(nextCron("0 0 LW * ? *", after: "2026-10-01T00:00") == utc("2026-10-30T00:00"))
    }

    @Test func nthAndLastWeekday() {
        // First Monday of December 2026 is the 7th; second Tuesday of November 2026 the 10th.
        #expect(nextCron("0 18 ? * MON#1 *", after: "2026-11-23T00:00") == utc("2026-12-07T18:00"))
        #expect(nextCron("0 0 ? * 3#2 *", after: "2026-11-01T00:00") == utc("2026-11-10T00:00"))
        // A fifth Friday: November and December 2026 have none; January 2027 does (the 29th).
        #expect(nextCron("0 0 ? * FRI#5 *", after: "2026-11-01T00:00") == utc("2027-01-29T00:00"))
        // Last Friday of November 2026 is the 27th.
        #expect(nextCron("15 10 ? * 6L *", after: "2026-11-01T00:00") == utc("2026-11-27T10:15"))
    }

    @Test func years() {
        #expect(nextCron("0 0 1 1 ? 2030", after: "2026-11-23T00:00") == utc("2030-01-01T00:00"))
        #expect(nextCron("0 0 1 1 ? 2020", after: "2026-11-23T00:00") == nil)
        #expect(nextCron("0 0 1 1 ? *", after: "2199-06-01T00:00") == nil)
        #expect(nextCron("0 0 29 2 ? 2026-2029", after: "2026-01-01T00:00") == utc("2028-02-29T00:00"))
    }

    @Test func dayOfMonthThatSomeMonthsLack() {
        #expect(nextCron("0 0 31 * ? *", after: "2026-11-01T00:00") == utc("2026-12-31T00:00"))
    }

    /// Cross-checks every-minute matching against Foundation's calendar over a year.
    @Test func agreesWithCalendarForWeekdays() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let cron = CronExpression("0 6 ? * TUE,SAT *")!
        var date = utc("2026-01-01T00:00")
        for _ in 0..<104 {
            let next = cron.next(after: date)!
            let parts = calendar.dateComponents([.weekday, .hour, .minute], from: next)
            #expect([3, 7].contains(parts.weekday!) && parts.hour == 6 && parts.minute == 0)
            #expect(next.timeIntervalSince(date) <= 4 * 86400)
            date = next
        }
    }
}
