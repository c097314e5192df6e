import BulwarkCore
import BulwarkJSON
import Hummingbird

/// `/operation_logs`: every operation, manual or scheduled, from the CLI or the server.
struct OperationLogRoutes {
    let service: BulwarkService

    func add(to group: RouterGroup<APIContext>) {
        group.get("operation_logs") { request, context in
            let query = Query(request)
            let page = try query.page(sortable: ["created_at", "id", "status", "ended_at", "operation_type"])
            var filters: [String: String] = [:]
            for name in ["checkpoint_id", "plan_id", "restore_id", "verification_id", "status", "operation_type", "provider_id",
                         "scheduled_operation_id"] {
                if let v = query[name] { filters[name] = name == "provider_id" ? service.ids.native(v) : v }
            }
            let catalogQuery = CatalogQuery(projectID: try context.listedProject(query), filters: filters, limit: page.limit,
                                            marker: page.marker, sortKey: page.key, ascending: page.ascending)
            let catalog = service.catalog
            let logs = try await work { try catalog.logs(catalogQuery) }
            var body = JSONObject([("operation_logs", .array(logs.map { service.ids.shown($0.json) }))])
            if let links = PageLinks.links(request, count: logs.count, limit: page.limit, lastID: logs.last?.id) {
                body["operation_logs_links"] = links
            }
            return JSONResponse.make(.object(body))
        }
        group.get("operation_logs/:id") { _, context in
            let id = try context.path("id")
            let catalog = service.catalog
            guard let log = try await work({ try catalog.log(id) }), try context.sees(log.projectID) else {
                throw Fault.notFound("Operation log \(id) could not be found.")
            }
            return JSONResponse.wrapped("operation_log", service.ids.shown(log.json))
        }
    }
}
