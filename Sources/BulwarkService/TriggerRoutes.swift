import BulwarkCore
import BulwarkJSON
import BulwarkSchedule
import Foundation
import Hummingbird

/// `/triggers`: time triggers in Karbor's `trigger_info` shape (property values come back
/// as strings). A pattern that cannot be read, or fires closer together than the
/// server's minimum interval, is 400 naming the property; deleting a trigger that a
/// scheduled operation uses is 424.
struct TriggerRoutes {
    let service: BulwarkService
    let body: RequestBody

    func add(to group: RouterGroup<APIContext>) {
        group.get("triggers") { request, context in try await list(request, context) }
        group.post("triggers") { request, context in try await create(request, context) }
        group.get("triggers/:id") { _, context in JSONResponse.wrapped("trigger_info", try await find(context).json) }
        group.put("triggers/:id") { request, context in try await update(request, context) }
        group.delete("triggers/:id") { _, context in try await delete(context) }
    }

    func find(_ context: APIContext) async throws -> TriggerRecord {
        let id = try context.path("id")
        let catalog = service.catalog
        guard let trigger = try await work({ try catalog.trigger(id) }), try context.sees(trigger.projectID) else {
            throw Fault.notFound("Trigger \(id) could not be found.")
        }
        return trigger
    }

    func list(_ request: Request, _ context: APIContext) async throws -> Response {
        let query = Query(request)
        let page = try query.page(sortable: ["created_at", "id", "name", "updated_at"])
        var filters: [String: String] = [:]
        for name in ["name", "type"] { if let v = query[name] { filters[name] = v } }
        let catalogQuery = CatalogQuery(projectID: try context.listedProject(query), filters: filters, limit: page.limit,
                                        marker: page.marker, sortKey: page.key, ascending: page.ascending)
        let catalog = service.catalog
        if let marker = page.marker, try await work({ try catalog.trigger(marker) }) == nil {
            throw Fault.badRequest("marker \(marker) is not a trigger")
        }
        let triggers = try await work { try catalog.triggers(catalogQuery) }
        var out = JSONObject([("triggers", .array(triggers.map(\.json)))])
        if let links = PageLinks.links(request, count: triggers.count, limit: page.limit, lastID: triggers.last?.id) { out["triggers_links"] = links }
        return JSONResponse.make(.object(out))
    }

    /// Property values as strings (the client sends strings; a JSON number is taken too).
    static func strings(_ json: JSON?) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in json?.objectValue ?? JSONObject() {
            out[key] = value.stringValue ?? value.numberValue.map { "\($0)" } ?? value.serialized()
        }
        return out
    }

    func definition(_ properties: [String: String]) throws -> TriggerDefinition {
        do {
            return try TriggerDefinition(properties: properties, now: Int64(Date().timeIntervalSince1970),
                                         minimumInterval: service.config.minimumInterval)
        } catch {
            throw Fault.badRequest("Invalid trigger property \(error.property): \(error.reason)")
        }
    }

    func create(_ request: Request, _ context: APIContext) async throws -> Response {
        let caller = try context.requireCaller()
        let json = try await body.json(request, schema: RequestSchemas.triggerCreate, what: "trigger_info")
        let t = json["trigger_info"]!
        let checked = try definition(Self.strings(t["properties"]))
        let record = TriggerRecord(projectID: caller.projectID, name: t["name"]?.stringValue ?? "", properties: checked.properties)
        let catalog = service.catalog
        try await work { try catalog.createTrigger(record) }
        return JSONResponse.wrapped("trigger_info", record.json)
    }

    func update(_ request: Request, _ context: APIContext) async throws -> Response {
        let json = try await body.json(request, schema: RequestSchemas.triggerUpdate, what: "trigger_info")
        var trigger = try await find(context)
        let changes = json["trigger_info"]?.objectValue ?? JSONObject()
        if let name = changes["name"]?.stringValue { trigger.name = name }
        if changes["properties"] != nil {
            // The given properties replace the old; those not given keep their values.
            var properties = trigger.propertyMap
            for (key, value) in Self.strings(changes["properties"]) { properties[key] = value }
            trigger.properties = try definition(properties).properties
        }
        trigger.updatedAt = Date().timeIntervalSince1970
        let catalog = service.catalog
        let updated = trigger
        guard try await work({ try catalog.updateTrigger(updated) }) else { throw Fault.notFound("Trigger \(trigger.id) could not be found.") }
        let scheduler = service.scheduler
        try await work { scheduler.changed(trigger: updated.id) }
        return JSONResponse.wrapped("trigger_info", trigger.json)
    }

    func delete(_ context: APIContext) async throws -> Response {
        let trigger = try await find(context)
        let catalog = service.catalog
        switch try await work({ try catalog.deleteTrigger(trigger.id) }) {
        case .deleted: return Response(status: .ok)
        case .notFound: throw Fault.notFound("Trigger \(trigger.id) could not be found.")
        case .inUse(let users):
            throw Fault.failedDependency("Trigger \(trigger.id) is being used by \(users.count == 1 ? "scheduled operation" : "scheduled operations") \(users.joined(separator: ", ")); delete \(users.count == 1 ? "it" : "them") first.")
        }
    }
}
