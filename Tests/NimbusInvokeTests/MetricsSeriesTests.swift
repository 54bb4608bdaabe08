import Foundation
import Testing
@testable import NimbusInvoke

@Suite struct DurationBucketsTests {
    @Test func indexesDoubleEveryFourBuckets() {
        #expect(DurationBuckets.index(ms: 0) == 0)
        #expect(DurationBuckets.index(ms: 0.1) == 0)
        #expect(DurationBuckets.index(ms: 0.2) == 4)
        #expect(DurationBuckets.index(ms: 0.4) == 8)
        #expect(DurationBuckets.index(ms: 100) == 39)  // 0.1 × 2^(39/4) ≈ 86.0, 2^(40/4) = 102.4
        #expect(DurationBuckets.index(ms: 1e12) == DurationBuckets.count - 1)
        // 15 minutes still has its own bucket, below the last.
        #expect(DurationBuckets.index(ms: 900_000) < DurationBuckets.count - 1)
    }

    @Test func aBucketsValueIsWithinTenPercentOfWhatFellInIt() {
        for ms in [0.15, 1.0, 3.3, 47.0, 999.0, 12_345.0, 899_000.0] {
            let back = DurationBuckets.value(index: DurationBuckets.index(ms: ms))
            #expect(abs(back - ms) / ms < 0.1, "\(ms) came back as \(back)")
        }
    }

    @Test func quantilesUseTheNearestRank() {
        var histogram = [UInt32](repeating: 0, count: DurationBuckets.count)
        #expect(DurationBuckets.quantile(0.5, of: histogram) == nil)
        // 98 fast invocations at 1 ms, 2 slow ones at 1000 ms.
        histogram[DurationBuckets.index(ms: 1)] = 98
        histogram[DurationBuckets.index(ms: 1000)] = 2
        let p50 = DurationBuckets.quantile(0.5, of: histogram)!
        let p99 = DurationBuckets.quantile(0.99, of: histogram)!
        #expect(abs(p50 - 1) < 0.1)
        #expect(abs(p99 - 1000) < 100)
        // 99 of 100 at 1 ms: the 99th percentile is still fast.
        histogram[DurationBuckets.index(ms: 1)] = 99
        histogram[DurationBuckets.index(ms: 1000)] = 1
        #expect(abs(DurationBuckets.quantile(0.99, of: histogram)! - 1) < 0.1)
    }
}

@Suite struct MinuteSeriesTests {
    /// An epoch minute that is a multiple of 60 (a whole hour).
    let hour = 29_000_000 - 29_000_000 % 60

    @Test func pointsAreAlignedOldestFirstAndSummedPerStep() {
        var series = MinuteSeries()
        series.recordInvocation(minute: hour, durationMs: 2, error: false, coldStart: true, concurrency: 1)
        series.recordInvocation(minute: hour + 1, durationMs: 4, error: true, coldStart: false, concurrency: 3)
        series.recordThrottle(minute: hour + 1)
        series.recordInvocation(minute: hour + 5, durationMs: 8, error: false, coldStart: false, concurrency: 2)

        let minutes = series.series(nowMinute: hour + 5, windowMinutes: 10, stepMinutes: 1)
        #expect(minutes.count == 10)
        #expect(minutes.first?.time == Date(timeIntervalSince1970: Double((hour - 4) * 60)))
        #expect(minutes.last?.time == Date(timeIntervalSince1970: Double((hour + 5) * 60)))
        #expect(minutes.map(\.invocations) == [0, 0, 0, 0, 1, 1, 0, 0, 0, 1])
        #expect(minutes[5].errors == 1 && minutes[5].throttles == 1 && minutes[5].maxConcurrency == 3)
        #expect(minutes[4].coldStarts == 1)
        #expect(minutes[0].durationP50Ms == nil)

        // Five-minute steps: [hour-5, hour) [hour, hour+5) [hour+5, hour+10).
        let fives = series.series(nowMinute: hour + 5, windowMinutes: 15, stepMinutes: 5)
        #expect(fives.map(\.time) == [hour - 5, hour, hour + 5].map { Date(timeIntervalSince1970: Double($0 * 60)) })
        #expect(fives.map(\.invocations) == [0, 2, 1])
        #expect(fives[1].errors == 1 && fives[1].throttles == 1 && fives[1].coldStarts == 1 && fives[1].maxConcurrency == 3)
        let p50 = fives[1].durationP50Ms!, p99 = fives[1].durationP99Ms!
        #expect(abs(p50 - 2) / 2 < 0.1 && abs(p99 - 4) / 4 < 0.1)
    }

    @Test func aDayOldBucketIsForgottenAndReused() {
        var series = MinuteSeries()
        series.recordInvocation(minute: hour, durationMs: 1, error: false, coldStart: false, concurrency: 1)
        // The same slot, one day later: the old minute is dropped, not added to.
        series.recordInvocation(minute: hour + 1440, durationMs: 1, error: true, coldStart: false, concurrency: 1)
        let day = series.series(nowMinute: hour + 1440, windowMinutes: 1440, stepMinutes: 60)
        #expect(day.count == 24)
        #expect(day.reduce(0) { $0 + $1.invocations } == 1)
        #expect(day.last?.errors == 1)
        // Without writes, a minute older than a day is not reported even though its slot still holds it.
        var quiet = MinuteSeries()
        quiet.recordInvocation(minute: hour, durationMs: 1, error: false, coldStart: false, concurrency: 1)
        #expect(quiet.series(nowMinute: hour + 1440, windowMinutes: 1440, stepMinutes: 1).reduce(0) { $0 + $1.invocations } == 0)
        #expect(quiet.series(nowMinute: hour + 1439, windowMinutes: 1440, stepMinutes: 1).reduce(0) { $0 + $1.invocations } == 1)
    }

    @Test func theWindowIsCappedAtADay() {
        let series = MinuteSeries()
        #expect(series.series(nowMinute: hour, windowMinutes: 10 * 1440, stepMinutes: 60).count == 24)
    }
}
