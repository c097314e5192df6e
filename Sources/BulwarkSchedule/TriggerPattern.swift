import Foundation

/// A time trigger's pattern in its format and time zone: what says when it fires.
/// Fire times are instants (seconds since the epoch), strictly increasing: two wall
/// times that a daylight-saving change maps to one instant fire once.
public struct TriggerPattern: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case calendar, crontab
    }

    enum Rule: Sendable {
        case calendar(CalendarRule)
        case crontab(CronPattern)
    }

    public let format: Format
    public let pattern: String
    public let timezone: String
    public let clock: ZoneClock
    let rule: Rule

    public init(format: Format, pattern: String, timezone: String = "UTC") throws(PatternError) {
        guard let clock = ZoneClock(named: timezone) else {
            throw PatternError("timezone \(timezone) is not an IANA time zone name (such as UTC, Europe/Berlin, America/New_York)")
        }
        self.format = format
        self.pattern = pattern
        self.timezone = timezone
        self.clock = clock
        switch format {
        case .calendar: rule = .calendar(try CalendarRule(pattern))
        case .crontab: rule = .crontab(try CronPattern(pattern))
        }
    }

    /// Up to `limit` fire times strictly after `after`, none before `start` (the trigger's
    /// start time, also a calendar rule's DTSTART unless it names its own) nor after `end`.
    public func fireTimes(after: Int64, start: Int64, end: Int64? = nil, limit: Int) -> [Int64] {
        var out: [Int64] = []
        guard limit > 0 else { return out }
        var last = Int64.min
        /// Takes one wall time; false once no more are wanted.
        func take(_ wall: WallTime, untilInstant: Int64? = nil) -> Bool {
            let t = clock.instant(wall)
            if let end, t > end { return false }
            if let untilInstant, t > untilInstant { return false }
            guard t > last else { return true }
            last = t
            if t > after, t >= start { out.append(t) }
            return out.count < limit
        }
        switch rule {
        case .crontab(let cron):
            // Begin a day before the first instant wanted: a wall clock runs up to a day
            // behind or ahead of UTC, and instants are filtered after mapping.
            var wall = clock.wall(max(after, start - 1) - 86_400 - 3600)
            while let next = cron.next(after: wall) {
                wall = next
                if !take(next) { break }
            }
        case .calendar(let calendar):
            // Begin near the first instant wanted (two days before, for any zone offset).
            let near = after > start ? clock.wall(after).addingDays(-2) : nil
            calendar.occurrences(start: clock.wall(start), near: near) { take($0, untilInstant: calendar.untilInstant) }
        }
        return out
    }

    /// `2026-03-29T03:30:00+02:00`: the instant on this trigger's clock, with its offset.
    public func iso8601(_ instant: Int64) -> String {
        let offset = clock.offset(at: instant)
        let wall = WallTime(secondsSinceEpoch: instant + offset)
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(wall)\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }
}
