import BulwarkJSON
import Foundation

/// Builds a plan's graph: starting from its resources, asks every protectable whose parent
/// types include a resource's type for that resource's dependents, level by level; the
/// calls of one level run concurrently on the worker pool (they are HTTP calls in real
/// plugins), at most the pool's size at a time.
public enum GraphBuilder {
    public static func build(_ resources: [Resource], provider: Provider, pool: WorkerPool,
                             cancellation: CancellationFlag? = nil) throws(EngineError) -> ResourceGraph {
        var graph = ResourceGraph()
        var frontier: [Int] = []
        for r in resources {
            let (i, new) = graph.add(r)
            if new { frontier.append(i); graph.roots.append(i) }
        }
        let services = CallServices(cancellation: cancellation)
        while !frontier.isEmpty {
            if cancellation?.isCancelled == true { throw EngineError("cancelled") }
            // One job per (resource, protectable that depends on its type).
            var jobs: [(Int, ProtectableInstance)] = []
            for i in frontier {
                for p in provider.dependentProtectables(of: graph.nodes[i].type) { jobs.append((i, p)) }
            }
            let snapshot = graph.nodes
            let work = jobs
            let results = pool.map(work.indices.map { $0 }) { (j: Int) -> Result<[JSON], PluginCallError> in
                let (i, protectable) = work[j]
                return Result { () throws(PluginCallError) in try protectable.dependentResources(of: snapshot[i].json, services: services) }
            }
            var next: [Int] = []
            for (j, result) in results.enumerated() {
                let (parent, protectable) = jobs[j]
                let dependents: [JSON]
                switch result {
                case .success(let list): dependents = list
                case .failure(let error):
                    throw EngineError("finding the dependents of \(graph.nodes[parent]): \(error)")
                }
                for (k, json) in dependents.enumerated() {
                    let child = try Resource(json: json, origin: "\(protectable.entry.libraryName) dependent \(k) of \(graph.nodes[parent])")
                    guard child.type == protectable.entry.resourceType else {
                        throw EngineError("\(protectable.entry.libraryName) returned a dependent of type \(child.type), but it provides \(protectable.entry.resourceType)")
                    }
                    let (c, new) = graph.add(child)
                    graph.link(parent: parent, child: c)
                    if new { next.append(c) }
                }
            }
            frontier = next
        }
        if let cycle = graph.findCycle() {
            throw EngineError("the resource graph has a cycle: \(cycle.map { "\($0.type) \($0.id)" }.joined(separator: " -> "))")
        }
        return graph
    }
}
