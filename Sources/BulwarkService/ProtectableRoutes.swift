import BulwarkCore
import BulwarkJSON
import CBulwarkPlugin
import Hummingbird

/// `/protectables`: the resource types the served providers can protect, and their
/// instances. A type is served by the first provider (in the providers directory's
/// order) that has a protectable for it; `?provider_id=` picks another.
struct ProtectableRoutes {
    let service: BulwarkService

    func add(to group: RouterGroup<APIContext>) {
        group.get("protectables") { _, _ in
            var types: [String] = []
            for id in service.providerOrder {
                for type in service.engines[id]?.provider.protectables.keys.sorted() ?? [] where !types.contains(type) { types.append(type) }
            }
            return JSONResponse.wrapped("protectable_type", .array(types.map { .string($0) }))
        }
        group.get("protectables/:type") { request, context in
            let (provider, type) = try protectable(request, context)
            let dependents = provider.dependentProtectables(of: type).map(\.entry.resourceType)
            return JSONResponse.wrapped("protectable_type", .object(JSONObject([
                ("name", .string(type)), ("dependent_types", .array(dependents.map { .string($0) })),
            ])))
        }
        group.get("protectables/:type/instances") { request, context in try await instances(request, context) }
        group.get("protectables/:type/instances/**") { request, context in try await instance(request, context) }
    }

    func protectable(_ request: Request, _ context: APIContext) throws -> (Provider, String) {
        let type = try context.path("type")
        let query = Query(request)
        let candidates = query["provider_id"].map { [service.ids.native($0)] } ?? service.providerOrder
        for id in candidates {
            if let provider = service.engines[id]?.provider, provider.protectables[type] != nil { return (provider, type) }
        }
        if let id = query["provider_id"], service.engines[id] == nil { throw Fault.notFound("Provider \(id) could not be found.") }
        throw Fault.notFound("Protectable type \(type) could not be found.")
    }

    static func view(_ resource: JSON, type: String, dependents: [JSON]?) -> JSON {
        var o = JSONObject([
            ("id", resource["id"] ?? .null), ("type", resource["type"] ?? .string(type)), ("name", resource["name"] ?? .string("")),
            ("extra_info", resource["extra_info"] ?? .null),
        ])
        if let dependents { o["dependent_resources"] = .array(dependents) }
        return .object(o)
    }

    static func fault(_ error: PluginCallError, _ what: String) -> Fault {
        switch error.status {
        case BULWARK_NOT_FOUND: Fault.notFound("\(what) could not be found: \(error.message)")
        case BULWARK_INVALID_ARGUMENT: Fault.badRequest("\(what): \(error.message)")
        default: Fault(.serviceUnavailable, "\(what): \(error)")
        }
    }

    func instances(_ request: Request, _ context: APIContext) async throws -> Response {
        let (provider, type) = try protectable(request, context)
        let query = Query(request)
        let page = try query.page(sortable: ["id", "name", "created_at"])
        let parameters = try query.object("parameters") ?? JSONObject()
        let plugin = provider.protectables[type]!
        var resources: [JSON]
        do {
            resources = try await blocking { try plugin.listResources(parameters: .object(parameters)) }
        } catch let error as PluginCallError {
            throw Self.fault(error, "the instances of \(type)")
        }
        if let filter = query["type"], filter != type { resources = [] }
        if let marker = page.marker {
            guard let at = resources.firstIndex(where: { $0["id"]?.stringValue == marker }) else { throw Fault.badRequest("marker \(marker) is not an instance of \(type)") }
            resources = Array(resources[(at + 1)...])
        }
        resources = Array(resources.prefix(page.limit))
        var body = JSONObject([("instances", .array(resources.map { Self.view($0, type: type, dependents: []) }))])
        if let links = PageLinks.links(request, count: resources.count, limit: page.limit, lastID: resources.last?["id"]?.stringValue) {
            body["instances_links"] = links
        }
        return JSONResponse.make(.object(body))
    }

    func instance(_ request: Request, _ context: APIContext) async throws -> Response {
        let (provider, type) = try protectable(request, context)
        // Ids may hold slashes (a path, a Kubernetes namespace/name): the rest of the path is the id.
        let id = context.parameters.getCatchAll().joined(separator: "/").removingPercentEncoding ?? ""
        guard !id.isEmpty else { throw Fault.notFound("\(type) instance could not be found: no id given") }
        let plugin = provider.protectables[type]!
        let dependents = provider.dependentProtectables(of: type)
        do {
            let (resource, children) = try await blocking {
                let resource = try plugin.showResource(id: id)
                var children: [JSON] = []
                for dependent in dependents {
                    for child in try dependent.dependentResources(of: resource) {
                        children.append(.object(JSONObject([("id", child["id"] ?? .null), ("type", child["type"] ?? .string(dependent.entry.resourceType)),
                                                            ("name", child["name"] ?? .string(""))])))
                    }
                }
                return (resource, children)
            }
            return JSONResponse.wrapped("instance", Self.view(resource, type: type, dependents: children))
        } catch let error as PluginCallError {
            throw Self.fault(error, "\(type) \(id)")
        }
    }
}
