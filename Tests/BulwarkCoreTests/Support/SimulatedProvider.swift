import BulwarkCore
import BulwarkJSON
import Foundation
import TestSupport

/// A provider over the simulation plugin and a SQLite bank in a temporary directory.
struct SimulatedProvider {
    let directory: URL
    let providerFile: String
    let provider: Provider
    let recordFile: String

    /// `edges`: Sim::Node adjacency; `shape`: pods and volumes per pod for Sim::Project.
    init(edges: [String: [String]] = [:], pods: Int = 3, volumes: Int = 2, concurrency: Int = 8, extra: String = "") throws {
        directory = try TestSupport.temporaryDirectory("engine")
        recordFile = directory.appendingPathComponent("record.txt").path
        let edgesYAML = edges.isEmpty ? "{}" : "{" + edges.map { "\"\($0.key)\": [\($0.value.map { "\"\($0)\"" }.joined(separator: ", "))]" }.joined(separator: ", ") + "}"
        let yaml = """
            id: sim
            name: Simulated provider
            concurrency: \(concurrency)
            lease_ttl: 3
            protectables:
              Sim::Project: {}
              Sim::Pod: {pods: \(pods)}
              Sim::Volume: {volumes: \(volumes)}
              Sim::Node: {edges: \(edgesYAML)}
            plugins:
              - bulwark-sim-protection
            bank:
              plugin: bulwark-sqlite-bank
              options: {path: \(directory.appendingPathComponent("bank.sqlite").path)}
            \(extra)
            """
        providerFile = directory.appendingPathComponent("sim.yaml").path
        try yaml.write(toFile: providerFile, atomically: true, encoding: .utf8)
        provider = try Provider.open(try ProviderConfig.read(providerFile))
    }

    func plan(_ roots: [String], type: String = "Sim::Node", parameters: JSONObject = JSONObject()) -> Plan {
        Plan(id: "plan-1", name: "test plan", providerID: "sim",
             resources: roots.map { Resource(type: type, id: $0, name: $0) }, parameters: parameters)
    }

    /// Parameters that make every hook record itself.
    var recording: JSONObject {
        JSONObject([("Sim::Node", ["record": .string(recordFile)]), ("Sim::Project", ["record": .string(recordFile)]),
                    ("Sim::Pod", ["record": .string(recordFile)]), ("Sim::Volume", ["record": .string(recordFile)])])
    }

    struct Event: Hashable {
        var time: Int64
        var start: Bool
        var operation: String
        var hook: String
        var id: String
    }

    func events() throws -> [Event] {
        let text = (try? String(contentsOfFile: recordFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { line in
            let f = line.split(separator: " ").map(String.init)
            return Event(time: Int64(f[0])!, start: f[1] == "start", operation: f[2], hook: f[3], id: f[4])
        }
    }
}

/// Checks Karbor's order on recorded hook calls.
struct OrderCheck {
    let events: [SimulatedProvider.Event]

    func time(_ start: Bool, _ hook: String, _ id: String) -> Int64? {
        events.first { $0.start == start && $0.hook == hook && $0.id == id }?.time
    }

    /// Every violation of the rules for the parent -> child edges, as text.
    func violations(edges: [(String, String)], nodes: [String]) -> [String] {
        var problems: [String] = []
        func before(_ a: (String, String), _ b: (String, String), _ rule: String) {
            guard let end = time(false, a.0, a.1), let start = time(true, b.0, b.1) else {
                problems.append("missing \(a) or \(b) for \(rule)")
                return
            }
            if end > start { problems.append("\(rule): \(a.0) of \(a.1) ended after \(b.0) of \(b.1) started") }
        }
        for n in nodes {
            before(("on_prepare_begin", n), ("on_prepare_finish", n), "per resource")
            before(("on_prepare_finish", n), ("on_main", n), "per resource")
            before(("on_main", n), ("on_complete", n), "per resource")
        }
        for (p, c) in edges {
            before(("on_prepare_begin", p), ("on_prepare_begin", c), "parent begin before child begin")
            before(("on_prepare_finish", c), ("on_prepare_finish", p), "child finish before parent finish")
            before(("on_complete", c), ("on_complete", p), "child complete before parent complete")
        }
        return problems
    }

    /// The most on_main calls running at one time.
    var maxConcurrentMains: Int {
        var running = 0, peak = 0
        for e in events.filter({ $0.hook == "on_main" }).sorted(by: { ($0.time, $0.start ? 1 : 0) < ($1.time, $1.start ? 1 : 0) }) {
            running += e.start ? 1 : -1
            peak = max(peak, running)
        }
        return peak
    }
}
