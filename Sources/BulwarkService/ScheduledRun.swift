import BulwarkCore
import BulwarkJSON
import BulwarkSchedule
import Foundation
import Logging

/// What one fire of a scheduled operation does: protect its plan (the checkpoint
/// carrying Karbor's `extra_info`: created by the operation engine, its trigger and
/// scheduled operation), and for `retention_protect`, after a protect that succeeded,
/// delete what the retention policy no longer keeps, through the plugins' delete flow,
/// each deletion with its own operation log. Retention never runs after a failed
/// protect: a failing backup must not reduce the backups that are good.
struct ScheduledRun: Sendable {
    let catalog: any Catalog
    let engines: [String: Engine]
    let runs: PlanRuns
    let instance: String
    let leaseTTL: UInt32
    let logger: Logger

    /// Start the run of `operation` for `fireTime` (blocks briefly: it records the
    /// checkpoint as protecting). `finished` is called once when everything ended.
    func start(_ operation: ScheduledOperationRecord, definition: TriggerDefinition, fireTime: Int64,
               finished: @escaping @Sendable () -> Void) {
        let extra = JSONObject([("created_by", "operation-engine"), ("trigger_id", .string(operation.triggerID)),
                                ("scheduled_operation_id", .string(operation.id))])
        var logExtra = extra
        logExtra["fire_time"] = .string(definition.pattern.iso8601(fireTime))
        let providerID = operation.providerID
        var log = OperationLog(projectID: operation.projectID, operationType: .protect, providerID: providerID,
                               planID: operation.planID, scheduledOperationID: operation.id, extraInfo: logExtra)
        do {
            guard let plan = try catalog.plan(operation.planID) else {
                throw ServiceError("its plan \(operation.planID) no longer exists")
            }
            guard let engine = engines[plan.providerID] else {
                throw ServiceError("its plan's provider \(plan.providerID) is not served here")
            }
            let policy = operation.operationType == .retentionProtect ? try? RetentionPolicy(definition: operation.definitionMap) : nil
            let clock = definition.pattern.clock
            _ = try runs.protect(plan, engine: engine, extraInfo: extra, log: log) { checkpoint in
                if let policy, checkpoint?.status == CheckpointStatus.available.rawValue {
                    retain(operation, plan: plan, engine: engine, policy: policy, clock: clock)
                }
                finished()
            }
        } catch {
            log.end(failure: "scheduled operation \(operation.id) could not start: \(error)")
            try? catalog.saveLog(log, leaseTTL: 0)
            logger.error("scheduled operation \(operation.id) (\(operation.name)) could not start its run of \(definition.pattern.iso8601(fireTime)): \(error)")
            finished()
        }
    }

    /// Delete the plan's available checkpoints that `policy` does not keep.
    func retain(_ operation: ScheduledOperationRecord, plan: PlanRecord, engine: Engine, policy: RetentionPolicy, clock: ZoneClock) {
        let checkpoints: [Checkpoint]
        do {
            checkpoints = try engine.checkpoints(CheckpointQuery(projectID: plan.projectID, planID: plan.id))
        } catch {
            logger.error("retention of scheduled operation \(operation.id): listing the checkpoints of plan \(plan.id) failed: \(error)")
            return
        }
        let candidates = checkpoints.filter { $0.status == CheckpointStatus.available.rawValue }
            .map { RetentionPolicy.Candidate(id: $0.id, time: Int64($0.timestamp)) }
        for (candidate, why) in policy.expired(candidates, now: Int64(Date().timeIntervalSince1970), clock: clock) {
            let extra = JSONObject([("created_by", "operation-engine"), ("scheduled_operation_id", .string(operation.id)),
                                    ("retention", .string(why))])
            let log = OperationLog(projectID: plan.projectID, operationType: .delete, providerID: engine.provider.id,
                                   checkpointID: candidate.id, planID: plan.id, scheduledOperationID: operation.id, extraInfo: extra)
            let entry = try? LoggedOperation(log, catalog: catalog, instance: instance, ttl: leaseTTL)
            do {
                let pending = try engine.beginDelete(candidate.id)
                let done = try pending.run()
                entry?.end(failure: done == nil ? "abandoned before it started" : nil)
                logger.notice("retention of scheduled operation \(operation.id) deleted checkpoint \(candidate.id) of plan \(plan.id) (\(why))")
            } catch {
                entry?.end(failure: "\(error)")
                logger.error("retention of scheduled operation \(operation.id) could not delete checkpoint \(candidate.id): \(error)")
            }
        }
    }
}
