import BulwarkJSON

/// The resources a plan protects: its own resources and, transitively, their dependents.
/// Nodes are unique by (type, id); an edge goes from a parent to a dependent (child).
public struct ResourceGraph: Sendable {
    public var nodes: [Resource] = []
    public var children: [[Int]] = []
    public var parents: [[Int]] = []
    /// The plan's own resources, in plan order.
    public var roots: [Int] = []
    var index: [Resource.Key: Int] = [:]

    public init() {}

    public var count: Int { nodes.count }

    /// Add a node (or find it); returns its index and whether it is new.
    @discardableResult
    mutating func add(_ resource: Resource) -> (Int, Bool) {
        if let i = index[resource.key] { return (i, false) }
        let i = nodes.count
        nodes.append(resource)
        children.append([])
        parents.append([])
        index[resource.key] = i
        return (i, true)
    }

    mutating func link(parent: Int, child: Int) {
        // A child's parents are few; a parent's children may be 100,000 (a project's pods).
        guard !parents[child].contains(parent) else { return }
        children[parent].append(child)
        parents[child].append(parent)
    }

    public func node(_ key: Resource.Key) -> Int? { index[key] }

    /// A cycle, as the list of resources along it (first repeated at the end), or nil.
    public func findCycle() -> [Resource]? {
        // Iterative depth-first search with colours: 0 new, 1 on the stack, 2 done.
        var colour = [UInt8](repeating: 0, count: nodes.count)
        var stack: [(node: Int, next: Int)] = []
        for start in nodes.indices where colour[start] == 0 {
            stack.append((start, 0))
            colour[start] = 1
            while let top = stack.last {
                if top.next < children[top.node].count {
                    stack[stack.count - 1].next += 1
                    let child = children[top.node][top.next]
                    if colour[child] == 1 {
                        let onStack = stack.map(\.node)
                        let from = onStack.firstIndex(of: child)!
                        return (onStack[from...] + [child]).map { nodes[$0] }
                    }
                    if colour[child] == 0 {
                        colour[child] = 1
                        stack.append((child, 0))
                    }
                } else {
                    colour[top.node] = 2
                    stack.removeLast()
                }
            }
        }
        return nil
    }

    /// Karbor-style serialisation for the checkpoint's index: each node with the indices
    /// of its children, and the roots.
    public var json: JSON {
        var list: [JSON] = []
        list.reserveCapacity(nodes.count)
        for (i, resource) in nodes.enumerated() {
            list.append(["resource": resource.json, "children": .array(children[i].map { .number(JSONNumber($0)) })])
        }
        return ["nodes": .array(list), "roots": .array(roots.map { .number(JSONNumber($0)) })]
    }

    public init(json: JSON) throws(EngineError) {
        guard let list = json["nodes"]?.arrayValue else { throw EngineError("the stored resource graph has no nodes") }
        for (i, entry) in list.enumerated() {
            add(try Resource(json: entry["resource"] ?? .null, origin: "resource_graph node \(i)"))
        }
        for (i, entry) in list.enumerated() {
            for child in entry["children"]?.arrayValue ?? [] {
                guard let c = child.numberValue?.intValue, nodes.indices.contains(c) else {
                    throw EngineError("the stored resource graph has a bad child index at node \(i)")
                }
                link(parent: i, child: c)
            }
        }
        roots = (json["roots"]?.arrayValue ?? []).compactMap { $0.numberValue?.intValue }.filter { nodes.indices.contains($0) }
    }

    /// Graphviz DOT, so a user can draw it (`dot -Tsvg`).
    public var dot: String {
        func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var out = "digraph resources {\n  rankdir=LR;\n  node [shape=box];\n"
        for (i, r) in nodes.enumerated() {
            out += "  n\(i) [label=\(quote("\(r.type)\n\(r.name.isEmpty ? r.id : r.name)"))];\n"
        }
        for (i, cs) in children.enumerated() {
            for c in cs { out += "  n\(i) -> n\(c);\n" }
        }
        return out + "}\n"
    }

    /// An indented tree, each shared node printed once and then referred to.
    public var text: String {
        var out = ""
        var printed = Set<Int>()
        func visit(_ i: Int, _ depth: Int) {
            let r = nodes[i]
            let label = "\(String(repeating: "  ", count: depth))\(r.type) \(r.id)\(r.name.isEmpty || r.name == r.id ? "" : " (\(r.name))")"
            if !printed.insert(i).inserted {
                out += label + " (see above)\n"
                return
            }
            out += label + "\n"
            for c in children[i] { visit(c, depth + 1) }
        }
        for root in roots { visit(root, 0) }
        return out
    }
}

import Foundation
