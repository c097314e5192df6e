import BulwarkCore
import BulwarkJSON
import Foundation
import Hummingbird

/// `/restores` and `/verifications`: create (answers `in_progress` at once; the flow runs
/// in the background), list, show. Restores take Karbor's `restore_target` and
/// `restore_auth`, handed to the plugins and never stored (the password least of all).
struct RestoreRoutes {
    let service: BulwarkService
    let body: RequestBody
    let kind: RestoreRecord.Kind

    private var collection: String { kind == .restore ? "restores" : "verifications" }
    private var key: String { kind == .restore ? "restore" : "verification" }

    func add(to group: RouterGroup<APIContext>) {
        group.get(RouterPath(stringLiteral: collection)) { request, context in try await list(request, context) }
        group.post(RouterPath(stringLiteral: collection)) { request, context in try await create(request, context) }
        group.get(RouterPath(stringLiteral: "\(collection)/:id")) { _, context in
            let id = try context.path("id")
            let catalog = service.catalog
            guard let record = try await work({ try catalog.restore(id) }), record.kind == kind, try context.sees(record.projectID) else {
                throw Fault.notFound("\(kind == .restore ? "Restore" : "Verification") \(id) could not be found.")
            }
            return JSONResponse.wrapped(key, service.ids.shown(record.json))
        }
    }

    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let query = Query(request)
        let page = try query.page(sortable: ["created_at", "id", "status", "updated_at"])
        var filters = ["kind": kind.rawValue]
        for name in ["status", "checkpoint_id"] { if let v = query[name] { filters[name] = v } }
        if let provider = query["provider_id"] { filters["provider_id"] = service.ids.native(provider) }
        let catalogQuery = CatalogQuery(projectID: try context.listedProject(query), filters: filters, limit: page.limit,
                                        marker: page.marker, sortKey: page.key, ascending: page.ascending)
        let catalog = service.catalog
        let records = try await work { try catalog.restores(catalogQuery) }
        var body = JSONObject([(collection, .array(records.map { service.ids.shown($0.json) }))])
        if let links = PageLinks.links(request, count: records.count, limit: page.limit, lastID: records.last?.id) {
            body["\(collection)_links"] = links
        }
        return JSONResponse.make(.object(body))
    }

    func create(_ request: Request, _ context: APIContext) async throws -> Response {
        let caller = try context.requireCaller()
        let json = try await body.json(request, schema: kind == .restore ? RequestSchemas.restoreCreate : RequestSchemas.verificationCreate,
                                       what: key)
        let r = json[key]!
        let providerID = service.ids.native(r["provider_id"]?.stringValue ?? "")
        guard let engine = service.engines[providerID] else { throw Fault.notFound("Provider \(providerID) could not be found.") }
        let checkpointID = r["checkpoint_id"]?.stringValue ?? ""
        let checkpoint = try await work { try engine.checkpoint(checkpointID) }
        guard try context.sees(checkpoint.projectID) else {
            throw Fault.forbidden("Policy doesn't allow checkpoint \(checkpointID) of another project to be used.")
        }
        let parameters = r["parameters"]?.objectValue ?? JSONObject()
        let catalog = service.catalog
        // A restore runs its plan's restore hooks (when the plan is still in the catalog),
        // resolved before anything is written.
        var hooks: PlanHooks?
        var plan: PlanRecord?
        if kind == .restore {
            let planID = checkpoint.planID
            plan = try await work { try catalog.plan(planID) }
            do { hooks = try PlanRuns.hooks(plan, engine) } catch { throw Fault(error) }
        }
        let cancellation = CancellationFlag()
        let project = caller.projectID
        let pending: PendingRun<RestoreRecord>
        var log: OperationLog
        if kind == .restore {
            let target = RestoreTarget(url: r["restore_target"]?.stringValue, auth: r["restore_auth"].flatMap { $0.isNull ? nil : $0 })
            pending = try await work {
                try engine.beginRestore(checkpointID: checkpointID, parameters: parameters, catalog: catalog, projectID: project,
                                        target: target, cancellation: cancellation)
            }
            log = OperationLog(projectID: project, operationType: .restore, providerID: providerID, checkpointID: checkpointID,
                               planID: checkpoint.planID, restoreID: pending.initial.id)
        } else {
            pending = try await work {
                try engine.beginVerify(checkpointID: checkpointID, parameters: parameters, catalog: catalog, projectID: project,
                                       cancellation: cancellation)
            }
            log = OperationLog(projectID: project, operationType: .verify, providerID: providerID, checkpointID: checkpointID,
                               planID: checkpoint.planID, verificationID: pending.initial.id)
        }
        log.extraInfo = JSONObject()
        let run = hooks.map { $0.restore(pending, plan: plan, providerID: engine.provider.id) } ?? pending
        let ranHooks = hooks
        try service.runner.submit(run, provider: providerID, log: log, leaseTTL: service.leaseTTL, cancellation: cancellation,
                                  failure: { $0.error },
                                  update: { log, _ in if let ranHooks, ranHooks.ran { log.extraInfo["hooks"] = ranHooks.json } })
        return JSONResponse.wrapped(key, service.ids.shown(pending.initial.json))
    }
}
