/// A crontab pattern: five fields (minute, hour, day of month, month, day of week) with
/// lists, ranges, steps, month and day names, or one of the `@hourly`-style macros.
/// When both day fields are restricted, a day matches either (Vixie cron's rule). A day
/// field is unrestricted only when it is `*` itself: `*/2` restricts, as croniter reads it
/// (Vixie cron counts any field beginning with `*` as unrestricted).
/// Day of week 0 and 7 are Sunday. Fire times are whole minutes of the wall clock.
public struct CronPattern: Sendable, Hashable {
    public let text: String
    let minutes: [Int]
    let hours: [Int]
    let monthDays: Set<Int>
    let months: Set<Int>
    /// 0 = Monday ... 6 = Sunday, as ``WallTime/weekday``.
    let weekdays: Set<Int>
    let dayOr: Bool

    static let macros = ["@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                         "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"]
    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public init(_ text: String) throws(PatternError) {
        self.text = text
        let trimmed = text.trimmingSpaces
        let expanded: String
        if trimmed.hasPrefix("@") {
            guard let m = Self.macros[trimmed.lowercased()] else {
                throw PatternError("unknown macro \(trimmed); the macros are \(Self.macros.keys.sorted().joined(separator: ", "))")
            }
            expanded = m
        } else {
            expanded = trimmed
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw PatternError("a crontab pattern has 5 fields (minute hour day-of-month month day-of-week), not \(fields.count)")
        }
        minutes = try Self.field(fields[0], "minute", 0...59, names: []).sorted()
        hours = try Self.field(fields[1], "hour", 0...23, names: []).sorted()
        monthDays = Set(try Self.field(fields[2], "day of month", 1...31, names: []))
        months = Set(try Self.field(fields[3], "month", 1...12, names: Self.monthNames, nameBase: 1))
        // Cron counts Sunday 0 (and 7); WallTime counts Monday 0.
        weekdays = Set(try Self.field(fields[4], "day of week", 0...7, names: Self.dayNames).map { ($0 + 6) % 7 })
        dayOr = monthDays.count < 31 && weekdays.count < 7
        // A pattern that can never fire (Feb 30) is refused rather than searched for ever.
        if !dayOr, !months.contains(where: { m in monthDays.contains(where: { $0 <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] }) }) {
            throw PatternError("day of month \(fields[2]) never falls in month \(fields[3])")
        }
    }

    public static func == (a: CronPattern, b: CronPattern) -> Bool { a.text == b.text }
    public func hash(into h: inout Hasher) { h.combine(text) }

    private static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String], nameBase: Int = 0) throws(PatternError) -> [Int] {
        var values = Set<Int>()
        func value(_ s: Substring) throws(PatternError) -> Int {
            if let n = Int(s), range.contains(n) { return n }
            if let i = names.firstIndex(of: s.lowercased()) { return i + nameBase }
            if Int(s) != nil { throw PatternError("\(name) \(s) is out of range \(range.lowerBound)-\(range.upperBound)") }
            throw PatternError("\(name) field \"\(text)\": \"\(s)\" is not a number\(names.isEmpty ? "" : " or a name (\(names.joined(separator: ", ")))")")
        }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw PatternError("\(name) field \"\(text)\" has an empty list item") }
            var body = part
            var step = 1
            if let slash = part.firstIndex(of: "/") {
                body = part[..<slash]
                guard let s = Int(part[part.index(after: slash)...]), s > 0 else {
                    throw PatternError("\(name) field \"\(text)\": the step after / must be a positive number")
                }
                step = s
            }
            var low: Int, high: Int
            if body == "*" {
                (low, high) = (range.lowerBound, range.upperBound)
            } else if let dash = body.firstIndex(of: "-") {
                low = try value(body[..<dash])
                high = try value(body[body.index(after: dash)...])
                guard low <= high else { throw PatternError("\(name) range \(body) runs backwards") }
            } else {
                low = try value(body)
                // `5/15` is `5-59/15`, as croniter reads it.
                high = step > 1 || part.contains("/") ? range.upperBound : low
            }
            for v in stride(from: low, through: high, by: step) { values.insert(v) }
        }
        return Array(values)
    }

    func matches(day: WallTime) -> Bool {
        guard months.contains(day.month) else { return false }
        let inMonth = monthDays.contains(day.day)
        let inWeek = weekdays.contains(day.weekday)
        if dayOr { return inMonth || inWeek }
        return inMonth && inWeek
    }

    /// The first fire time strictly after `time`, or nil if none comes within 400 years.
    public func next(after time: WallTime) -> WallTime? {
        var day = WallTime(time.year, time.month, time.day)
        for offset in 0..<(400 * 366) {
            if offset > 0 { day = day.addingDays(1) }
            guard matches(day: day) else { continue }
            for h in hours {
                if offset == 0, h < time.hour { continue }
                for m in minutes {
                    let candidate = WallTime(day.year, day.month, day.day, h, m, 0)
                    if candidate > time { return candidate }
                }
            }
        }
        return nil
    }
}

/// Why a trigger's pattern was refused.
public struct PatternError: Error, Sendable, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
