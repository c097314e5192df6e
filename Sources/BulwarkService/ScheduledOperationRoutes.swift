import BulwarkCore
import BulwarkJSON
import BulwarkSchedule
import Foundation
import Hummingbird

/// `/scheduled_operations`: `protect` and `retention_protect` of a plan on a trigger, in
/// Karbor's shapes (the list's key is `operations`). Bulwark adds PUT, to pause and
/// resume (`enabled`) and rename. Every change reaches the scheduler at once.
struct ScheduledOperationRoutes {
    let service: BulwarkService
    let body: RequestBody

    func add(to group: RouterGroup<APIContext>) {
        group.get("scheduled_operations") { request, context in try await list(request, context) }
        group.post("scheduled_operations") { request, context in try await create(request, context) }
        group.get("scheduled_operations/:id") { _, context in JSONResponse.wrapped("scheduled_operation", view(try await find(context))) }
        group.put("scheduled_operations/:id") { request, context in try await update(request, context) }
        group.delete("scheduled_operations/:id") { _, context in
            let operation = try await find(context)
            let catalog = service.catalog
            let scheduler = service.scheduler
            _ = try await work {
                let deleted = try catalog.deleteScheduledOperation(operation.id)
                scheduler.changed(operation: operation.id)
                return deleted
            }
            return Response(status: .ok)
        }
    }

    /// The provider id shown as the API shows provider ids.
    func view(_ operation: ScheduledOperationRecord) -> JSON {
        var shown = operation
        shown.definition = operation.definition.map { $0.0 == "provider_id" ? ($0.0, service.ids.api($0.1)) : $0 }
        return shown.json
    }

    func find(_ context: APIContext) async throws -> ScheduledOperationRecord {
        let id = try context.path("id")
        let catalog = service.catalog
        guard let operation = try await work({ try catalog.scheduledOperation(id) }), try context.sees(operation.projectID) else {
            throw Fault.notFound("Scheduled Operation \(id) could not be found.")
        }
        return operation
    }

    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let query = Query(request)
        let page = try query.page(sortable: ["created_at", "id", "name", "updated_at"])
        var filters: [String: String] = [:]
        for name in ["name", "operation_type", "trigger_id"] { if let v = query[name] { filters[name] = v } }
        let catalogQuery = CatalogQuery(projectID: try context.listedProject(query), filters: filters, limit: page.limit,
                                        marker: page.marker, sortKey: page.key, ascending: page.ascending)
        let catalog = service.catalog
        if let marker = page.marker, try await work({ try catalog.scheduledOperation(marker) }) == nil {
            throw Fault.badRequest("marker \(marker) is not a scheduled operation")
        }
        let operations = try await work { try catalog.scheduledOperations(catalogQuery) }
        var out = JSONObject([("operations", .array(operations.map(view)))])
        if let links = PageLinks.links(request, count: operations.count, limit: page.limit, lastID: operations.last?.id) { out["operations_links"] = links }
        return JSONResponse.make(.object(out))
    }

    func create(_ request: Request, _ context: APIContext) async throws -> Response {
        let caller = try context.requireCaller()
        let json = try await body.json(request, schema: RequestSchemas.scheduledOperationCreate, what: "scheduled_operation")
        let o = json["scheduled_operation"]!
        guard let kind = ScheduledOperationRecord.Kind(rawValue: o["operation_type"]?.stringValue ?? "") else {
            throw Fault.badRequest("operation_type must be protect or retention_protect")
        }
        var definition = TriggerRoutes.strings(o["operation_definition"])
        do { try OperationDefinition.check(type: kind.rawValue, definition) } catch {
            throw Fault.badRequest("operation_definition: \(error.property) \(error.reason)")
        }
        let providerID = service.ids.native(definition["provider_id"] ?? "")
        definition["provider_id"] = providerID
        let planID = definition["plan_id"] ?? ""
        let triggerID = o["trigger_id"]?.stringValue ?? ""
        let catalog = service.catalog
        guard let trigger = try await work({ try catalog.trigger(triggerID) }), try context.sees(trigger.projectID) else {
            throw Fault.notFound("Trigger \(triggerID) could not be found.")
        }
        guard let plan = try await work({ try catalog.plan(planID) }), try context.sees(plan.projectID) else {
            throw Fault.notFound("Plan \(planID) could not be found.")
        }
        guard plan.providerID == providerID else {
            throw Fault.badRequest("operation_definition: plan \(planID) is for provider \(service.ids.api(plan.providerID)), not \(definition["provider_id"] ?? "")")
        }
        let given = o["operation_definition"]?.objectValue ?? JSONObject()
        let ordered = given.map { ($0.key, definition[$0.key] ?? "") }
        let record = ScheduledOperationRecord(projectID: caller.projectID, name: o["name"]?.stringValue ?? "",
                                              description: o["description"]?.stringValue ?? "", operationType: kind,
                                              triggerID: trigger.id, definition: ordered)
        let scheduler = service.scheduler
        let created = try await work {
            let created = try catalog.createScheduledOperation(record)
            if created { scheduler.changed(operation: record.id) }
            return created
        }
        guard created else { throw Fault.notFound("Trigger \(triggerID) could not be found.") }
        return JSONResponse.wrapped("scheduled_operation", view(record))
    }

    func update(_ request: Request, _ context: APIContext) async throws -> Response {
        let json = try await body.json(request, schema: RequestSchemas.scheduledOperationUpdate, what: "scheduled_operation")
        var operation = try await find(context)
        let changes = json["scheduled_operation"]?.objectValue ?? JSONObject()
        if let name = changes["name"]?.stringValue { operation.name = name }
        if let description = changes["description"] { operation.description = description.stringValue ?? "" }
        let now = Date().timeIntervalSince1970
        if let enabled = changes["enabled"]?.boolValue, enabled != operation.enabled {
            operation.enabled = enabled
            // Resuming fires at the next fire time, never at once for one that passed.
            if enabled { operation.activeSince = now }
        }
        operation.updatedAt = now
        let catalog = service.catalog
        let scheduler = service.scheduler
        let updated = operation
        let found = try await work {
            let found = try catalog.updateScheduledOperation(updated)
            scheduler.changed(operation: updated.id)
            return found
        }
        guard found else { throw Fault.notFound("Scheduled Operation \(operation.id) could not be found.") }
        return JSONResponse.wrapped("scheduled_operation", view(operation))
    }
}
