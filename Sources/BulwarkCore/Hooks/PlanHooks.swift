import BulwarkJSON
import Synchronization

/// The hooks a plan names, by phase, resolved against its provider's definitions, and
/// what they reported during one run (for the operation log).
public final class PlanHooks: Sendable {
    public let hooks: [PlanHookPhase: PlanHook]
    private let reports = Mutex<[PlanHook.Report]>([])

    /// Resolve `names` (phase -> hook name) against the hooks of `provider`. Errors name
    /// the phase and the hook.
    public init(names: [String: String], provider: ProviderConfig) throws(EngineError) {
        var hooks: [PlanHookPhase: PlanHook] = [:]
        for (phaseName, hookName) in names.sorted(by: { $0.key < $1.key }) {
            guard let phase = PlanHookPhase(rawValue: phaseName) else {
                throw EngineError("hooks/\(phaseName): not a phase; the phases are \(PlanHookPhase.allCases.map(\.rawValue).joined(separator: ", "))", kind: .invalid)
            }
            guard let hook = provider.hooks[hookName] else {
                let known = provider.hooks.keys.sorted()
                throw EngineError("hooks/\(phaseName): provider \(provider.id) (\(provider.file)) defines no hook \(hookName)\(known.isEmpty ? "; it defines none (hooks: in the provider file)" : "; it defines \(known.joined(separator: ", "))")", kind: .invalid)
            }
            hooks[phase] = hook
        }
        self.hooks = hooks
    }

    public var isEmpty: Bool { hooks.isEmpty }

    /// The variables every hook of a run sees (the run adds its checkpoint or restore).
    static func variables(_ plan: PlanRecord?, providerID: String, operation: String) -> [String: String] {
        var v = ["BULWARK_OPERATION": operation, "BULWARK_PROVIDER_ID": providerID]
        if let plan {
            v["BULWARK_PLAN_ID"] = plan.id
            v["BULWARK_PLAN_NAME"] = plan.name
            v["BULWARK_PROJECT_ID"] = plan.projectID
        }
        return v
    }

    /// Run `phase`'s hook, if the plan has one; its failure's summary, or nil.
    func run(_ phase: PlanHookPhase, _ variables: [String: String]) -> String? {
        guard let hook = hooks[phase] else { return nil }
        let report = hook.run(phase, variables: variables)
        reports.withLock { $0.append(report) }
        return report.succeeded ? nil : report.summary
    }

    /// `pending` with the pre hook first (a failure or timeout fails the run, naming the
    /// hook, its exit status and last output lines) and the post hook last, after success,
    /// failure or cancellation. `variables` describe the run; `outcome` says how it ended
    /// (`BULWARK_STATUS`, and `BULWARK_ERROR` when it failed).
    public func wrap<T: Sendable>(_ pending: PendingRun<T>, pre: PlanHookPhase, post: PlanHookPhase, variables: [String: String],
                                  outcome: @escaping @Sendable (Result<T, EngineError>) -> (status: String, error: String?)) -> PendingRun<T> {
        guard !isEmpty else { return pending }
        return pending.around(before: { [self] in run(pre, variables) }, after: { [self] result in
            var after = variables
            let (status, error) = outcome(result)
            after["BULWARK_STATUS"] = status
            if let error { after["BULWARK_ERROR"] = String(error.prefix(4096)) }
            _ = run(post, after)
        })
    }

    /// A protect of `plan` with its pre_protect and post_protect hooks.
    public func protect(_ pending: PendingRun<Checkpoint>, plan: PlanRecord?, providerID: String) -> PendingRun<Checkpoint> {
        var variables = Self.variables(plan, providerID: providerID, operation: "protect")
        variables["BULWARK_CHECKPOINT_ID"] = pending.initial.id
        return wrap(pending, pre: .preProtect, post: .postProtect, variables: variables) { result in
            switch result {
            case .success(let checkpoint): (checkpoint.status, checkpoint.error)
            case .failure(let error): (CheckpointStatus.error.rawValue, error.message)
            }
        }
    }

    /// A restore of a checkpoint of `plan` with its pre_restore and post_restore hooks.
    public func restore(_ pending: PendingRun<RestoreRecord>, plan: PlanRecord?, providerID: String) -> PendingRun<RestoreRecord> {
        var variables = Self.variables(plan, providerID: providerID, operation: "restore")
        variables["BULWARK_CHECKPOINT_ID"] = pending.initial.checkpointID
        variables["BULWARK_RESTORE_ID"] = pending.initial.id
        return wrap(pending, pre: .preRestore, post: .postRestore, variables: variables) { result in
            switch result {
            case .success(let restore): (restore.status.rawValue, restore.error)
            case .failure(let error): (RestoreRecord.Status.fail.rawValue, error.message)
            }
        }
    }

    /// What the hooks reported, for an operation log's `extra_info.hooks`.
    public var json: JSON {
        .array(reports.withLock { $0 }.map { r in
            .object(JSONObject([
                ("phase", .string(r.phase.rawValue)), ("name", .string(r.name)),
                ("exit_status", r.exitStatus.map { .number(JSONNumber(Int($0))) } ?? .null),
                ("timed_out", .bool(r.timedOut)), ("seconds", .number(JSONNumber((r.seconds * 1000).rounded() / 1000))),
                ("summary", .string(r.summary)), ("output", .string(String(r.output.suffix(4096)))),
            ]))
        })
    }

    public var ran: Bool { !reports.withLock { $0 }.isEmpty }
}
