/// What a schedule does when its time has come, decided from its trigger, where it
/// stands (`cursor`: its last recorded fire time, or when it was created or resumed:
/// only fire times after it count) and the time `now`, given by the caller so that a
/// test controls the clock.
///
/// Of the fire times in (cursor, now], the latest runs if its window is still open; the
/// others, and the latest too when its window has closed, are missed (the server was
/// not running, or too busy). A fire whose operation's previous run is still going is
/// skipped, never run twice at once. Either way the schedule moves past them all: a
/// restart neither repeats nor loses one.
public struct FireDecision: Sendable, Equatable {
    /// The fire time to run now.
    public var run: Int64?
    /// The fire time not run because the previous run is still going.
    public var skipped: Int64?
    /// Missed fire times (the first and last few when there are many).
    public var missed: [Int64]
    /// How many fire times were missed in all.
    public var missedCount: Int
    /// Where the schedule stands afterwards.
    public var cursor: Int64
    /// Its next fire time after that, if it has one.
    public var next: Int64?

    /// Missed fire times are walked up to this many; beyond, the schedule jumps to now.
    static let walkLimit = 100_000
    static let keptMissed = 10

    public static func decide(_ trigger: TriggerDefinition, cursor: Int64, now: Int64, previousRunGoing: Bool) -> FireDecision {
        var times = trigger.fires(after: cursor, through: now, limit: walkLimit)
        var decision = FireDecision(run: nil, skipped: nil, missed: [], missedCount: 0, cursor: cursor, next: nil)
        if times.count == walkLimit, let last = times.last, let more = trigger.fires(after: last, through: now, limit: walkLimit).last {
            // So many were missed that walking them all would stall the scheduler: count
            // what was walked, and keep the latest for its window.
            times[times.count - 1] = more
        }
        if let latest = times.last {
            if now - latest <= trigger.window {
                if previousRunGoing { decision.skipped = latest } else { decision.run = latest }
                times.removeLast()
            }
            decision.missedCount = times.count
            decision.missed = times.count <= 2 * keptMissed ? times : Array(times.prefix(keptMissed) + times.suffix(keptMissed))
            decision.cursor = latest
        }
        decision.next = trigger.nextFire(after: max(decision.cursor, now))
        return decision
    }
}
