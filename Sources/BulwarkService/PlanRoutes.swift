import BulwarkCore
import BulwarkJSON
import Foundation
import Hummingbird

/// `/plans`: create, list, show, update, delete, with Karbor's status rules (a plan is
/// created `suspended` and changes only while suspended; a started plan takes only
/// `{"status": "suspended"}`) and the plans quota (413 overLimit).
struct PlanRoutes {
    let service: BulwarkService
    let body: RequestBody

    func add(to group: RouterGroup<APIContext>) {
        group.get("plans") { request, context in try await list(request, context) }
        group.post("plans") { request, context in try await create(request, context) }
        group.get("plans/:id") { _, context in JSONResponse.wrapped("plan", service.ids.shown(try await find(context).json)) }
        group.put("plans/:id") { request, context in try await update(request, context) }
        group.delete("plans/:id") { _, context in
            let plan = try await find(context)
            let catalog = service.catalog
            _ = try await work { try catalog.deletePlan(plan.id) }
            return Response(status: .ok)
        }
    }

    /// The plan of the URL, if the caller may see it (another project's is 404, as Karbor).
    func find(_ context: APIContext) async throws -> PlanRecord {
        let id = try context.path("id")
        let catalog = service.catalog
        guard let plan = try await work({ try catalog.plan(id) }), try context.sees(plan.projectID) else {
            throw Fault.notFound("Plan \(id) could not be found.")
        }
        return plan
    }

    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let query = Query(request)
        let page = try query.page(sortable: ["created_at", "id", "name", "status", "updated_at"])
        var filters: [String: String] = [:]
        for name in ["name", "description", "status"] { if let v = query[name] { filters[name] = v } }
        if let provider = query["provider_id"] { filters["provider_id"] = service.ids.native(provider) }
        let catalogQuery = CatalogQuery(projectID: try context.listedProject(query), filters: filters, limit: page.limit,
                                        marker: page.marker, sortKey: page.key, ascending: page.ascending)
        let catalog = service.catalog
        if let marker = page.marker, try await work({ try catalog.plan(marker) }) == nil {
            throw Fault.badRequest("marker \(marker) is not a plan")
        }
        let plans = try await work { try catalog.plans(catalogQuery) }
        var body = JSONObject([("plans", .array(plans.map { service.ids.shown($0.json) }))])
        if let links = PageLinks.links(request, count: plans.count, limit: page.limit, lastID: plans.last?.id) { body["plans_links"] = links }
        return JSONResponse.make(.object(body))
    }

    static func resources(_ json: JSON?) throws -> [Resource] {
        let items: [JSON] = json.flatMap { $0.arrayValue } ?? []
        var resources: [Resource] = []
        for (i, item) in items.enumerated() {
            do { resources.append(try Resource(json: item, origin: "plan/resources/\(i)")) } catch {
                throw Fault.badRequest("plan/resources/\(i): \(error.message)")
            }
        }
        return resources
    }

    func create(_ request: Request, _ context: APIContext) async throws -> Response {
        let caller = try context.requireCaller()
        let json = try await body.json(request, schema: RequestSchemas.planCreate, what: "plan")
        let p = json["plan"]!
        let providerID = service.ids.native(p["provider_id"]?.stringValue ?? "")
        guard let engine = service.engines[providerID] else {
            throw Fault.badRequest("Invalid provider id provided: there is no provider \(providerID) (GET /v1/\(caller.projectID)/providers lists them)")
        }
        let record = PlanRecord(projectID: caller.projectID, name: p["name"]?.stringValue ?? "", description: p["description"]?.stringValue ?? "",
                                providerID: providerID, resources: try Self.resources(p["resources"]),
                                parameters: p["parameters"]?.objectValue ?? JSONObject(), hooks: TriggerRoutes.strings(p["hooks"]))
        do { _ = try PlanHooks(names: record.hooks, provider: engine.provider.config) } catch { throw Fault.badRequest("plan/\(error.message)") }
        let catalog = service.catalog
        let defaultQuota = service.config.plansQuota
        try await work {
            try engine.check(record.plan)
            let quota = try Quotas.limit("plans", project: record.projectID, catalog: catalog, defaultPlans: defaultQuota)
            try catalog.createPlan(record, quota: quota)
        }
        return JSONResponse.wrapped("plan", service.ids.shown(record.json))
    }

    func update(_ request: Request, _ context: APIContext) async throws -> Response {
        let json = try await body.json(request, schema: RequestSchemas.planUpdate, what: "plan update")
        var plan = try await find(context)
        let changes = json["plan"]?.objectValue ?? JSONObject()
        let onlySuspending = changes.count == 1 && changes["status"]?.stringValue == "suspended"
        if plan.status != .suspended, !onlySuspending {
            throw Fault.badRequest("The plan can be only updated in suspended status (plan \(plan.id) is \(plan.status.rawValue); PUT {\"plan\": {\"status\": \"suspended\"}} first).")
        }
        if let name = changes["name"]?.stringValue { plan.name = name }
        if let description = changes["description"] { plan.description = description.stringValue ?? "" }
        if let status = changes["status"]?.stringValue { plan.status = PlanRecord.Status(rawValue: status) ?? plan.status }
        if changes["resources"] != nil { plan.resources = try Self.resources(changes["resources"]) }
        if changes["hooks"] != nil {
            plan.hooks = TriggerRoutes.strings(changes["hooks"])
            if let engine = service.engines[plan.providerID] {
                do { _ = try PlanHooks(names: plan.hooks, provider: engine.provider.config) } catch { throw Fault.badRequest("plan/\(error.message)") }
            }
        }
        plan.updatedAt = Date().timeIntervalSince1970
        let engine = service.engines[plan.providerID]
        let catalog = service.catalog
        let updated = plan
        let found = try await work {
            if changes["resources"] != nil { try engine?.check(updated.plan) }
            return try catalog.updatePlan(updated)
        }
        guard found else { throw Fault.notFound("Plan \(plan.id) could not be found.") }
        return JSONResponse.wrapped("plan", service.ids.shown(plan.json))
    }
}
