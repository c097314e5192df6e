import BulwarkCore
import BulwarkJSON
import Foundation
import Hummingbird

/// `/os-services` (admins only): the servers sharing the catalog, up while their
/// heartbeat is recent.
struct ServiceRoutes {
    let service: BulwarkService
    let body: RequestBody

    func add(to group: RouterGroup<APIContext>) {
        group.get("os-services") { request, context in
            _ = try context.requireAdmin("os-services list")
            let query = Query(request)
            let catalog = service.catalog
            var services = try await work { try catalog.services() }
            if let host = query["host"] { services = services.filter { $0.host == host } }
            if let binary = query["binary"] { services = services.filter { $0.binary == binary } }
            let up = Double(service.leaseTTL) * 2
            return JSONResponse.wrapped("services", .array(services.map { $0.json(upWithin: up) }))
        }
        group.put("os-services/:id") { request, context in
            _ = try context.requireAdmin("os-services update")
            let text = try context.path("id")
            guard let id = Int(text) else { throw Fault.notFound("Service \(text) could not be found.") }
            let json = try await body.json(request, schema: RequestSchemas.serviceUpdate, what: "service update")
            let enabled = json["status"]?.stringValue == "enabled"
            let reason = json["disabled_reason"]?.stringValue
            let catalog = service.catalog
            let found = try await work { try catalog.updateService(id, enabled: enabled, reason: reason) }
            guard found, let record = try await work({ try catalog.services().first { $0.id == id } }) else {
                throw Fault.notFound("Service \(id) could not be found.")
            }
            return JSONResponse.wrapped("service", record.json(upWithin: Double(service.leaseTTL) * 2))
        }
    }
}
