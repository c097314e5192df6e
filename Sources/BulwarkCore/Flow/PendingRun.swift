import Synchronization

/// A run that has started (its checkpoint or restore is recorded as running, under the
/// engine's lease) and whose flow has not: the service answers with `initial` at once and
/// runs the flow on a thread of its own, perhaps after waiting for a free slot.
///
/// Exactly one of ``run()`` and ``abandon(_:)`` takes effect; the other does nothing.
public final class PendingRun<Output: Sendable>: Sendable {
    /// What the run looks like now (a checkpoint `protecting`, a restore `in_progress`).
    public let initial: Output
    private let state: Mutex<(body: (@Sendable () throws -> Output)?, abandon: (@Sendable (String) -> Void)?)>

    init(initial: Output, body: @escaping @Sendable () throws -> Output, abandon: @escaping @Sendable (String) -> Void) {
        self.initial = initial
        state = Mutex((body, abandon))
    }

    private func take() -> (body: (@Sendable () throws -> Output)?, abandon: (@Sendable (String) -> Void)?) {
        state.withLock { s in
            let taken = s
            s = (nil, nil)
            return taken
        }
    }

    /// Run the flow (blocking) and return the outcome; nil when it was abandoned before.
    public func run() throws(EngineError) -> Output? {
        guard let body = take().body else { return nil }
        do { return try body() } catch let error as EngineError { throw error } catch { throw EngineError("\(error)") }
    }

    /// Give the run up before its flow started: record it failed with `reason` and
    /// release its lease.
    public func abandon(_ reason: String) {
        take().abandon?(reason)
    }

    deinit { take().abandon?("the run was dropped before it started") }
}
