// bulwark-bench: the engine at scale, on the simulation plugin (a real .so loaded by the
// real loader) and a real SQLite bank in a temporary directory. One project -> P pods ->
// V volumes per pod, or with --chain D a chain of D Sim::Node resources, each the one
// dependent of the one before (the depth case); every on_main sleeps --latency-ms and
// fails at --failure-rate. Builds the graph, protects, deletes, and prints one JSON line
// of figures.
//
//   bulwark-bench --pods P --volumes V [--chain D] [--latency-ms L] [--failure-rate F] [--concurrency N]
import BulwarkCore
import BulwarkJSON
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bulwark-bench: \(message)\n".utf8))
    exit(2)
}

var pods = 1000, volumes = 2, chain = 0, latency = 0.0, failureRate = 0.0, concurrency = 64
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--pods": pods = Int(value) ?? pods
    case "--volumes": volumes = Int(value) ?? volumes
    case "--chain": chain = Int(value) ?? chain
    case "--latency-ms": latency = Double(value) ?? latency
    case "--failure-rate": failureRate = Double(value) ?? failureRate
    case "--concurrency": concurrency = Int(value) ?? concurrency
    default: fail("unknown option \(flag); usage: --pods P --volumes V [--chain D] [--latency-ms L] [--failure-rate F] [--concurrency N]")
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
// BULWARK_BENCH_KEEP=1 keeps the bank for a look afterwards.
let keep = ProcessInfo.processInfo.environment["BULWARK_BENCH_KEEP"] != nil
defer { if keep { print("kept \(directory.path)") } else { try? FileManager.default.removeItem(at: directory) } }
let providerFile = directory.appendingPathComponent("bench.yaml").path
// The chain's edges as one flow mapping: n0 -> n1 -> ... -> n(D-1).
let edges = chain > 1 ? "{" + (0..<chain - 1).map { "n\($0): [n\($0 + 1)]" }.joined(separator: ", ") + "}" : "{}"
try """
    id: bench
    name: Benchmark
    concurrency: \(concurrency)
    protectables:
      Sim::Project: {}
      Sim::Pod: {pods: \(pods)}
      Sim::Volume: {volumes: \(volumes)}
      Sim::Node: {edges: \(edges)}
    plugins: [bulwark-sim-protection]
    bank:
      plugin: bulwark-sqlite-bank
      options: {path: \(directory.appendingPathComponent("bank.sqlite").path)}
    """.write(toFile: providerFile, atomically: true, encoding: .utf8)

let provider: Provider
do { provider = try Provider.open(try ProviderConfig.read(providerFile)) } catch { fail("\(error)") }
let engine = Engine(provider: provider, concurrency: concurrency)
let options: JSON = ["latency_ms": .number(JSONNumber(latency)), "failure_rate": .number(JSONNumber(failureRate))]
let root = chain > 0 ? Resource(type: "Sim::Node", id: "n0", name: "n0") : Resource(type: "Sim::Project", id: "project", name: "project")
let plan = Plan(id: "bench", name: "bench", providerID: "bench", resources: [root],
                parameters: JSONObject([("Sim::Project", options), ("Sim::Pod", options), ("Sim::Volume", options), ("Sim::Node", options)]))

func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let value = try body()
    return (value, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
}

let (graph, graphSeconds) = try timed { try engine.graph(for: plan) }
let (checkpoint, protectSeconds) = try timed { try engine.protect(plan, graph: graph) }
var deleteSeconds = 0.0
var deleteError: String?
(_, deleteSeconds) = timed {
    do { try engine.delete(checkpoint.id) } catch { deleteError = "\(error)" }
}
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
let resources = graph.count
let ideal = latency > 0 ? (Double(resources) / Double(concurrency)).rounded(.up) * latency / 1000 : 0
func rounded(_ x: Double) -> JSON { .number(JSONNumber((x * 1000).rounded() / 1000)) }
var line = JSONObject([
    ("resources", .number(JSONNumber(resources))), ("concurrency", .number(JSONNumber(concurrency))),
    ("latency_ms", .number(JSONNumber(latency))), ("failure_rate", .number(JSONNumber(failureRate))),
    ("graph_s", rounded(graphSeconds)), ("protect_s", rounded(protectSeconds)), ("delete_s", rounded(deleteSeconds)),
    ("peak_rss_bytes", .number(JSONNumber(Int(usage.ru_maxrss) * 1024))), ("ideal_s", rounded(ideal)),
    ("makespan_ratio", ideal > 0 ? rounded(protectSeconds / ideal) : .null),
    ("checkpoint_status", .string(checkpoint.status)),
])
if let error = checkpoint.error { line["protect_error"] = .string(error) }
if let deleteError { line["delete_error"] = .string(deleteError) }
print(JSON.object(line).serialized())
