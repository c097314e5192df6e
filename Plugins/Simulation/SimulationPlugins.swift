import BulwarkPluginKit
import Glibc
import Synchronization

/// Simulated resources for the engine's tests and benchmark, with no service behind them.
///
/// - `Sim::Project` -> `Sim::Pod` -> `Sim::Volume`: one project with `pods` pods of
///   `volumes` volumes each (protectable options `{"pods": P, "volumes": V}` on Sim::Pod).
/// - `Sim::Node`: any graph, given as an adjacency list in the protectable options of
///   Sim::Node: `{"edges": {"a": ["b", "c"], "b": ["d"]}}` (a parent's dependents).
///
/// The protection plugin `bulwark-sim-protection` implements every hook of protect,
/// restore and delete for all four types. Its options (per plan, by type or resource):
/// `latency_ms` (sleep in on_main), `failure_rate` (0..1, on_main fails at random),
/// `fail` ({"<id>": "<hook>"}: that hook of that resource fails), `record` (a file every
/// hook call appends "<monotonic ns> <start|end> <operation> <hook> <id>" to), and two
/// misbehaviours a third party's plugin may have: `exit` ({"<id>": N}: on_main of that
/// resource calls exit(N)) and `hang` (["<id>", ...]: on_main of those never returns and
/// ignores cancellation).
enum Shape {
    static func project() -> Resource { Resource(type: "Sim::Project", id: "project", name: "simulated project") }
    static func pod(_ i: Int) -> Resource { Resource(type: "Sim::Pod", id: "pod-\(i)", name: "pod \(i)") }
    static func volume(_ pod: Int, _ v: Int) -> Resource { Resource(type: "Sim::Volume", id: "vol-\(pod)-\(v)", name: "volume \(v) of pod \(pod)") }
}

struct SimProject: Protectable {
    static let resourceType = "Sim::Project"
    init(configuration: JSON, context: borrowing PluginContext) throws {}
    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] { [Shape.project()] }
    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        guard id == "project" else { throw PluginError.notFound("no project \(id)") }
        return Shape.project()
    }
    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] { [] }
}

struct SimPod: Protectable {
    static let resourceType = "Sim::Pod"
    static let parentTypes = ["Sim::Project"]
    let pods: Int
    init(configuration: JSON, context: borrowing PluginContext) throws {
        pods = configuration["pods"]?.numberValue?.intValue ?? 3
    }
    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] { (0..<pods).map(Shape.pod) }
    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        guard id.hasPrefix("pod-"), let i = Int(id.dropFirst(4)), i < pods else { throw PluginError.notFound("no pod \(id)") }
        return Shape.pod(i)
    }
    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] {
        (0..<pods).map(Shape.pod)
    }
}

struct SimVolume: Protectable {
    static let resourceType = "Sim::Volume"
    static let parentTypes = ["Sim::Pod"]
    let volumes: Int
    init(configuration: JSON, context: borrowing PluginContext) throws {
        volumes = configuration["volumes"]?.numberValue?.intValue ?? 2
    }
    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] { [] }
    func showResource(id: String, context: borrowing PluginContext) throws -> Resource {
        let parts = id.split(separator: "-")
        guard parts.count == 3, let p = Int(parts[1]), let v = Int(parts[2]) else { throw PluginError.notFound("no volume \(id)") }
        return Shape.volume(p, v)
    }
    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] {
        guard let pod = Int(parent.id.dropFirst(4)) else { return [] }
        return (0..<volumes).map { Shape.volume(pod, $0) }
    }
}

struct SimNode: Protectable {
    static let resourceType = "Sim::Node"
    static let parentTypes = ["Sim::Node"]
    let edges: [String: [String]]
    init(configuration: JSON, context: borrowing PluginContext) throws {
        var edges: [String: [String]] = [:]
        for (parent, children) in configuration["edges"]?.objectValue ?? JSONObject() {
            edges[parent] = (children.arrayValue ?? []).compactMap(\.stringValue)
        }
        self.edges = edges
    }
    func node(_ id: String) -> Resource { Resource(type: Self.resourceType, id: id, name: id) }
    func listResources(parameters: JSON, context: borrowing PluginContext) throws -> [Resource] { edges.keys.sorted().map(node) }
    func showResource(id: String, context: borrowing PluginContext) throws -> Resource { node(id) }
    func dependentResources(of parent: Resource, context: borrowing PluginContext) throws -> [Resource] {
        (edges[parent.id] ?? []).map(node)
    }
}

struct SimProtection: ProtectionPlugin {
    static let name = "bulwark-sim-protection"
    static let resourceTypes = ["Sim::Project", "Sim::Pod", "Sim::Volume", "Sim::Node"]
    static let options: JSON = [
        "type": "object",
        "properties": [
            "latency_ms": ["type": "number", "minimum": 0],
            "failure_rate": ["type": "number", "minimum": 0, "maximum": 1],
            "fail": ["type": "object", "additionalProperties": ["enum": ["on_prepare_begin", "on_prepare_finish", "on_main", "on_complete"]]],
            "record": ["type": "string"],
            "exit": ["type": "object", "additionalProperties": ["type": "integer"]],
            "hang": ["type": "array", "items": ["type": "string"]],
        ],
        "additionalProperties": false,
    ]
    static let schemas: [String: ResourceSchemas] = ["*": ResourceSchemas(options: options, restore: options, savedInfo: ["type": "object"])]
    static let operations: [OperationKind: Set<Hook>] = [
        .protect: Set(Hook.allCases), .restore: Set(Hook.allCases), .delete: Set(Hook.allCases),
    ]

    init(configuration: JSON, context: borrowing PluginContext) throws {}

    func run(_ operation: OperationKind, _ hook: Hook, input: HookInput, context: borrowing PluginContext) throws {
        let p = input.parameters
        let recordPath = p["record"]?.stringValue
        if let recordPath { Recorder.append(recordPath, "start \(operation.rawValue) \(hook.rawValue) \(input.resource.id)") }
        defer { if let recordPath { Recorder.append(recordPath, "end \(operation.rawValue) \(hook.rawValue) \(input.resource.id)") } }
        if p["fail"]?[input.resource.id]?.stringValue == hook.rawValue {
            throw PluginError.failed("simulated failure in \(hook.rawValue) of \(input.resource.id)")
        }
        guard hook == .main else { return }
        if let code = p["exit"]?[input.resource.id]?.numberValue?.intValue { exit(Int32(truncatingIfNeeded: code)) }
        if p["hang"]?.arrayValue?.contains(.string(input.resource.id)) == true {
            while true { sleep(3600) }
        }
        if let ms = p["latency_ms"]?.numberValue?.doubleValue, ms > 0 {
            var ts = timespec(tv_sec: Int(ms / 1000), tv_nsec: Int(ms.truncatingRemainder(dividingBy: 1000) * 1_000_000))
            var remaining = timespec()
            while nanosleep(&ts, &remaining) != 0 && errno == EINTR { ts = remaining }
            try context.checkCancellation()
        }
        if let rate = p["failure_rate"]?.numberValue?.doubleValue, rate > 0, Double.random(in: 0..<1) < rate {
            throw PluginError.failed("simulated random failure of \(input.resource.id)")
        }
        switch operation {
        case .protect: try context.put("data", json: ["id": .string(input.resource.id), "saved": true])
        case .restore:
            guard try context.get("data") != nil else { throw PluginError.failed("nothing saved for \(input.resource.id)") }
            try context.setNewResource(input.resource.id, input.resource.id + "-restored")
        case .delete: try context.delete("data")
        case .verify: break
        }
    }
}

/// Appends lines to record files, one lock for the process, with monotonic timestamps.
enum Recorder {
    static let lock = Mutex<Void>(())

    static func append(_ path: String, _ line: String) {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        let text = "\(Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)) \(line)\n"
        lock.withLock { _ in
            guard let f = fopen(path, "a") else { return }
            fputs(text, f)
            fclose(f)
        }
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-simulation", version: "1.0.0",
                  protectables: [SimProject.self, SimPod.self, SimVolume.self, SimNode.self],
                  protections: [SimProtection.self]).export(call, host, out)
}
