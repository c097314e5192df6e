import Foundation

/// Turns wall times of a time zone into instants and back. A wall time that a
/// daylight-saving change skips (02:30 on the night clocks go forward) is read with the
/// offset in force before the change, so it fires as late after the gap's start as it
/// was meant to be after the gap (02:30 becomes 03:30); a wall time that happens twice
/// (clocks going back) is its first occurrence. This is Python's `fold=0`, and so what
/// dateutil and croniter give with zoneinfo; RFC 5545 would drop the skipped one, which
/// would lose a backup a year.
public struct ZoneClock: Sendable {
    public let zone: TimeZone

    public init(_ zone: TimeZone) { self.zone = zone }

    /// nil when the name is not an IANA zone this machine knows.
    public init?(named name: String) {
        guard let zone = TimeZone(identifier: name) else { return nil }
        self.zone = zone
    }

    public func offset(at instant: Int64) -> Int64 {
        Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
    }

    public func wall(_ instant: Int64) -> WallTime { WallTime(secondsSinceEpoch: instant + offset(at: instant)) }

    /// The instant of a wall time (see the type's note for gaps and repeats).
    public func instant(_ wall: WallTime) -> Int64 {
        let local = wall.secondsSinceEpoch
        // The offsets in force a day either side bracket any change near this time.
        let before = offset(at: local - 86_400)
        let after = offset(at: local + 86_400)
        var valid: [Int64] = []
        for o in before == after ? [before] : [before, after] where offset(at: local - o) == o {
            valid.append(local - o)
        }
        if let first = valid.min() { return first }
        // Skipped: with the offset before the change.
        return local - before
    }
}
