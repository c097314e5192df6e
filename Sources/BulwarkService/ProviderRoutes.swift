import BulwarkCore
import BulwarkJSON
import Hummingbird

/// `/providers`: the providers this server serves.
struct ProviderRoutes {
    let service: BulwarkService

    func add(to group: RouterGroup<APIContext>) {
        group.get("providers") { request, context in try await list(request, context) }
        group.get("providers/:provider_id") { _, context in
            let engine = try service.engine(try context.path("provider_id"))
            return JSONResponse.wrapped("provider", view(engine.provider))
        }
    }

    func view(_ provider: Provider) -> JSON {
        .object(JSONObject([
            ("id", .string(service.ids.api(provider.id))), ("name", .string(provider.config.name)), ("description", .string(provider.config.description)),
            ("extended_info_schema", provider.extendedInfoSchema),
        ]))
    }

    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let query = Query(request)
        let page = try query.page(sortable: ["id", "name", "created_at"])
        var providers = service.providerOrder.compactMap { service.engines[$0]?.provider }
        if let name = query["name"] { providers = providers.filter { $0.config.name == name } }
        if let description = query["description"] { providers = providers.filter { $0.config.description == description } }
        if page.key == "name" { providers.sort { page.ascending ? $0.config.name < $1.config.name : $0.config.name > $1.config.name } }
        if page.key == "id" { providers.sort { page.ascending ? $0.id < $1.id : $0.id > $1.id } }
        if let marker = page.marker {
            guard let at = providers.firstIndex(where: { $0.id == service.ids.native(marker) }) else { throw Fault.badRequest("marker \(marker) is not a provider") }
            providers = Array(providers[(at + 1)...])
        }
        providers = Array(providers.prefix(page.limit))
        var body = JSONObject([("providers", .array(providers.map(view)))])
        if let links = PageLinks.links(request, count: providers.count, limit: page.limit, lastID: providers.last.map { service.ids.api($0.id) }) {
            body["providers_links"] = links
        }
        return JSONResponse.make(.object(body))
    }
}
