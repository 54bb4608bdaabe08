import Foundation

extension AWSDate {
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `12/Mar/2020:19:03:58 +0000`: `requestContext.time` in a function URL's event.
    public static func accessLogTime(_ date: Date) -> String {
        let c = civil(Int64(date.timeIntervalSince1970.rounded(.down)))
        return String(format: "%02d/", c.day) + months[c.month - 1]
            + String(format: "/%04d:%02d:%02d:%02d +0000", c.year, c.hour, c.minute, c.second)
    }

    /// `2021-10-27T19:39:36.123456Z`: `CreationTime` and `LastModifiedTime` of a function URL.
    public static func microsecondsISO8601(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let seconds = micros >= 0 ? micros / 1_000_000 : (micros - 999_999) / 1_000_000
        let c = civil(seconds)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
            c.year, c.month, c.day, c.hour, c.minute, c.second, Int(micros - seconds * 1_000_000)
        )
    }
}
