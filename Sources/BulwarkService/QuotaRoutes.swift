import BulwarkCore
import BulwarkJSON
import Hummingbird

/// Quotas: a project's own limits over its quota class's (`default`), over the server's
/// configured defaults (plans: limits.plans_per_project, 50 unless set; checkpoints: -1,
/// unlimited). Only the plans quota is enforced, as in Karbor.
enum Quotas {
    static let resources = ["plans", "checkpoints"]

    static func defaults(catalog: any Catalog, defaultPlans: Int) throws -> [String: Int] {
        var limits = ["plans": defaultPlans, "checkpoints": -1]
        for (k, v) in try catalog.quotas(project: classKey("default")) { limits[k] = v }
        return limits
    }

    static func limits(project: String, catalog: any Catalog, defaultPlans: Int) throws -> [String: Int] {
        var limits = try defaults(catalog: catalog, defaultPlans: defaultPlans)
        for (k, v) in try catalog.quotas(project: project) { limits[k] = v }
        return limits
    }

    static func limit(_ resource: String, project: String, catalog: any Catalog, defaultPlans: Int) throws -> Int {
        try limits(project: project, catalog: catalog, defaultPlans: defaultPlans)[resource] ?? -1
    }

    /// Quota classes share the quotas table under a name no project id can have.
    static func classKey(_ name: String) -> String { "class:" + name }

    static func view(_ limits: [String: Int], id: String) -> JSON {
        var o = JSONObject()
        for r in resources { o[r] = .number(JSONNumber(limits[r] ?? -1)) }
        o["id"] = .string(id)
        return .object(o)
    }
}

struct QuotaRoutes {
    let service: BulwarkService
    let body: RequestBody

    func add(to group: RouterGroup<APIContext>) {
        group.get("quotas/:target") { _, context in
            let target = try visibleTarget(context)
            let (catalog, plans) = (service.catalog, service.config.plansQuota)
            let limits = try await work { try Quotas.limits(project: target, catalog: catalog, defaultPlans: plans) }
            return JSONResponse.wrapped("quota", Quotas.view(limits, id: target))
        }
        group.get("quotas/:target/defaults") { _, context in
            let target = try visibleTarget(context)
            let (catalog, plans) = (service.catalog, service.config.plansQuota)
            let limits = try await work { try Quotas.defaults(catalog: catalog, defaultPlans: plans) }
            return JSONResponse.wrapped("quota", Quotas.view(limits, id: target))
        }
        group.get("quotas/:target/detail") { _, context in
            let target = try visibleTarget(context)
            let (catalog, plans) = (service.catalog, service.config.plansQuota)
            let (limits, used) = try await work {
                (try Quotas.limits(project: target, catalog: catalog, defaultPlans: plans), try catalog.countPlans(project: target))
            }
            var o = JSONObject()
            for r in Quotas.resources {
                o[r] = .object(JSONObject([("limit", .number(JSONNumber(limits[r] ?? -1))),
                                           ("in_use", .number(JSONNumber(r == "plans" ? used : 0))), ("reserved", 0)]))
            }
            o["id"] = .string(target)
            return JSONResponse.wrapped("quota", .object(o))
        }
        group.put("quotas/:target") { request, context in
            _ = try context.requireAdmin("quota update")
            let target = try context.path("target")
            guard Plan.isValidID(target) else { throw Fault.badRequest("\(target) is not a project id") }
            let json = try await body.json(request, schema: RequestSchemas.quotaUpdate, what: "quota")
            let changes = try Self.limits(json["quota"])
            let (catalog, plans) = (service.catalog, service.config.plansQuota)
            let limits = try await work {
                try catalog.setQuotas(project: target, changes)
                return try Quotas.limits(project: target, catalog: catalog, defaultPlans: plans)
            }
            return JSONResponse.wrapped("quota", Quotas.view(limits, id: target))
        }
        group.get("quota_classes/:name") { _, context in
            let name = try context.path("name")
            let (catalog, plans) = (service.catalog, service.config.plansQuota)
            var limits = ["plans": plans, "checkpoints": -1]
            let stored: [String: Int] = try await work { try catalog.quotas(project: Quotas.classKey(name)) }
            for (k, v) in stored { limits[k] = v }
            return JSONResponse.wrapped("quota_class", Quotas.view(limits, id: name))
        }
        group.put("quota_classes/:name") { request, context in
            _ = try context.requireAdmin("quota class update")
            let name = try context.path("name")
            let json = try await body.json(request, schema: RequestSchemas.quotaClassUpdate, what: "quota class")
            let changes = try Self.limits(json["quota_class"])
            let (catalog, plans) = (service.catalog, service.config.plansQuota)
            var limits = ["plans": plans, "checkpoints": -1]
            let stored: [String: Int] = try await work {
                try catalog.setQuotas(project: Quotas.classKey(name), changes)
                return try catalog.quotas(project: Quotas.classKey(name))
            }
            for (k, v) in stored { limits[k] = v }
            return JSONResponse.wrapped("quota_class", Quotas.view(limits, id: name))
        }
    }

    static func limits(_ json: JSON?) throws -> [String: Int] {
        var limits: [String: Int] = [:]
        for (k, v) in json?.objectValue ?? JSONObject() { limits[k] = v.numberValue?.intValue ?? -1 }
        return limits
    }

    /// A project's quotas are its members' and the admins' to see.
    func visibleTarget(_ context: APIContext) throws -> String {
        let target = try context.path("target")
        guard try context.sees(target) else { throw Fault.forbidden("Policy doesn't allow showing the quotas of another project.") }
        return target
    }
}
