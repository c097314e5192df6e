import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// Karbor's hook order, proved on recorded calls of a real plugin library.
@Suite struct FlowOrderTests {
    static func check(edges: [String: [String]], roots: [String], concurrency: Int = 8, latency: Int = 0) throws -> (OrderCheck, Checkpoint) {
        let sim = try SimulatedProvider(edges: edges, concurrency: concurrency)
        var parameters = sim.recording
        if latency > 0 { parameters["Sim::Node"] = ["record": .string(sim.recordFile), "latency_ms": .number(JSONNumber(latency))] }
        let checkpoint = try Engine(provider: sim.provider).protect(sim.plan(roots, parameters: parameters))
        let nodes = Set(edges.keys).union(edges.values.flatMap { $0 }).union(roots)
        let pairs = edges.flatMap { p, cs in cs.map { (p, $0) } }
        let order = OrderCheck(events: try sim.events().filter { $0.operation == "protect" })
        #expect(order.violations(edges: pairs, nodes: Array(nodes)) == [])
        #expect(order.events.count == nodes.count * 8, "every hook of every resource ran once")
        return (order, checkpoint)
    }

    @Test func chain() throws {
        let (_, checkpoint) = try Self.check(edges: ["a": ["b"], "b": ["c"], "c": ["d"]], roots: ["a"])
        #expect(checkpoint.status == "available")
    }

    @Test func diamondWithASharedChild() throws {
        let (order, _) = try Self.check(edges: ["top": ["left", "right"], "left": ["shared"], "right": ["shared"]], roots: ["top"])
        // The shared child's begin waits for both parents' begins.
        #expect(order.time(false, "on_prepare_begin", "left")! <= order.time(true, "on_prepare_begin", "shared")!)
        #expect(order.time(false, "on_prepare_begin", "right")! <= order.time(true, "on_prepare_begin", "shared")!)
    }

    @Test func wideFanOutRunsMainsInParallel() throws {
        let children = (0..<40).map { "leaf\($0)" }
        let (order, _) = try Self.check(edges: ["root": children], roots: ["root"], concurrency: 8, latency: 30)
        #expect(order.maxConcurrentMains > 1)
        #expect(order.maxConcurrentMains <= 8)
    }

    @Test func twoRootsSharingASubtree() throws {
        let (_, checkpoint) = try Self.check(edges: ["r1": ["s"], "r2": ["s"], "s": ["t", "u"]], roots: ["r1", "r2"])
        let graph = try checkpoint.graph()
        #expect(graph.count == 5)
        #expect(graph.roots.count == 2)
    }

    @Test func failureInTheMiddleStopsNewWork() throws {
        let sim = try SimulatedProvider(edges: ["a": ["b"], "b": ["c"], "c": ["d"]], concurrency: 1)
        var parameters = sim.recording
        parameters["Sim::Node#b"] = ["record": .string(sim.recordFile), "fail": ["b": "on_main"]]
        let checkpoint = try Engine(provider: sim.provider).protect(sim.plan(["a"], parameters: parameters))
        #expect(checkpoint.status == "error")
        #expect(checkpoint.error == "Sim::Node b: on_main: bulwark-sim-protection: simulated failure in on_main of b")
        let events = try sim.events()
        let failedAt = try #require(events.first { !$0.start && $0.hook == "on_main" && $0.id == "b" }).time
        #expect(events.filter { $0.start && $0.time > failedAt } == [], "nothing starts after the failure")
        // Resource statuses: b failed with the message, the rest did not finish.
        let engine = Engine(provider: sim.provider)
        let statuses = Dictionary(uniqueKeysWithValues: try engine.resourceStatuses(checkpoint).map { ($0.0.id, $0.1) })
        #expect(statuses["b"]??["status"] == "error")
        #expect(statuses["b"]??["reason"] == "on_main: bulwark-sim-protection: simulated failure in on_main of b")
        #expect(statuses["a"]??["status"] == "error")
        // a's hooks up to the failure ran (at least on_prepare_begin, which b's waits
        // for); its reason names the last that ended and the one that never ran.
        let order = ["on_prepare_begin", "on_prepare_finish", "on_main", "on_complete"]
        let ranOfA = Set(events.filter { !$0.start && $0.id == "a" }.map(\.hook))
        let last = try #require(order.lastIndex { ranOfA.contains($0) }, "\(events)")
        #expect(order[...last].allSatisfy(ranOfA.contains), "a ran its hooks in order: \(ranOfA)")
        #expect(statuses["a"]??["reason"]?.stringValue
                    == "not finished: its hooks through \(order[last]) ran, \(order[last + 1]) was not run: the run stopped after a failure")
    }

    @Test func resourcesOfTwoTypesWithOneIdAreRefused() throws {
        let sim = try SimulatedProvider()
        let plan = Plan(id: "plan-1", name: "same id", providerID: "sim",
                        resources: [Resource(type: "Sim::Node", id: "pod-0", name: "n"), Resource(type: "Sim::Pod", id: "pod-0", name: "p")])
        let engine = Engine(provider: sim.provider)
        #expect(throws: EngineError(kind: .invalid, "resources Sim::Node pod-0 and Sim::Pod pod-0 share the id pod-0; their bank sections and statuses would be one, so the graph is refused (give one of them another id)")) {
            try engine.protect(plan)
        }
        #expect(try engine.checkpoints().isEmpty, "nothing was written")
    }

    @Test func cycleIsAnErrorNamingIt() throws {
        let sim = try SimulatedProvider(edges: ["a": ["b"], "b": ["c"], "c": ["a"]])
        #expect(throws: EngineError("the resource graph has a cycle: Sim::Node a -> Sim::Node b -> Sim::Node c -> Sim::Node a")) {
            try Engine(provider: sim.provider).protect(sim.plan(["a"]))
        }
    }
}
