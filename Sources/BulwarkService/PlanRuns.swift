import BulwarkCore
import BulwarkJSON

/// Starts a plan's protect (manual or scheduled) and a checkpoint's restore in the
/// background, with the plan's hooks around them and their reports in the operation log.
struct PlanRuns: Sendable {
    let runner: OperationRunner
    let leaseTTL: UInt32

    /// The plan's hooks, resolved against its provider; nil when it names none. A hook
    /// the provider no longer defines is an error: a run must not go on without its lock.
    static func hooks(_ plan: PlanRecord?, _ engine: Engine) throws(EngineError) -> PlanHooks? {
        guard let plan, !plan.hooks.isEmpty else { return nil }
        do { return try PlanHooks(names: plan.hooks, provider: engine.provider.config) } catch {
            throw EngineError("plan \(plan.id): \(error.message)", kind: .conflict)
        }
    }

    /// Begin protecting `plan` (blocks briefly: the checkpoint is recorded protecting)
    /// and run it in the background. `log` is the operation log to keep, its checkpoint
    /// filled in here. `finished` runs last, on the run's thread.
    func protect(_ plan: PlanRecord, engine: Engine, extraInfo: JSONObject, log: OperationLog,
                 finished: @escaping @Sendable (Checkpoint?) -> Void = { _ in }) throws -> Checkpoint {
        let hooks = try Self.hooks(plan, engine)
        let cancellation = CancellationFlag()
        let pending = try engine.beginProtect(plan.plan, cancellation: cancellation, extraInfo: extraInfo)
        var log = log
        log.checkpointID = pending.initial.id
        log.providerID = engine.provider.id
        let run = hooks?.protect(pending, plan: plan, providerID: engine.provider.id) ?? pending
        try runner.submit(run, provider: engine.provider.id, log: log, leaseTTL: leaseTTL, cancellation: cancellation,
                          failure: { $0.status == CheckpointStatus.available.rawValue ? nil : ($0.error ?? $0.status) },
                          update: { log, _ in if let hooks, hooks.ran { log.extraInfo["hooks"] = hooks.json } },
                          finished: finished)
        return pending.initial
    }
}
