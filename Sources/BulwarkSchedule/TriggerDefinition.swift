/// A time trigger's properties as Karbor's API takes them (every value a string, as
/// python-karborclient sends them), checked once: the pattern in its format and time
/// zone, the start and end (UTC, `YYYY-MM-DD HH:MM:SS`), the window, and the server's
/// minimum interval between fire times. Errors name the property and the reason.
public struct TriggerDefinition: Sendable {
    /// The properties a time trigger may have; any other is refused (a typo would
    /// otherwise be a setting silently not taken).
    public static let propertyNames: Set<String> = ["format", "pattern", "start_time", "end_time", "window", "timezone"]
    /// Karbor's default window: a fire may start up to 15 minutes late.
    public static let defaultWindow: Int64 = 900
    /// How many fire times the minimum-interval check looks at.
    static let checkedFires = 64

    public let pattern: TriggerPattern
    /// First instant a fire may have (also a calendar rule's DTSTART unless it has one).
    public let start: Int64
    public let end: Int64?
    /// Seconds after its fire time that a fire may still start.
    public let window: Int64

    /// Check `properties`. `now` is the default start; with `minimumInterval` > 0, fire
    /// times closer together than that are refused (Karbor refused under 3600 s).
    public init(properties: [String: String], now: Int64, minimumInterval: Int64) throws(PropertyError) {
        for name in properties.keys.sorted() where !Self.propertyNames.contains(name) {
            throw PropertyError(name, "is not a property of a time trigger; they are \(Self.propertyNames.sorted().joined(separator: ", "))")
        }
        guard let formatText = properties["format"] else {
            throw PropertyError("format", "is missing: give calendar (RFC 5545 RRULE) or crontab")
        }
        guard let format = TriggerPattern.Format(rawValue: formatText) else {
            throw PropertyError("format", "must be calendar or crontab (got \(formatText))")
        }
        guard let patternText = properties["pattern"], !patternText.isEmpty else {
            throw PropertyError("pattern", "is missing")
        }
        let zone = properties["timezone"] ?? "UTC"
        guard ZoneClock(named: zone) != nil else {
            throw PropertyError("timezone", "\(zone) is not an IANA time zone name (such as UTC, Europe/Berlin, America/New_York)")
        }
        do {
            // Karbor's client cannot type a newline: a literal "\n" separates lines too.
            let text = format == .calendar ? patternText.replacingOccurrences(of: "\\n", with: "\n") : patternText
            pattern = try TriggerPattern(format: format, pattern: text, timezone: zone)
        } catch {
            throw PropertyError("pattern", error.message)
        }
        func instant(_ name: String) throws(PropertyError) -> Int64? {
            guard let text = properties[name] else { return nil }
            guard let wall = WallTime(parsing: text) else {
                throw PropertyError(name, "\"\(text)\" is not a time: give \"YYYY-MM-DD HH:MM:SS\" in UTC")
            }
            return wall.secondsSinceEpoch
        }
        start = try instant("start_time") ?? now
        end = try instant("end_time")
        if let end, end <= start {
            throw PropertyError("end_time", "must be after start_time (\(WallTime(secondsSinceEpoch: start)) UTC)")
        }
        if let text = properties["window"] {
            guard let seconds = Int64(text), seconds >= 0, seconds <= 7 * 86_400 else {
                throw PropertyError("window", "must be a whole number of seconds from 0 to 604800 (got \(text))")
            }
            window = seconds
        } else {
            window = Self.defaultWindow
        }
        let first = pattern.fireTimes(after: max(now, start) - 1, start: start, end: end, limit: Self.checkedFires)
        guard !first.isEmpty else {
            throw PropertyError("pattern", "never fires between start_time and end_time (after \(WallTime(secondsSinceEpoch: max(now, start))) UTC)")
        }
        if minimumInterval > 0 {
            for (a, b) in zip(first, first.dropFirst()) where b - a < minimumInterval {
                throw PropertyError("pattern", "fires \(b - a) s apart (at \(pattern.iso8601(a)) and \(pattern.iso8601(b))); this server's minimum interval between fire times is \(minimumInterval) s")
            }
        }
    }

    /// The first fire time strictly after `instant`, if any.
    public func nextFire(after instant: Int64) -> Int64? {
        pattern.fireTimes(after: instant, start: start, end: end, limit: 1).first
    }

    /// Up to `limit` fire times in (`after`, `through`].
    public func fires(after: Int64, through: Int64, limit: Int) -> [Int64] {
        pattern.fireTimes(after: after, start: start, end: min(end ?? through, through), limit: limit)
    }

    /// The properties as stored and shown: strings, with the defaults filled in.
    public var properties: [(String, String)] {
        var out: [(String, String)] = [("format", pattern.format.rawValue), ("pattern", pattern.pattern),
                                       ("start_time", Self.text(start))]
        if let end { out.append(("end_time", Self.text(end))) }
        out.append(("window", String(window)))
        out.append(("timezone", pattern.timezone))
        return out
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC, Karbor's form.
    public static func text(_ instant: Int64) -> String {
        var text = WallTime(secondsSinceEpoch: instant).description
        text = text.replacingOccurrences(of: "T", with: " ")
        return text
    }
}

/// A property (of a trigger, or key of an operation definition) that cannot be used,
/// and why: "window must be a whole number ...".
public struct PropertyError: Error, Sendable, CustomStringConvertible {
    public let property: String
    public let reason: String
    public init(_ property: String, _ reason: String) {
        self.property = property
        self.reason = reason
    }
    public var description: String { "\(property) \(reason)" }
}
