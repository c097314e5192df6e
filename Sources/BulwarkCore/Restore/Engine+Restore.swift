import BulwarkJSON
import Foundation
import Synchronization

/// Where a restore goes and with whose credentials (Karbor's `restore_target` and
/// `restore_auth`); handed to the plugins, never stored.
public struct RestoreTarget: Sendable {
    public var url: String?
    /// {"type": "password", "username", "password"}: a secret.
    public var auth: JSON?

    public init(url: String? = nil, auth: JSON? = nil) {
        self.url = url
        self.auth = auth
    }

    var json: String {
        JSON.object(JSONObject([("restore_target", url.map { .string($0) } ?? .null), ("restore_auth", auth ?? .null)])).serialized()
    }
}

extension Engine {
    /// Restore a checkpoint: validate the parameters against the plugins' restore schemas,
    /// run the restore flow with a shared new-resources map, and record the restore
    /// (status, per-resource results, old -> new ids) in `catalog`, first `in_progress`,
    /// then `success` or `fail`. Returns the final record.
    public func restore(checkpointID: String, parameters: JSONObject = JSONObject(), catalog: any Catalog,
                        projectID: String = "default", target: RestoreTarget = RestoreTarget(),
                        cancellation: CancellationFlag = CancellationFlag(),
                        restoreID: String = UUID().uuidString.lowercased()) throws(EngineError) -> RestoreRecord {
        let pending = try beginRestore(checkpointID: checkpointID, parameters: parameters, catalog: catalog, projectID: projectID,
                                       target: target, cancellation: cancellation, restoreID: restoreID)
        return try pending.run() ?? pending.initial
    }

    /// The first half of a restore: checked and recorded `in_progress` under this
    /// engine's lease; ``PendingRun/run()`` runs the flow.
    public func beginRestore(checkpointID: String, parameters: JSONObject = JSONObject(), catalog: any Catalog,
                             projectID: String = "default", target: RestoreTarget = RestoreTarget(),
                             cancellation: CancellationFlag = CancellationFlag(),
                             restoreID: String = UUID().uuidString.lowercased()) throws(EngineError) -> PendingRun<RestoreRecord> {
        let checkpoint = try self.checkpoint(checkpointID)
        guard checkpoint.status == CheckpointStatus.available.rawValue else {
            throw EngineError("checkpoint \(checkpointID) is \(checkpoint.status); only an available checkpoint can be restored", kind: .conflict)
        }
        return try begin(.restore, checkpoint: checkpoint, parameters: parameters, catalog: catalog, projectID: projectID,
                         target: target, cancellation: cancellation, id: restoreID)
    }

    /// Verify a checkpoint: run the plugins' verify operation over its graph (parameters
    /// checked against their verify schemas) and record the verification in `catalog`
    /// as a restore is. A plugin without verify hooks verifies its resources trivially.
    public func verify(checkpointID: String, parameters: JSONObject = JSONObject(), catalog: any Catalog,
                       projectID: String = "default", cancellation: CancellationFlag = CancellationFlag(),
                       verificationID: String = UUID().uuidString.lowercased()) throws(EngineError) -> RestoreRecord {
        let pending = try beginVerify(checkpointID: checkpointID, parameters: parameters, catalog: catalog, projectID: projectID,
                                      cancellation: cancellation, verificationID: verificationID)
        return try pending.run() ?? pending.initial
    }

    /// The first half of a verification, as ``beginRestore(checkpointID:parameters:catalog:projectID:target:cancellation:restoreID:)``.
    public func beginVerify(checkpointID: String, parameters: JSONObject = JSONObject(), catalog: any Catalog,
                            projectID: String = "default", cancellation: CancellationFlag = CancellationFlag(),
                            verificationID: String = UUID().uuidString.lowercased()) throws(EngineError) -> PendingRun<RestoreRecord> {
        let checkpoint = try self.checkpoint(checkpointID)
        guard checkpoint.status == CheckpointStatus.available.rawValue else {
            throw EngineError("checkpoint \(checkpointID) is \(checkpoint.status); only an available checkpoint can be verified", kind: .conflict)
        }
        return try begin(.verify, checkpoint: checkpoint, parameters: parameters, catalog: catalog, projectID: projectID,
                         target: RestoreTarget(), cancellation: cancellation, id: verificationID)
    }

    private func begin(_ operation: Operation, checkpoint: Checkpoint, parameters: JSONObject, catalog: any Catalog, projectID: String,
                       target: RestoreTarget, cancellation: CancellationFlag, id: String) throws(EngineError) -> PendingRun<RestoreRecord> {
        let kind: RestoreRecord.Kind = operation == .verify ? .verification : .restore
        let word = kind == .restore ? "restore" : "verification"
        let graph = try checkpoint.graph()
        let (plugins, texts) = try prepare(graph, parameters: parameters, kind: operation == .verify ? "verify" : "restore",
                                           origin: "\(word) parameters")
        let now = Date().timeIntervalSince1970
        let record = RestoreRecord(id: id, kind: kind, projectID: projectID, providerID: provider.id, checkpointID: checkpoint.id,
                                   status: .inProgress, parameters: .object(parameters), restoreTarget: target.url,
                                   createdAt: now, updatedAt: now)
        let running = record
        let owner = ownerID
        let lease: OwnerLease
        do {
            lease = try OwnerLease(
                OwnerLease.Store(
                    acquire: { ttl in try catalog.saveRestore(running, owner: owner, leaseTTL: ttl) },
                    renew: { ttl in try catalog.renewRestoreLease(running.id, owner: owner, ttl: ttl) },
                    release: {},
                    isTakenOver: { ($0 as? CatalogError)?.kind == .takenOver }),
                ttl: UInt32(provider.config.leaseTTL), onLost: { _ in cancellation.cancel() })
        } catch {
            throw EngineError("\(error)")
        }
        let abandon: @Sendable (String) -> Void = { reason in
            var failed = running
            failed.status = .fail
            failed.error = reason
            failed.updatedAt = Date().timeIntervalSince1970
            try? catalog.saveRestore(failed, owner: nil, leaseTTL: nil)
            lease.release()
        }
        let run = RunningRuns.register("\(word) \(id) of checkpoint \(checkpoint.id) (provider \(provider.id))", abandon: abandon)
        return PendingRun(initial: record, body: { [self] in
            defer {
                lease.release()
                RunningRuns.unregister(run)
            }
            return try flow(operation, record: record, checkpoint: checkpoint, graph: graph, plugins: plugins, texts: texts,
                            catalog: catalog, target: target, lease: lease, cancellation: cancellation)
        }, abandon: { reason in
            abandon(reason)
            RunningRuns.unregister(run)
        })
    }

    private func flow(_ operation: Operation, record: RestoreRecord, checkpoint: Checkpoint, graph: ResourceGraph,
                      plugins: [ProtectionInstance], texts: [String], catalog: any Catalog, target: RestoreTarget,
                      lease: OwnerLease, cancellation: CancellationFlag) throws(EngineError) -> RestoreRecord {
        var record = record
        let id = record.id
        let kind = record.kind
        let word = kind == .restore ? "restore" : "verification"
        let map = NewResourcesMap()
        let results = Mutex<[Int: ResourceOutcome]>([:])
        let result = runFlow(operation, graph: graph, plugins: plugins, parameters: texts, checkpoint: checkpoint,
                             restoreID: id, restoreContext: operation == .restore ? target.json : RestoreTarget().json,
                             newResources: map, cancellation: cancellation, statusPrefix: "",
                             record: { node, outcome in results.withLock { $0[node] = outcome } })
        let newIDs = map.all
        let outcomes = results.withLock { $0 }
        var resources = JSONObject()
        for (i, resource) in graph.nodes.enumerated() {
            let outcome = outcomes[i] ?? result.outcomes[i]
            var entry = JSONObject([("status", .string(outcome.ok ? (kind == .restore ? "restored" : "verified") : "error"))])
            if let message = outcome.message { entry["reason"] = .string(message) }
            if let new = newIDs[ExactString(resource.id)] { entry["new_id"] = .string(new) }
            resources["\(resource.type)#\(resource.id)"] = .object(entry)
        }
        record.resources = resources
        record.newResources = newIDs
        var failure = result.error
        if let lost = lease.lost {
            failure = "the \(word) stopped: \(lost)"
        } else if failure == nil {
            do { try lease.confirm() } catch { failure = "the \(word) could not confirm its lease before finishing: \(error)" }
        }
        record.status = failure == nil ? .success : .fail
        record.error = failure
        record.updatedAt = Date().timeIntervalSince1970
        do { try catalog.saveRestore(record, owner: nil, leaseTTL: nil) } catch { throw EngineError("\(error)") }
        return record
    }
}
