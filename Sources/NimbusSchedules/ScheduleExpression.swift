import Foundation

/// An EventBridge schedule expression: `rate(N unit)` or AWS's six-field `cron(...)`, in UTC.
///
/// Parsing is AWS's validation (anything refused is `Parameter ScheduleExpression is not
/// valid.`); ``next(after:)`` is the first firing strictly after a time.
public enum ScheduleExpression: Sendable, Equatable {
    /// A fixed period in seconds, counted from the rule's anchor (when its schedule started).
    case rate(seconds: Int64)
    case cron(CronExpression)

    public init?(_ text: String) {
        if text.hasPrefix("rate("), text.hasSuffix(")") {
            guard let seconds = Self.rate(String(text.dropFirst(5).dropLast())) else { return nil }
            self = .rate(seconds: seconds)
        } else if text.hasPrefix("cron("), text.hasSuffix(")") {
            guard let cron = CronExpression(String(text.dropFirst(5).dropLast())) else { return nil }
            self = .cron(cron)
        } else {
            return nil
        }
    }

    /// `N unit`: the unit is singular exactly when N is 1, as AWS requires.
    private static func rate(_ body: String) -> Int64? {
        let parts = body.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit),
              let value = Int64(parts[0]), value >= 1, value <= 1_000_000_000 else { return nil }
        let units: [String: Int64] = ["minute": 60, "hour": 3600, "day": 86400]
        let unit = String(parts[1])
        let singular = value == 1 ? unit : (unit.hasSuffix("s") ? String(unit.dropLast()) : "")
        guard let size = units[singular], (value == 1) == !unit.hasSuffix("s") else { return nil }
        return value * size
    }

    /// The first firing strictly after `date`. A rate fires at `anchor + k·period` (k ≥ 1);
    /// nil when a cron has no firing left (its years are past).
    public func next(after date: Date, anchor: Date) -> Date? {
        switch self {
        case .rate(let period):
            let start = Int64(anchor.timeIntervalSince1970.rounded(.down))
            let now = Int64(date.timeIntervalSince1970.rounded(.down))
            let k = max(1, (now - start) / period + 1)
            return Date(timeIntervalSince1970: TimeInterval(start + k * period))
        case .cron(let cron):
            return cron.next(after: date)
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
