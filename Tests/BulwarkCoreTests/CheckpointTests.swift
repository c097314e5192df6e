import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The checkpoint lifecycle through the engine: protect, list, show, restore, delete.
@Suite struct CheckpointTests {
    @Test func protectListShowRestoreDelete() throws {
        let sim = try SimulatedProvider(pods: 3, volumes: 2)
        let engine = Engine(provider: sim.provider)
        let plan = sim.plan(["project"], type: "Sim::Project")
        let checkpoint = try engine.protect(plan)
        #expect(checkpoint.status == "available")
        let graph = try checkpoint.graph()
        #expect(graph.count == 1 + 3 + 6)

        // Karbor's layout: index with its fields, indices, per-resource status and data.
        let bank = sim.provider.bank
        let index = try #require(try bank.getJSON("/checkpoints/\(checkpoint.id)/index.json"))
        for field in ["version", "id", "status", "owner_id", "provider_id", "project_id", "protection_plan", "resource_graph",
                      "extra_info", "created_at", "timestamp"] {
            #expect(index[field] != nil, "index.json has \(field)")
        }
        #expect(index["protection_plan"]?["provider_id"] == "sim")
        #expect(try bank.list(prefix: "/indices/by-provider/sim/default/").count == 1)
        #expect(try bank.list(prefix: "/indices/by-plan/plan-1/default/").count == 1)
        #expect(try bank.list(prefix: "/indices/by-date/\(checkpoint.createdAt)/default/").count == 1)
        #expect(try bank.list(prefix: "/indices/unfinished/") == [])
        #expect(try bank.getJSON("/checkpoints/\(checkpoint.id)/resource-data/vol-2-1/status") == ["status": "available"])
        #expect(try bank.getJSON("/checkpoints/\(checkpoint.id)/resource-data/vol-2-1/data") == ["id": "vol-2-1", "saved": true])

        // Listing, newest first, with limit and marker.
        let second = try engine.protect(plan)
        #expect(try engine.checkpoints().map(\.id) == [second.id, checkpoint.id])
        #expect(try engine.checkpoints(CheckpointQuery(descending: false)).map(\.id) == [checkpoint.id, second.id])
        #expect(try engine.checkpoints(CheckpointQuery(limit: 1)).map(\.id) == [second.id])
        #expect(try engine.checkpoints(CheckpointQuery(marker: second.id)).map(\.id) == [checkpoint.id])
        #expect(try engine.checkpoints(CheckpointQuery(planID: "plan-1")).count == 2)
        #expect(try engine.checkpoints(CheckpointQuery(startDate: "2999-01-01")).isEmpty)
        #expect(try engine.resourceStatuses(checkpoint).allSatisfy { $0.1?["status"] == "available" })

        // Restore: every resource restored, the map old -> new recorded.
        let store = try SQLiteCatalog(path: sim.directory.appendingPathComponent("state.sqlite").path)
        let restore = try engine.restore(checkpointID: checkpoint.id, catalog: store)
        #expect(restore.status == .success)
        #expect(restore.newResources["pod-1"] == "pod-1-restored")
        #expect(restore.resources["Sim::Volume#vol-0-0"]?["status"] == "restored")
        #expect(try store.restore(restore.id)?.status == .success)
        #expect(try store.restores(CatalogQuery(projectID: nil)).count == 1)

        // Delete: the flow runs, then nothing of the checkpoint is left.
        try engine.delete(checkpoint.id)
        #expect(try bank.list(prefix: "/checkpoints/\(checkpoint.id)/") == [])
        #expect(try engine.checkpoints().map(\.id) == [second.id])
        #expect(try bank.list(prefix: "/indices/by-date/").count == 1)
        #expect(throws: EngineError("no checkpoint \(checkpoint.id) in provider sim", kind: .notFound)) { try engine.checkpoint(checkpoint.id) }
    }

    @Test func parametersAreValidatedBeforeAnythingRuns() throws {
        let sim = try SimulatedProvider(pods: 1, volumes: 1)
        let engine = Engine(provider: sim.provider)
        var parameters = JSONObject()
        parameters["Sim::Volume"] = ["latency_ms": "slow"]
        parameters["Sim::Pod#pod-9"] = ["latency_ms": 1]
        parameters["OS::Nova::Server"] = [:]
        #expect(throws: EngineError("""
            invalid plan parameters:
              plan parameters key "Sim::Pod#pod-9": no such resource in the graph
              plan parameters key "OS::Nova::Server": no protection plugin of provider sim handles OS::Nova::Server
              Sim::Volume vol-0-0 (volume 0 of pod 0): plan parameters key "Sim::Volume" for bulwark-sim-protection: /latency_ms: expected a number, got string "slow"
            """, kind: .invalid)) {
            try engine.protect(sim.plan(["project"], type: "Sim::Project", parameters: parameters))
        }
        #expect(try sim.provider.bank.list(prefix: "/checkpoints/") == [])
    }

    @Test func restoreFailureIsRecorded() throws {
        let sim = try SimulatedProvider(edges: ["a": ["b"]])
        let engine = Engine(provider: sim.provider)
        let checkpoint = try engine.protect(sim.plan(["a"]))
        let store = try SQLiteCatalog(path: sim.directory.appendingPathComponent("state.sqlite").path)
        var parameters = JSONObject()
        parameters["Sim::Node#b"] = ["fail": ["b": "on_complete"]]
        let restore = try engine.restore(checkpointID: checkpoint.id, parameters: parameters, catalog: store)
        #expect(restore.status == .fail)
        #expect(restore.error == "Sim::Node b: on_complete: bulwark-sim-protection: simulated failure in on_complete of b")
        #expect(restore.resources["Sim::Node#b"]?["status"] == "error")
        #expect(restore.resources["Sim::Node#a"]?["status"] == "error")
    }

    /// A server runs many operations on one engine at once: one ending must not take the
    /// lease of another with it.
    @Test func overlappingRunsOfOneEngineKeepTheirOwnLeases() throws {
        let sim = try SimulatedProvider(pods: 1, volumes: 1)
        let engine = Engine(provider: sim.provider)
        let plan = sim.plan(["project"], type: "Sim::Project")
        let first = try engine.beginProtect(plan)
        let second = try engine.beginProtect(plan)
        #expect(try first.run()?.status == "available")
        let marker = try #require(try sim.provider.bank.getJSON("/indices/unfinished/\(second.initial.id)"))
        let lease = try #require(marker["lease"]?.stringValue)
        #expect(try sim.provider.bank.checkLease(lease)?.valid == true)
        #expect(try engine.recoverOrphans() == [])
        #expect(try second.run()?.status == "available")
    }

    @Test func orphanedCheckpointIsMarkedErrorAfterItsLeaseExpires() throws {
        let sim = try SimulatedProvider(edges: ["a": []])
        let bank = sim.provider.bank
        // A run that crashed: its index says protecting, its marker names a dead owner.
        try bank.putJSON("/checkpoints/dead/index.json", ["id": "dead", "status": "protecting", "provider_id": "sim", "owner_id": "ghost"])
        try bank.putJSON("/indices/unfinished/dead", ["owner_id": "ghost", "operation": "protect"])
        try bank.acquireLease("owner-ghost", owner: "ghost", ttl: 1)
        let engine = Engine(provider: sim.provider)
        #expect(try engine.recoverOrphans() == [], "the lease is still valid")
        Thread.sleep(forTimeInterval: 1.3)
        #expect(try engine.recoverOrphans() == ["dead"])
        let checkpoint = try engine.checkpoint("dead")
        #expect(checkpoint.status == "error")
        #expect(checkpoint.error == "the engine that ran it (owner ghost) stopped before it finished; its lease expired")
        #expect(try bank.list(prefix: "/indices/unfinished/") == [])
    }

    @Test func cancellationMarksTheCheckpointCancelled() throws {
        let sim = try SimulatedProvider(pods: 20, volumes: 1, concurrency: 2)
        let engine = Engine(provider: sim.provider)
        let flag = CancellationFlag()
        var parameters = JSONObject()
        parameters["Sim::Volume"] = ["latency_ms": 50]
        // A thread of its own: the shared Dispatch queues may be busy with other tests.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.2)
            flag.cancel()
        }
        let checkpoint = try engine.protect(sim.plan(["project"], type: "Sim::Project", parameters: parameters), cancellation: flag)
        #expect(checkpoint.status == "error")
        #expect(checkpoint.error == "cancelled")
        #expect(try sim.provider.bank.list(prefix: "/indices/unfinished/") == [])
    }
}
