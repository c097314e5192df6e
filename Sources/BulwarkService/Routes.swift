import BulwarkCore
import BulwarkJSON
import Hummingbird
import Logging

/// The router: cross-cutting middleware, then one route collection per API resource.
enum Routes {
    static func router(_ service: BulwarkService) -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: MetricsMiddleware<APIContext>())
        router.add(middleware: FaultMiddleware())
        router.add(middleware: AuthMiddleware(validator: service.validator))
        SystemRoutes(service: service).add(to: router)
        let body = RequestBody(limit: service.config.requestBodyBytes)
        let v1 = router.group("/v1/:project")
        ProviderRoutes(service: service).add(to: v1)
        CheckpointRoutes(service: service, body: body).add(to: v1)
        ProtectableRoutes(service: service).add(to: v1)
        PlanRoutes(service: service, body: body).add(to: v1)
        RestoreRoutes(service: service, body: body, kind: .restore).add(to: v1)
        RestoreRoutes(service: service, body: body, kind: .verification).add(to: v1)
        OperationLogRoutes(service: service).add(to: v1)
        ServiceRoutes(service: service, body: body).add(to: v1)
        QuotaRoutes(service: service, body: body).add(to: v1)
        TriggerRoutes(service: service, body: body).add(to: v1)
        ScheduledOperationRoutes(service: service, body: body).add(to: v1)
        return router
    }
}

extension APIContext {
    /// A path parameter, percent-decoded.
    func path(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else { throw Fault.badRequest("the URL lacks its \(name)") }
        return raw.removingPercentEncoding ?? raw
    }

    /// The caller, who must be an admin.
    func requireAdmin(_ what: String) throws -> Caller {
        let caller = try requireCaller()
        guard caller.isAdmin else { throw Fault.forbidden("Policy doesn't allow \(what) to be performed.") }
        return caller
    }

    /// The project whose objects a listing shows: the caller's, or with `all_tenants`
    /// (admins only) every project (nil) or the one `project_id` names.
    func listedProject(_ query: Query) throws -> String? {
        let caller = try requireCaller()
        if query.flag("all_tenants") {
            guard caller.isAdmin else { throw Fault.forbidden("Policy doesn't allow all_tenants to be performed: only an admin lists every project's objects.") }
            return query["project_id"]
        }
        if let asked = query["project_id"], asked != caller.projectID {
            guard caller.isAdmin else { throw Fault.forbidden("Policy doesn't allow listing the objects of project \(asked).") }
            return asked
        }
        return caller.projectID
    }

    /// Whether the caller may see an object of `project`.
    func sees(_ project: String) throws -> Bool {
        let caller = try requireCaller()
        return caller.isAdmin || caller.projectID == project
    }
}

/// Engine and catalog errors, converted once, here, into faults.
extension Fault {
    init(_ error: EngineError) {
        switch error.kind {
        case .invalid: self.init(.badRequest, error.message)
        case .notFound: self.init(.notFound, error.message)
        case .conflict: self.init(.conflict, error.message)
        case .unavailable: self.init(.serviceUnavailable, error.message)
        case .failed: self.init(.badRequest, error.message)
        }
    }

    init(_ error: CatalogError) {
        switch error.kind {
        case .overQuota: self.init(.contentTooLarge, error.description)
        case .invalidQuery: self.init(.badRequest, error.description)
        case .missingReference: self.init(.notFound, error.description)
        case .newerSchema, .storage, .takenOver: self.init(.serviceUnavailable, error.description)
        }
    }
}

/// Run blocking work that may throw engine or catalog errors, converting them.
func work<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    do {
        return try await blocking(body)
    } catch let error as EngineError {
        throw Fault(error)
    } catch let error as CatalogError {
        throw Fault(error)
    }
}
