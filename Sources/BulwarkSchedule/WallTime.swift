/// A time on a wall clock, with no time zone: what a trigger's pattern describes before
/// its zone says which instant it is. Arithmetic is on the proleptic Gregorian calendar
/// (days from 1970-01-01 by Howard Hinnant's civil algorithms), so expanding a pattern
/// needs no Foundation calendar and gives the same answer on every machine.
public struct WallTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int  // 1...12
    public var day: Int    // 1...31
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// The wall time `seconds` after 1970-01-01T00:00:00.
    public init(secondsSinceEpoch seconds: Int64) {
        let days = Int(seconds.floorDiv(86_400))
        let rest = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = WallTime.civil(days)
        self.init(y, m, d, rest / 3600, rest / 60 % 60, rest % 60)
    }

    /// Seconds after 1970-01-01T00:00:00 on the same wall clock.
    public var secondsSinceEpoch: Int64 {
        Int64(WallTime.days(year, month, day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    /// Days after 1970-01-01 of this date.
    public var dayNumber: Int { WallTime.days(year, month, day) }

    /// 0 = Monday ... 6 = Sunday (iCalendar's and Python's order).
    public var weekday: Int { WallTime.weekday(dayNumber) }

    public static func weekday(_ dayNumber: Int) -> Int { ((dayNumber % 7) + 7 + 3) % 7 }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(_ year: Int, _ month: Int) -> Int {
        [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    }

    /// Days from 1970-01-01 to y-m-d.
    public static func days(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y - 1 : y
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    public static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// The same time of day, `n` days later.
    public func addingDays(_ n: Int) -> WallTime {
        let (y, m, d) = WallTime.civil(dayNumber + n)
        return WallTime(y, m, d, hour, minute, second)
    }

    public static func < (a: WallTime, b: WallTime) -> Bool { a.secondsSinceEpoch < b.secondsSinceEpoch }

    /// `YYYY-MM-DDTHH:MM:SS`.
    public var description: String {
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-\(two(month))-\(two(day))T\(two(hour)):\(two(minute)):\(two(second))"
    }

    /// Parses `YYYY-MM-DD[ T]HH:MM[:SS]` or `YYYY-MM-DD`; nil when it is not a real time.
    public init?(parsing text: String) {
        let s = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= s.count else { return nil }
            var v = 0
            for b in s[from..<from + count] {
                guard (48...57).contains(b) else { return nil }
                v = v * 10 + Int(b - 48)
            }
            return v
        }
        guard s.count >= 10, s[4] == UInt8(ascii: "-"), s[7] == UInt8(ascii: "-"),
              let y = number(0, 4), let m = number(5, 2), let d = number(8, 2) else { return nil }
        var h = 0, mi = 0, sec = 0
        if s.count > 10 {
            guard s.count == 16 || s.count == 19, s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: " "),
                  s[13] == UInt8(ascii: ":"), let hh = number(11, 2), let mm = number(14, 2) else { return nil }
            h = hh
            mi = mm
            if s.count == 19 {
                guard s[16] == UInt8(ascii: ":"), let ss = number(17, 2) else { return nil }
                sec = ss
            }
        }
        guard (1...12).contains(m), (1...WallTime.daysIn(y, m)).contains(d), h < 24, mi < 60, sec < 60 else { return nil }
        self.init(y, m, d, h, mi, sec)
    }
}

extension Int64 {
    func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
