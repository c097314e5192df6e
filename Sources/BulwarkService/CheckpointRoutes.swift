import BulwarkCore
import BulwarkJSON
import Foundation
import Hummingbird

/// `/providers/{provider_id}/checkpoints`: list (plan, dates, project, paging), create
/// (answers `protecting` at once; the flow runs in the background), show, delete (in the
/// background), and os-resetState. Another project's checkpoint is 403, as in Karbor.
struct CheckpointRoutes {
    let service: BulwarkService
    let body: RequestBody

    func add(to group: RouterGroup<APIContext>) {
        group.get("providers/:provider_id/checkpoints") { request, context in try await list(request, context) }
        group.post("providers/:provider_id/checkpoints") { request, context in try await create(request, context) }
        group.get("providers/:provider_id/checkpoints/:id") { _, context in
            let (_, checkpoint) = try await find(context)
            return JSONResponse.wrapped("checkpoint", view(checkpoint))
        }
        group.delete("providers/:provider_id/checkpoints/:id") { _, context in try await delete(context) }
        group.put("providers/:provider_id/checkpoints/:id") { request, context in try await reset(request, context) }
    }

    /// Karbor's checkpoint: `resource_graph` as a JSON string (the client needs it so),
    /// `extra_info` as given at creation, plus Bulwark's `error` when it failed.
    func view(_ checkpoint: Checkpoint) -> JSON {
        let j = checkpoint.json
        var o = JSONObject([
            ("id", .string(checkpoint.id)), ("project_id", .string(checkpoint.projectID)), ("status", .string(checkpoint.status)),
            ("protection_plan", j["protection_plan"] ?? .null),
            ("resource_graph", j["resource_graph"].map { .string($0.serialized()) } ?? .null),
            ("created_at", .string(checkpoint.createdAt)), ("extra_info", j["extra_info"] ?? .object(JSONObject())),
            ("provider_id", .string(checkpoint.providerID)),
        ])
        if let error = checkpoint.error { o["error"] = .string(error) }
        return service.ids.shown(.object(o))
    }

    func find(_ context: APIContext) async throws -> (Engine, Checkpoint) {
        let engine = try service.engine(try context.path("provider_id"))
        let id = try context.path("id")
        let checkpoint = try await work { try engine.checkpoint(id) }
        guard try context.sees(checkpoint.projectID) else {
            throw Fault.forbidden("Policy doesn't allow checkpoint \(id) of another project to be used.")
        }
        return (engine, checkpoint)
    }

    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let engine = try service.engine(try context.path("provider_id"))
        let query = Query(request)
        let page = try query.page(sortable: ["created_at"])
        for name in ["start_date", "end_date"] {
            if let day = query[name], !CheckpointQuery.isDay(day) { throw Fault.badRequest("\(name) must be a day as YYYY-MM-DD (got \(day))") }
        }
        let listed = try context.listedProject(query)
        let catalog = service.catalog
        let caller = try context.requireCaller()
        let planID = query["plan_id"]
        let (start, end) = (query["start_date"], query["end_date"])
        let checkpoints: [Checkpoint] = try await work {
            // Checkpoints are indexed by project in the bank: every project means each
            // project the catalog knows, merged newest first.
            let projects: [String]
            if let listed { projects = [listed] } else {
                var known = Set(try catalog.plans(CatalogQuery(projectID: nil)).map(\.projectID))
                known.insert(caller.projectID)
                known.insert("default")
                projects = known.sorted()
            }
            var all: [Checkpoint] = []
            for project in projects {
                let marker = projects.count == 1 ? page.marker : nil
                all += try engine.checkpoints(CheckpointQuery(projectID: project, planID: planID, startDate: start, endDate: end,
                                                              limit: projects.count == 1 ? page.limit : 0, marker: marker,
                                                              descending: !page.ascending))
            }
            if projects.count > 1 {
                all.sort { page.ascending ? $0.timestamp < $1.timestamp : $0.timestamp > $1.timestamp }
                if let marker = page.marker, let at = all.firstIndex(where: { $0.id == marker }) { all = Array(all[(at + 1)...]) }
                all = Array(all.prefix(page.limit))
            }
            return all
        }
        var body = JSONObject([("checkpoints", .array(checkpoints.map(view)))])
        if let links = PageLinks.links(request, count: checkpoints.count, limit: page.limit, lastID: checkpoints.last?.id) {
            body["checkpoints_links"] = links
        }
        return JSONResponse.make(.object(body))
    }

    func create(_ request: Request, _ context: APIContext) async throws -> Response {
        let engine = try service.engine(try context.path("provider_id"))
        let json = try await body.json(request, schema: RequestSchemas.checkpointCreate, what: "checkpoint")
        let c = json["checkpoint"]!
        let planID = c["plan_id"]?.stringValue ?? ""
        let catalog = service.catalog
        guard let plan = try await work({ try catalog.plan(planID) }), try context.sees(plan.projectID) else {
            throw Fault.notFound("Plan \(planID) could not be found.")
        }
        guard plan.providerID == engine.provider.id else {
            throw Fault.badRequest("plan \(planID) is for provider \(plan.providerID), not \(engine.provider.id)")
        }
        // The client sends "extra-info"; Karbor read "extra_info" and lost it. Both count.
        var extra = (c["extra-info"]?.objectValue ?? c["extra_info"]?.objectValue) ?? JSONObject()
        if extra["created_by"] == nil { extra["created_by"] = "manual" }
        let extraInfo = extra
        let log = OperationLog(projectID: plan.projectID, operationType: .protect, providerID: engine.provider.id,
                               planID: plan.id, extraInfo: extraInfo)
        let runs = service.planRuns
        let checkpoint = try await work { try runs.protect(plan, engine: engine, extraInfo: extraInfo, log: log) }
        return JSONResponse.wrapped("checkpoint", view(checkpoint))
    }

    func delete(_ context: APIContext) async throws -> Response {
        let (engine, checkpoint) = try await find(context)
        let cancellation = CancellationFlag()
        let id = checkpoint.id
        let pending = try await work { try engine.beginDelete(id, cancellation: cancellation) }
        let log = OperationLog(projectID: checkpoint.projectID, operationType: .delete, providerID: engine.provider.id,
                               checkpointID: id, planID: checkpoint.planID)
        try service.runner.submit(pending, provider: engine.provider.id, log: log, leaseTTL: service.leaseTTL, cancellation: cancellation,
                                  failure: { _ in nil })
        return JSONResponse.make(.object(JSONObject()))
    }

    func reset(_ request: Request, _ context: APIContext) async throws -> Response {
        let json = try await body.json(request, schema: RequestSchemas.checkpointResetState, what: "os-resetState")
        let (engine, checkpoint) = try await find(context)
        let state = CheckpointStatus(rawValue: json["os-resetState"]?["state"]?.stringValue ?? "") ?? .error
        let id = checkpoint.id
        _ = try await work { try engine.resetState(id, to: state) }
        return JSONResponse.make(.object(JSONObject()))
    }
}
