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

    /// This run with `before` first and `after` last (a plan's pre and post hooks).
    /// When `before` gives a reason, the run is abandoned with it (recorded failed) and
    /// fails; `after` is told the outcome whatever it was, cancellation included. An
    /// abandon before the start abandons this run and calls neither.
    public func around(before: @escaping @Sendable () -> String?,
                       after: @escaping @Sendable (Result<Output, EngineError>) -> Void) -> PendingRun<Output> {
        PendingRun(initial: initial, body: { [self] in
            if let failure = before() {
                abandon(failure)
                after(.failure(EngineError(failure)))
                throw EngineError(failure)
            }
            do {
                guard let output = try run() else { throw EngineError("the run was abandoned before it started") }
                after(.success(output))
                return output
            } catch let error as EngineError {
                after(.failure(error))
                throw error
            }
        }, abandon: { [self] reason in abandon(reason) })
    }

    deinit { take().abandon?("the run was dropped before it started") }
}
