import Foundation

/// A UTC instant to the second, read from and written in SigV4's date forms.
///
/// Parsing and formatting are done by hand, with no calendar or formatter, so
/// they are exact, locale-free and safe to use from any thread.
struct AmzDate: Sendable, Equatable, Comparable {
    /// Whole seconds since 1970-01-01T00:00:00Z.
    var secondsSince1970: Int64

    /// Wraps a count of seconds since 1970.
    init(secondsSince1970: Int64) {
        self.secondsSince1970 = secondsSince1970
    }

    /// Truncates a `Date` to the whole second at or before it.
    init(_ date: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        if seconds >= Double(Int64.max) {
            secondsSince1970 = Int64.max / 2
        } else if seconds <= Double(Int64.min) {
            secondsSince1970 = Int64.min / 2
        } else {
            secondsSince1970 = Int64(seconds)
        }
    }

    /// Parses SigV4's basic ISO 8601 form, `20150830T123600Z`, and nothing else.
    init?(basic text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 16, bytes[8] == UInt8(ascii: "T"), bytes[15] == UInt8(ascii: "Z") else { return nil }
        guard let year = Self.number(bytes[0..<4]),
            let month = Self.number(bytes[4..<6]),
            let day = Self.number(bytes[6..<8]),
            let hour = Self.number(bytes[9..<11]),
            let minute = Self.number(bytes[11..<13]),
            let second = Self.number(bytes[13..<15])
        else { return nil }
        self.init(year: year, month: month, day: day, hour: hour, minute: minute, second: second, offsetSeconds: 0)
    }

    /// Parses an HTTP `Date` header value.
    ///
    /// Accepts RFC 1123 / RFC 2822 (`Sun, 30 Aug 2015 12:36:00 GMT`, or with a
    /// numeric zone such as `-0000`, which is what botocore sends), RFC 850
    /// (`Sunday, 30-Aug-15 12:36:00 GMT`) and asctime (`Sun Aug 30 12:36:00 2015`).
    init?(httpDate text: String) {
        var tokens = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        if let first = tokens.first, first.count >= 3, Self.month(first) == nil, first.allSatisfy(\.isLetter) {
            tokens.removeFirst()  // weekday
        }
        guard let first = tokens.first else { return nil }
        let day: Int
        let month: Int
        var year: Int
        let time: String
        var zone = "GMT"
        if Self.month(first) != nil {
            // asctime: Mon d HH:MM:SS yyyy
            guard tokens.count == 4, let m = Self.month(tokens[0]), let d = Int(tokens[1]), let y = Int(tokens[3])
            else { return nil }
            (day, month, year, time) = (d, m, y, tokens[2])
        } else if first.contains("-") {
            // RFC 850: dd-Mon-yy HH:MM:SS zone
            let parts = first.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3, tokens.count == 3, let d = Int(parts[0]), let m = Self.month(parts[1]),
                let y = Int(parts[2])
            else { return nil }
            (day, month, year, time, zone) = (d, m, y, tokens[1], tokens[2])
        } else {
            // RFC 1123 / 2822: d Mon yyyy HH:MM[:SS] zone
            guard tokens.count == 5, let d = Int(tokens[0]), let m = Self.month(tokens[1]), let y = Int(tokens[2])
            else { return nil }
            (day, month, year, time, zone) = (d, m, y, tokens[3], tokens[4])
        }
        if year < 100 {
            year += year < 50 ? 2000 : 1900
        }
        let clock = time.split(separator: ":", omittingEmptySubsequences: false).compactMap { Int($0) }
        guard clock.count == 2 || clock.count == 3,
            clock.count == time.split(separator: ":", omittingEmptySubsequences: false).count,
            let offset = Self.zoneOffset(zone)
        else { return nil }
        self.init(
            year: year, month: month, day: day,
            hour: clock[0], minute: clock[1], second: clock.count == 3 ? clock[2] : 0,
            offsetSeconds: offset
        )
    }

    /// Builds an instant from calendar fields, rejecting impossible ones.
    private init?(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, offsetSeconds: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...Self.daysIn(month: month, year: year)).contains(day),
            (0...23).contains(hour), (0...59).contains(minute), (0...59).contains(second)
        else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let local = days * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        self.init(secondsSince1970: local - Int64(offsetSeconds))
    }

    /// The basic ISO 8601 form, `20150830T123600Z`.
    var basic: String {
        let (year, month, day) = Self.civilFromDays(floorDivide(secondsSince1970, 86_400))
        let secondOfDay = Int(secondsSince1970 - floorDivide(secondsSince1970, 86_400) * 86_400)
        return Self.pad(year, 4) + Self.pad(month, 2) + Self.pad(day, 2) + "T"
            + Self.pad(secondOfDay / 3600, 2) + Self.pad(secondOfDay / 60 % 60, 2) + Self.pad(secondOfDay % 60, 2) + "Z"
    }

    /// This instant moved by a number of seconds.
    func adding(seconds: Int64) -> AmzDate {
        let (sum, overflow) = secondsSince1970.addingReportingOverflow(seconds)
        return AmzDate(secondsSince1970: overflow ? (seconds > 0 ? Int64.max : Int64.min) : sum)
    }

    static func < (lhs: AmzDate, rhs: AmzDate) -> Bool {
        lhs.secondsSince1970 < rhs.secondsSince1970
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, after Howard Hinnant)

    /// Days since 1970-01-01 of a calendar date.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date of a count of days since 1970-01-01.
    private static func civilFromDays(_ days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // MARK: - Text helpers

    private static let monthNames = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]

    /// The month number (1...12) of an English month name or its three-letter abbreviation.
    private static func month(_ name: String) -> Int? {
        let lower = name.lowercased()
        guard lower.count >= 3 else { return nil }
        guard let index = monthNames.firstIndex(of: String(lower.prefix(3))) else { return nil }
        return index + 1
    }

    /// Seconds east of UTC for `GMT`, `UT`, `UTC`, `Z` or `±hhmm`.
    private static func zoneOffset(_ zone: String) -> Int? {
        switch zone.uppercased() {
        case "GMT", "UT", "UTC", "Z": return 0
        default: break
        }
        let bytes = Array(zone.utf8)
        guard bytes.count == 5, bytes[0] == UInt8(ascii: "+") || bytes[0] == UInt8(ascii: "-"),
            let hours = number(bytes[1..<3]), let minutes = number(bytes[3..<5]), minutes < 60
        else { return nil }
        let magnitude = hours * 3600 + minutes * 60
        return bytes[0] == UInt8(ascii: "-") ? -magnitude : magnitude
    }

    /// The value of a run of ASCII digits; `nil` if any byte is not a digit.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int? {
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return digits.isEmpty ? nil : value
    }

    /// A non-negative number left-padded with zeros to `width` digits.
    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Division rounding toward negative infinity.
private func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
}
