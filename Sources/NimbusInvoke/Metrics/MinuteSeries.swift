import Foundation
import NimbusCore

/// One function's activity for the last 24 hours, one bucket per minute.
///
/// A ring of 1440 buckets indexed by epoch minute modulo 1440: a bucket whose minute is
/// not the one being written is stale (a day old or more) and starts over. Nothing is
/// stored for minutes without activity, and nothing survives a restart: this feeds the
/// console's graphs; Prometheus keeps the long history.
struct MinuteSeries {
    static let minutes = 1440

    struct Bucket {
        /// Epoch minute this bucket holds; -1 for never written.
        var minute = -1
        var invocations = 0
        var errors = 0
        var throttles = 0
        var coldStarts = 0
        var maxConcurrency = 0
        /// Invocation durations (``DurationBuckets``); empty until the first one.
        var durations: [UInt32] = []
    }

    private(set) var buckets = [Bucket](repeating: Bucket(), count: minutes)

    /// The bucket of `minute`, reset first when it still holds an older minute.
    private mutating func withBucket(_ minute: Int, _ body: (inout Bucket) -> Void) {
        let slot = minute % Self.minutes
        if buckets[slot].minute != minute {
            buckets[slot] = Bucket(minute: minute)
        }
        body(&buckets[slot])
    }

    /// An invocation that ran (successfully or with a function error).
    mutating func recordInvocation(minute: Int, durationMs: Double, error: Bool, coldStart: Bool, concurrency: Int) {
        withBucket(minute) { bucket in
            bucket.invocations += 1
            if error { bucket.errors += 1 }
            if coldStart { bucket.coldStarts += 1 }
            bucket.maxConcurrency = max(bucket.maxConcurrency, concurrency)
            if bucket.durations.isEmpty { bucket.durations = [UInt32](repeating: 0, count: DurationBuckets.count) }
            bucket.durations[DurationBuckets.index(ms: durationMs)] &+= 1
        }
    }

    mutating func recordThrottle(minute: Int) {
        withBucket(minute) { $0.throttles += 1 }
    }

    /// Points of `step` minutes covering the last `window` minutes up to and including
    /// `nowMinute`, oldest first. Steps are aligned to multiples of `step` since the epoch.
    func series(nowMinute: Int, windowMinutes: Int, stepMinutes: Int) -> [MetricPoint] {
        let step = max(1, stepMinutes)
        let window = min(max(windowMinutes, step), Self.minutes)
        let count = max(1, window / step)
        let lastStart = nowMinute - nowMinute % step
        let oldestMinute = nowMinute - Self.minutes + 1
        return (0..<count).map { offset in
            let start = lastStart - (count - 1 - offset) * step
            var point = MetricPoint(time: Date(timeIntervalSince1970: Double(start * 60)))
            var durations = [UInt32](repeating: 0, count: DurationBuckets.count)
            for minute in start..<(start + step) where minute >= oldestMinute && minute <= nowMinute {
                let bucket = buckets[minute % Self.minutes]
                guard bucket.minute == minute else { continue }
                point.invocations += bucket.invocations
                point.errors += bucket.errors
                point.throttles += bucket.throttles
                point.coldStarts += bucket.coldStarts
                point.maxConcurrency = max(point.maxConcurrency, bucket.maxConcurrency)
                for (index, value) in bucket.durations.enumerated() { durations[index] &+= value }
            }
            point.durationP50Ms = DurationBuckets.quantile(0.5, of: durations)
            point.durationP99Ms = DurationBuckets.quantile(0.99, of: durations)
            return point
        }
    }
}
