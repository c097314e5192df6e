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
        // As Karbor's plan-create: every plan resource is one its protectable offers
        // (show_resource confirms it), or a dependent of another plan resource (checked
        // once the graph is built). Nothing runs on a resource the provider does not offer.
        let planNodes = frontier
        let planResources = graph.nodes
        let confirmations = pool.map(planNodes) { (i: Int) -> String? in
            let resource = planResources[i]
            guard let protectable = provider.protectables[resource.type] else {
                return "\(resource): provider \(provider.id) has no protectable for type \(resource.type)"
            }
            do throws(PluginCallError) {
                _ = try protectable.showResource(id: resource.id, services: services)
                return nil
            } catch {
                return error.isNotFound ? "\(resource): not offered by provider \(provider.id) (\(error))"
                                        : "\(resource): confirming it with its protectable failed: \(error)"
            }
        }
        while !frontier.isEmpty {
            if cancellation?.isCancelled == true { throw EngineError("cancelled") }
            // One job per (resource, protectable that depends on its type).
            var jobs: [(Int, ProtectableInstance)] = []
            for i in frontier {
                for p in provider.dependentProtectables(of: graph.nodes[i].type) { jobs.append((i, p)) }
            }
            // Only this level's parents go to the workers: a copy of every node per level
            // made a chain D deep cost D^2 in time (and, while the pool held finished
            // jobs, in memory).
            let work = jobs.map { (graph.nodes[$0.0].json, $0.1) }
            let results = pool.map(work) { (job: (JSON, ProtectableInstance)) -> Result<[JSON], PluginCallError> in
                Result { () throws(PluginCallError) in try job.1.dependentResources(of: job.0, services: services) }
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
        // A plan resource its protectable did not confirm is still fine when it is reached
        // from a confirmed one (a file named beside its folder); not when it is only
        // reached from other refused ones.
        var reached = Set(zip(planNodes, confirmations).compactMap { i, problem in problem == nil ? i : nil })
        var stack = Array(reached)
        while let i = stack.popLast() {
            for c in graph.children[i] where reached.insert(c).inserted { stack.append(c) }
        }
        let refused = zip(planNodes, confirmations).compactMap { i, problem in reached.contains(i) ? nil : problem }
        if !refused.isEmpty {
            throw EngineError("the plan names resources the provider does not offer:\n  " + refused.joined(separator: "\n  "))
        }
        // A resource's bank section and status are found by its id alone (Karbor's
        // layout: resource-data/<id>), so two resources of different types with one id
        // would read and overwrite each other's data: refused, naming both.
        var byBankName: [String: Resource] = [:]
        for resource in graph.nodes {
            if let other = byBankName.updateValue(resource, forKey: resource.bankName), other.type != resource.type {
                throw EngineError(kind: .invalid, "resources \(other.type) \(other.id) and \(resource.type) \(resource.id) share the id \(resource.id); their bank sections and statuses would be one, so the graph is refused (give one of them another id)")
            }
        }
        if let cycle = graph.findCycle() {
            throw EngineError("the resource graph has a cycle: \(cycle.map { "\($0.type) \($0.id)" }.joined(separator: " -> "))")
        }
        return graph
    }
}
