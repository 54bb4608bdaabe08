import Foundation

/// Dates in the formats Lambda uses on the wire.
public enum AWSDate {
    /// `2026-11-23T10:15:00.000+0000`, the format of `LastModified`.
    public static func lastModified(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = millis / 1000
        let c = civil(seconds)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03d+0000",
            c.year, c.month, c.day, c.hour, c.minute, c.second, Int(millis % 1000)
        )
    }

    /// `2019-11-14T18:16:05.568Z`, the `timestamp` of an asynchronous invocation record.
    public static func invocationRecord(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let c = civil(millis / 1000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            c.year, c.month, c.day, c.hour, c.minute, c.second, Int(millis % 1000)
        )
    }

    /// `YYYY/MM/DD`, the date prefix of a log stream name (UTC).
    public static func logStreamDay(_ date: Date) -> String {
        let c = civil(Int64(date.timeIntervalSince1970))
        return String(format: "%04d/%02d/%02d", c.year, c.month, c.day)
    }

    /// Converts Unix seconds to UTC calendar fields without a locale-dependent formatter.
    static func civil(_ seconds: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondsOfDay = Int(seconds - days * 86400)
        // Howard Hinnant's days-from-civil inverse.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = Int(doy - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yoe + era * 400) + (month <= 2 ? 1 : 0)
        return (year, month, day, secondsOfDay / 3600, (secondsOfDay % 3600) / 60, secondsOfDay % 60)
    }
}
