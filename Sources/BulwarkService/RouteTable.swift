import BulwarkJSON

/// The API's paths and their methods, read from the OpenAPI document, to tell a wrong
/// method (405, with `Allow`) from a wrong path (404): the router knows only "no route".
struct RouteTable: Sendable {
    private let routes: [(segments: [String], methods: [String])]

    static let api = RouteTable(document: OpenAPIDocument.json)

    init(document: JSON) {
        var routes: [(segments: [String], methods: [String])] = []
        for (path, operations) in document["paths"]?.objectValue ?? JSONObject() {
            let methods = (operations.objectValue ?? JSONObject()).map { $0.key.uppercased() }.sorted()
            routes.append((path.split(separator: "/").map(String.init), methods))
        }
        self.routes = routes
    }

    /// The methods the path allows, or [] when no route has it. `{instance_id}` at the
    /// end takes the rest of the path (ids may hold slashes).
    func methods(for path: String) -> [String] {
        let parts = path.split(separator: "/").map(String.init)
        var allowed: Set<String> = []
        for route in routes {
            let last = route.segments.last ?? ""
            let rest = last == "{instance_id}"
            guard rest ? parts.count >= route.segments.count : parts.count == route.segments.count else { continue }
            var matches = true
            for (i, segment) in route.segments.enumerated() where !(segment.hasPrefix("{") && segment.hasSuffix("}")) {
                if parts[i] != segment { matches = false; break }
            }
            if matches { allowed.formUnion(route.methods) }
        }
        return allowed.sorted()
    }
}
