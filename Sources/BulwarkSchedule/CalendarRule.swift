/// An RFC 5545 recurrence: `DTSTART` and `RRULE` with FREQ, INTERVAL, COUNT, UNTIL, BYDAY
/// (with ordinals such as `1MO` or `-1FR`), BYMONTHDAY, BYMONTH, BYHOUR, BYMINUTE,
/// BYSECOND, BYSETPOS and WKST. Given as Karbor took it (`BEGIN:VEVENT`, `RRULE:...`,
/// `END:VEVENT` lines), as bare `RRULE:` / `DTSTART:` lines, or as the rule alone
/// (`FREQ=DAILY;BYHOUR=2`). Expanded on the wall clock in the order the RFC gives (and
/// python-dateutil's rrule follows): each period of the frequency, its days and times by
/// the BY parts, then BYSETPOS, then DTSTART, UNTIL and COUNT.
public struct CalendarRule: Sendable, Hashable {
    public enum Frequency: Int, Sendable, CaseIterable {
        case yearly = 0, monthly, weekly, daily, hourly, minutely, secondly
        static let names = ["YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY"]
    }

    public struct Weekday: Sendable, Hashable {
        /// 0 = Monday ... 6 = Sunday.
        public var day: Int
        /// The nth of the month or year (negative: from the end); nil for every one.
        public var nth: Int?
    }

    public var frequency: Frequency
    public var interval = 1
    public var count: Int?
    /// UNTIL on the wall clock, or as an instant (seconds since the epoch) when it ends in Z.
    public var until: WallTime?
    public var untilInstant: Int64?
    public var byMonth: [Int] = []
    public var byMonthDay: [Int] = []
    public var byDay: [Weekday] = []
    public var byHour: [Int] = []
    public var byMinute: [Int] = []
    public var bySecond: [Int] = []
    public var bySetPos: [Int] = []
    public var weekStart = 0
    /// DTSTART from the text, if it had one (else the trigger's start time is used).
    public var start: WallTime?

    static let dayNames = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]

    public init(_ text: String) throws(PatternError) {
        var rule: String?
        var start: WallTime?
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        for line in lines {
            let upper = line.uppercased()
            if upper == "BEGIN:VEVENT" || upper == "END:VEVENT" || upper == "BEGIN:VCALENDAR" || upper == "END:VCALENDAR" { continue }
            if upper.hasPrefix("RRULE:") {
                guard rule == nil else { throw PatternError("more than one RRULE (one is supported)") }
                rule = String(line.dropFirst(6))
            } else if upper.hasPrefix("DTSTART") {
                guard let colon = line.firstIndex(of: ":") else { throw PatternError("DTSTART has no value") }
                let params = line[line.startIndex..<colon].uppercased()
                if params.contains("TZID") { throw PatternError("DTSTART;TZID is not supported: give the trigger's timezone instead") }
                let value = String(line[line.index(after: colon)...])
                guard let t = Self.dateTime(value) else { throw PatternError("DTSTART \(value) is not a date-time (YYYYMMDDTHHMMSS)") }
                if t.utc { throw PatternError("DTSTART \(value) is in UTC (Z); give it on the wall clock and set the trigger's timezone") }
                start = t.wall
            } else if upper.hasPrefix("FREQ=") && lines.count == 1 {
                rule = line
            } else {
                throw PatternError("unsupported line \"\(line)\"; a calendar pattern has DTSTART and RRULE lines")
            }
        }
        guard let rule else { throw PatternError("no RRULE in the calendar pattern") }
        self.start = start
        var frequency: Frequency?
        var seen = Set<String>()
        for part in rule.split(separator: ";") where !String(part).trimmingSpaces.isEmpty {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
            guard pieces.count == 2, !pieces[1].isEmpty else { throw PatternError("RRULE part \"\(part)\" is not NAME=VALUE") }
            let (name, value) = (pieces[0].uppercased(), pieces[1].uppercased())
            guard seen.insert(name).inserted else { throw PatternError("RRULE gives \(name) twice") }
            func ints(_ range: ClosedRange<Int>, allowNegative: Bool = false) throws(PatternError) -> [Int] {
                var out: [Int] = []
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    guard let n = Int(item), range.contains(n) || (allowNegative && range.contains(-n)), n != 0 || range.lowerBound == 0 else {
                        throw PatternError("\(name)=\(value): \"\(item)\" is not in \(allowNegative ? "±" : "")\(range.lowerBound)...\(range.upperBound)")
                    }
                    out.append(n)
                }
                return out
            }
            switch name {
            case "FREQ":
                guard let i = Frequency.names.firstIndex(of: value) else {
                    throw PatternError("FREQ=\(value) is not one of \(Frequency.names.joined(separator: ", "))")
                }
                frequency = Frequency(rawValue: i)
            case "INTERVAL":
                guard let n = Int(value), n >= 1 else { throw PatternError("INTERVAL=\(value) must be a whole number of at least 1") }
                interval = n
            case "COUNT":
                guard let n = Int(value), n >= 1 else { throw PatternError("COUNT=\(value) must be a whole number of at least 1") }
                count = n
            case "UNTIL":
                guard let t = Self.dateTime(value) else { throw PatternError("UNTIL=\(value) is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS[Z])") }
                if t.utc { untilInstant = t.wall.secondsSinceEpoch } else { until = t.wall }
            case "BYMONTH": byMonth = try ints(1...12)
            case "BYMONTHDAY": byMonthDay = try ints(1...31, allowNegative: true)
            case "BYHOUR": byHour = try ints(0...23)
            case "BYMINUTE": byMinute = try ints(0...59)
            case "BYSECOND": bySecond = try ints(0...59)
            case "BYSETPOS": bySetPos = try ints(1...366, allowNegative: true)
            case "WKST":
                guard let i = Self.dayNames.firstIndex(of: value) else { throw PatternError("WKST=\(value) is not one of \(Self.dayNames.joined(separator: ","))") }
                weekStart = i
            case "BYDAY":
                for item in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let code = String(item.suffix(2))
                    guard let d = Self.dayNames.firstIndex(of: code) else {
                        throw PatternError("BYDAY=\(value): \"\(item)\" is not a day (MO, TU, WE, TH, FR, SA, SU, optionally after an ordinal such as 1 or -1)")
                    }
                    let ordinal = item.dropLast(2)
                    var nth: Int?
                    if !ordinal.isEmpty {
                        guard let n = Int(ordinal.hasPrefix("+") ? ordinal.dropFirst() : ordinal), n != 0, abs(n) <= 53 else {
                            throw PatternError("BYDAY=\(value): the ordinal in \"\(item)\" must be ±1...53")
                        }
                        nth = n
                    }
                    byDay.append(Weekday(day: d, nth: nth))
                }
            case "BYYEARDAY", "BYWEEKNO":
                throw PatternError("\(name) is not supported (FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH, BYHOUR, BYMINUTE, BYSECOND, BYSETPOS, WKST are)")
            default:
                throw PatternError("unknown RRULE part \(name)")
            }
        }
        guard let frequency else { throw PatternError("the RRULE has no FREQ") }
        self.frequency = frequency
        if count != nil, until != nil || untilInstant != nil { throw PatternError("an RRULE may have COUNT or UNTIL, not both") }
        if byDay.contains(where: { $0.nth != nil }), frequency != .monthly, frequency != .yearly {
            throw PatternError("BYDAY with an ordinal (such as 1MO) needs FREQ=MONTHLY or FREQ=YEARLY")
        }
        if !bySetPos.isEmpty, byMonth.isEmpty, byMonthDay.isEmpty, byDay.isEmpty, byHour.isEmpty, byMinute.isEmpty, bySecond.isEmpty {
            throw PatternError("BYSETPOS needs another BY part to choose among")
        }
    }

    /// `YYYYMMDD` or `YYYYMMDDTHHMMSS[Z]`.
    static func dateTime(_ text: String) -> (wall: WallTime, utc: Bool)? {
        var s = Array(text.utf8)
        var utc = false
        if s.last == UInt8(ascii: "Z") { utc = true; s.removeLast() }
        func n(_ r: Range<Int>) -> Int? {
            var v = 0
            for b in s[r] { guard (48...57).contains(b) else { return nil }; v = v * 10 + Int(b - 48) }
            return v
        }
        guard s.count == 8 || (s.count == 15 && s[8] == UInt8(ascii: "T")),
              let y = n(0..<4), let m = n(4..<6), let d = n(6..<8), (1...12).contains(m), (1...WallTime.daysIn(y, m)).contains(d) else { return nil }
        if s.count == 8 { return (WallTime(y, m, d, 23, 59, 59), utc) }  // a date UNTIL includes its whole day
        guard let h = n(9..<11), let mi = n(11..<13), let sec = n(13..<15), h < 24, mi < 60, sec < 60 else { return nil }
        return (WallTime(y, m, d, h, mi, sec), utc)
    }
}

extension CalendarRule {
    /// The occurrences from DTSTART on, in order, on the wall clock, until `visit` returns
    /// false. DTSTART is the rule's own, else `start`. An UNTIL in UTC is the caller's to
    /// apply (it needs the time zone).
    ///
    /// With `near`, a rule without COUNT begins at the period before the one holding
    /// `near` instead of DTSTART's (periods stay on DTSTART's grid, so the occurrences
    /// from there on are the same): a schedule asking for its next fire a year after its
    /// start does not walk the year. A rule with COUNT must count from DTSTART.
    public func occurrences(start dtstart: WallTime, near: WallTime? = nil, _ visit: (WallTime) -> Bool) {
        let start = self.start ?? dtstart
        var byMonth = self.byMonth, byMonthDay = self.byMonthDay, byDay = self.byDay
        if byMonthDay.isEmpty && byDay.isEmpty {
            switch frequency {
            case .yearly:
                if byMonth.isEmpty { byMonth = [start.month] }
                byMonthDay = [start.day]
            case .monthly: byMonthDay = [start.day]
            case .weekly: byDay = [Weekday(day: start.weekday, nth: nil)]
            default: break
            }
        }
        let byHour = self.byHour.isEmpty && frequency.rawValue < Frequency.hourly.rawValue ? [start.hour] : self.byHour.sorted()
        let byMinute = self.byMinute.isEmpty && frequency.rawValue < Frequency.minutely.rawValue ? [start.minute] : self.byMinute.sorted()
        let bySecond = self.bySecond.isEmpty && frequency.rawValue < Frequency.secondly.rawValue ? [start.second] : self.bySecond.sorted()
        let plainDays = Set(byDay.filter { $0.nth == nil }.map(\.day))
        let nthDays = byDay.filter { $0.nth != nil }
        let months = Set(byMonth)
        var emitted = 0

        func dayMatches(_ dayNumber: Int) -> Bool {
            let (y, m, d) = WallTime.civil(dayNumber)
            if !months.isEmpty, !months.contains(m) { return false }
            if !byMonthDay.isEmpty {
                let length = WallTime.daysIn(y, m)
                if !byMonthDay.contains(where: { $0 > 0 ? $0 == d : length + $0 + 1 == d }) { return false }
            }
            if !byDay.isEmpty {
                let weekday = WallTime.weekday(dayNumber)
                if plainDays.contains(weekday) { return true }
                guard !nthDays.isEmpty else { return false }
                // The nth weekday of the month (MONTHLY, or YEARLY with BYMONTH), else of the year.
                let first: Int, count: Int
                if frequency == .monthly || !months.isEmpty {
                    first = WallTime.days(y, m, 1)
                    count = WallTime.daysIn(y, m)
                } else {
                    first = WallTime.days(y, 1, 1)
                    count = WallTime.isLeap(y) ? 366 : 365
                }
                let index = dayNumber - first
                for w in nthDays where w.day == weekday {
                    let nth = w.nth!
                    if nth > 0, index / 7 + 1 == nth { return true }
                    if nth < 0, (count - 1 - index) / 7 + 1 == -nth { return true }
                }
                return false
            }
            return true
        }

        /// One period: its candidate days and times, BYSETPOS, then the filters. Returns false to stop.
        func period(days: Range<Int>, hours: [Int], minutes: [Int], seconds: [Int]) -> Bool {
            var set: [WallTime] = []
            for dayNumber in days where dayMatches(dayNumber) {
                let (y, m, d) = WallTime.civil(dayNumber)
                for h in hours { for mi in minutes { for s in seconds { set.append(WallTime(y, m, d, h, mi, s)) } } }
            }
            if !bySetPos.isEmpty {
                var chosen: [WallTime] = []
                for p in bySetPos {
                    let i = p > 0 ? p - 1 : set.count + p
                    if set.indices.contains(i) { chosen.append(set[i]) }
                }
                set = Array(Set(chosen)).sorted()
            }
            for t in set where t >= start {
                if let until, t > until { return false }
                if let count, emitted >= count { return false }
                emitted += 1
                if !visit(t) { return false }
            }
            if let count, emitted >= count { return false }
            return true
        }

        // Periods without a candidate are skipped, but not for ever: a rule that cannot
        // fire (BYMONTHDAY=31;BYMONTH=2) ends after this many.
        let limit: Int
        switch frequency {
        case .yearly: limit = 400
        case .monthly: limit = 4800
        case .weekly: limit = 21_000
        case .daily: limit = 146_100
        case .hourly: limit = 24 * 146_100
        case .minutely, .secondly: limit = 5_000_000
        }
        var empty = 0
        var index = 0
        let startDay = start.dayNumber
        if count == nil, let near, near > start {
            let periods: Int
            switch frequency {
            case .yearly: periods = near.year - start.year
            case .monthly: periods = (near.year - start.year) * 12 + near.month - start.month
            case .weekly:
                let firstWeek = startDay - (WallTime.weekday(startDay) - weekStart + 7) % 7
                periods = (near.dayNumber - firstWeek) / 7
            case .daily: periods = near.dayNumber - startDay
            case .hourly, .minutely, .secondly:
                let unit: Int64 = frequency == .hourly ? 3600 : frequency == .minutely ? 60 : 1
                let base = start.secondsSinceEpoch - start.secondsSinceEpoch % unit
                periods = Int((near.secondsSinceEpoch - base) / unit)
            }
            // The period before: `near` may fall inside the first one wanted.
            index = max(0, periods / interval - 1)
        }
        while empty < limit {
            let before = emitted
            let go: Bool
            switch frequency {
            case .yearly:
                let y = start.year + index * interval
                if y > 9999 { return }
                go = period(days: WallTime.days(y, 1, 1)..<WallTime.days(y + 1, 1, 1), hours: byHour, minutes: byMinute, seconds: bySecond)
            case .monthly:
                let m0 = start.month - 1 + index * interval
                let (y, m) = (start.year + m0 / 12, m0 % 12 + 1)
                if y > 9999 { return }
                go = period(days: WallTime.days(y, m, 1)..<WallTime.days(y, m, 1) + WallTime.daysIn(y, m), hours: byHour, minutes: byMinute, seconds: bySecond)
            case .weekly:
                // The first week runs from DTSTART's day (as dateutil's does, so BYSETPOS
                // counts from there), the others from WKST.
                let back = (WallTime.weekday(startDay) - weekStart + 7) % 7
                let first = startDay - back + index * 7 * interval
                go = period(days: (index == 0 ? startDay : first)..<first + 7, hours: byHour, minutes: byMinute, seconds: bySecond)
            case .daily:
                let day = startDay + index * interval
                go = period(days: day..<day + 1, hours: byHour, minutes: byMinute, seconds: bySecond)
            case .hourly, .minutely, .secondly:
                let unit: Int64 = frequency == .hourly ? 3600 : frequency == .minutely ? 60 : 1
                let base = start.secondsSinceEpoch - start.secondsSinceEpoch % unit
                let step = Int64(interval) * unit
                let at = base + Int64(index) * step
                let t = WallTime(secondsSinceEpoch: at)
                if t.year > 9999 { return }
                // A day (or hour) the BY parts rule out is skipped whole, to its first period
                // after it: sub-daily rules would otherwise walk every minute of a year.
                func skip(to next: Int64) {
                    index = Int((next - base + step - 1) / step) - 1
                }
                if !dayMatches(t.dayNumber) {
                    skip(to: Int64(t.dayNumber + 1) * 86_400)
                    go = true
                    break
                }
                if !self.byHour.isEmpty, !byHour.contains(t.hour) {
                    skip(to: at - at % 3600 + 3600)
                    go = true
                    break
                }
                if frequency != .hourly, !self.byMinute.isEmpty, !byMinute.contains(t.minute) { go = true; break }
                if frequency == .secondly, !self.bySecond.isEmpty, !bySecond.contains(t.second) { go = true; break }
                go = period(days: t.dayNumber..<t.dayNumber + 1, hours: [t.hour],
                            minutes: frequency == .hourly ? byMinute : [t.minute],
                            seconds: frequency == .secondly ? [t.second] : bySecond)
            }
            if !go { return }
            empty = emitted == before ? empty + 1 : 0
            index += 1
        }
    }
}

