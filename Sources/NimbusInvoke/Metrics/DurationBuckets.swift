import Foundation

/// Fixed logarithmic duration buckets for per-minute percentiles: four per doubling from
/// 0.1 ms, so a percentile read back is within about 9% of the true value, and a bucket
/// array is small enough to keep one per minute for a day.
public enum DurationBuckets {
    /// The lower bound of bucket 0, in milliseconds.
    static let floorMs = 0.1
    static let perDoubling = 4.0
    /// Up to 15 minutes (900,000 ms), Lambda's longest timeout, and a little more.
    public static let count = 96

    /// The bucket a duration falls in (below 0.1 ms: 0; beyond the last: the last).
    public static func index(ms: Double) -> Int {
        guard ms > floorMs else { return 0 }
        let position = Int((log2(ms / floorMs) * perDoubling).rounded(.down))
        return min(position, count - 1)
    }

    /// The value a bucket stands for: its geometric middle.
    public static func value(index: Int) -> Double {
        floorMs * pow(2, (Double(index) + 0.5) / perDoubling)
    }

    /// The `quantile` (0...1) of a histogram, or nil when it is empty.
    public static func quantile(_ quantile: Double, of histogram: [UInt32]) -> Double? {
        let total = histogram.reduce(0) { $0 + Int($1) }
        guard total > 0 else { return nil }
        // The rank of the wanted observation, 1-based (nearest-rank method).
        let rank = max(1, Int((quantile * Double(total)).rounded(.up)))
        var seen = 0
        for (index, count) in histogram.enumerated() {
            seen += Int(count)
            if seen >= rank { return value(index: index) }
        }
        return value(index: histogram.count - 1)
    }
}
