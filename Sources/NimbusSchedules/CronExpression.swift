import Foundation

/// AWS's cron: `Minutes Hours Day-of-month Month Day-of-week Year`, in UTC.
///
/// Exactly one of day-of-month and day-of-week is `?`. Day-of-month also takes `L` (last
/// day), `LW` (last weekday) and `nW` (the weekday nearest day n, within the month);
/// day-of-week (1 = SUN … 7 = SAT) takes `L` (Saturday), `dL` (the month's last d) and `d#n`
/// (the month's nth d). Months and weekdays also take their names (JAN, SUN).
public struct CronExpression: Sendable, Equatable {
    public enum Days: Sendable, Equatable {
        /// Day-of-month is `?`: day-of-week decides.
        case any
        case values(Set<Int>)
        case lastDayOfMonth
        case lastWeekdayOfMonth
        case nearestWeekday(Int)
        /// Day-of-week `dL`: the last weekday d of the month.
        case lastOfWeekday(Int)
        /// Day-of-week `d#n`.
        case nthWeekday(Int, Int)
    }

    public var minutes: Set<Int>
    public var hours: Set<Int>
    public var dayOfMonth: Days
    public var months: Set<Int>
    public var dayOfWeek: Days
    public var years: Set<Int>

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
    static let lastYear = 2199

    public init?(_ text: String) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 6,
              let minutes = Self.values(fields[0], 0...59),
              let hours = Self.values(fields[1], 0...23),
              let months = Self.values(fields[3], 1...12, names: Self.monthNames),
              let years = Self.values(fields[5], 1970...Self.lastYear) else { return nil }
        // Exactly one of the day fields is `?`.
        guard (fields[2] == "?") != (fields[4] == "?") else { return nil }
        guard let dayOfMonth = Self.dayOfMonth(fields[2]), let dayOfWeek = Self.dayOfWeek(fields[4]) else { return nil }
        self.minutes = minutes
        self.hours = hours
        self.dayOfMonth = dayOfMonth
        self.months = months
        self.dayOfWeek = dayOfWeek
        self.years = years
    }

    // MARK: Parsing

    /// A field of `*`, values, ranges (`a-b`), increments (`a/n`, `*/n`, `a-b/n`) and lists.
    static func values(_ field: String, _ range: ClosedRange<Int>, names: [String] = []) -> Set<Int>? {
        var result = Set<Int>()
        for item in field.split(separator: ",", omittingEmptySubsequences: false) {
            let parts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { return nil }
            var step = 1
            if parts.count == 2 {
                guard let value = number(parts[1], 1...max(range.upperBound, 1), names: []) else { return nil }
                step = value
            }
            let base = parts[0]
            let bounds: (Int, Int)
            if base == "*" {
                bounds = (range.lowerBound, range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                guard let a = number(base[..<dash], range, names: names),
                      let b = number(base[base.index(after: dash)...], range, names: names), a <= b else { return nil }
                bounds = (a, b)
            } else {
                guard let a = number(base, range, names: names) else { return nil }
                // `a/n` runs to the field's end.
                bounds = (a, parts.count == 2 ? range.upperBound : a)
            }
            let (low, high) = bounds
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result.isEmpty ? nil : result
    }

    static func number(_ text: Substring, _ range: ClosedRange<Int>, names: [String]) -> Int? {
        if let index = names.firstIndex(of: text.uppercased()) { return index + range.lowerBound }
        guard !text.isEmpty, text.count <= 4, text.allSatisfy(\.isASCIIDigit), let value = Int(text), range.contains(value) else {
            return nil
        }
        return value
    }

    static func dayOfMonth(_ field: String) -> Days? {
        switch field {
        case "?": return .any
        case "L": return .lastDayOfMonth
        case "LW": return .lastWeekdayOfMonth
        default:
            if field.hasSuffix("W") {
                guard let day = number(field.dropLast(), 1...31, names: []) else { return nil }
                return .nearestWeekday(day)
            }
            return values(field, 1...31).map { .values($0) }
        }
    }

    static func dayOfWeek(_ field: String) -> Days? {
        switch field {
        case "?": return .any
        case "L": return .values([7])
        default:
            if field.hasSuffix("L") {
                guard let day = number(field.dropLast(), 1...7, names: dayNames) else { return nil }
                return .lastOfWeekday(day)
            }
            if let hash = field.firstIndex(of: "#") {
                guard let day = number(field[..<hash], 1...7, names: dayNames),
                      let nth = number(field[field.index(after: hash)...], 1...5, names: []) else { return nil }
                return .nthWeekday(day, nth)
            }
            return values(field, 1...7, names: dayNames).map { .values($0) }
        }
    }

    // MARK: Next firing

    /// The first whole minute strictly after `date` that matches; nil after year 2199.
    public func next(after date: Date) -> Date? {
        let minute = Int64((date.timeIntervalSince1970 / 60).rounded(.down)) + 1
        var days = minute >= 0 ? minute / 1440 : (minute - 1439) / 1440
        var minuteOfDay = Int(minute - days * 1440)
        while true {
            let (year, month, day) = CivilDate.civil(fromDays: days)
            if year > Self.lastYear { return nil }
            if !years.contains(year) {
                days = CivilDate.days(year: year + 1, month: 1, day: 1)
                minuteOfDay = 0
                continue
            }
            if !months.contains(month) {
                days = month == 12 ? CivilDate.days(year: year + 1, month: 1, day: 1) : CivilDate.days(year: year, month: month + 1, day: 1)
                minuteOfDay = 0
                continue
            }
            if matchesDay(year: year, month: month, day: day, days: days),
               let found = firstTime(from: minuteOfDay) {
                return Date(timeIntervalSince1970: TimeInterval((days * 1440 + Int64(found)) * 60))
            }
            days += 1
            minuteOfDay = 0
        }
    }

    /// The first matching minute of the day at or after `minuteOfDay`.
    private func firstTime(from minuteOfDay: Int) -> Int? {
        for hour in hours.sorted() where hour >= minuteOfDay / 60 {
            let from = hour == minuteOfDay / 60 ? minuteOfDay % 60 : 0
            if let minute = minutes.sorted().first(where: { $0 >= from }) { return hour * 60 + minute }
        }
        return nil
    }

    func matchesDay(year: Int, month: Int, day: Int, days: Int64) -> Bool {
        let length = CivilDate.daysInMonth(year: year, month: month)
        let weekday = CivilDate.weekday(days: days)  // 1 = SUN
        switch dayOfMonth {
        case .any: break
        case .values(let set): return set.contains(day)
        case .lastDayOfMonth: return day == length
        case .lastWeekdayOfMonth: return day == CivilDate.nearestWeekday(to: length, year: year, month: month)
        case .nearestWeekday(let target): return day == CivilDate.nearestWeekday(to: min(target, length), year: year, month: month)
        default: return false
        }
        switch dayOfWeek {
        case .values(let set): return set.contains(weekday)
        case .lastOfWeekday(let target): return weekday == target && day + 7 > length
        case .nthWeekday(let target, let nth): return weekday == target && (day - 1) / 7 + 1 == nth
        default: return false
        }
    }
}

/// Proleptic Gregorian calendar arithmetic in UTC (days since 1970-01-01).
enum CivilDate {
    /// Howard Hinnant's days_from_civil.
    static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        let next = month == 12 ? days(year: year + 1, month: 1, day: 1) : days(year: year, month: month + 1, day: 1)
        return Int(next - days(year: year, month: month, day: 1))
    }

    /// 1 = Sunday … 7 = Saturday (1970-01-01 was a Thursday).
    static func weekday(days: Int64) -> Int {
        Int(((days + 4) % 7 + 7) % 7) + 1
    }

    /// Quartz's `nW`: the weekday nearest day `target`, never leaving the month.
    static func nearestWeekday(to target: Int, year: Int, month: Int) -> Int {
        let length = daysInMonth(year: year, month: month)
        switch weekday(days: days(year: year, month: month, day: target)) {
        case 7: return target == 1 ? 3 : target - 1  // Saturday: Friday, or Monday the 3rd
        case 1: return target == length ? target - 2 : target + 1  // Sunday: Monday, or Friday
        default: return target
        }
    }
}
