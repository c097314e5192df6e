import BulwarkJSON
import Foundation
import Hummingbird

/// The routes outside /v1: versions, health, metrics and the OpenAPI document.
struct SystemRoutes {
    let service: BulwarkService

    func add(to router: Router<APIContext>) {
        router.get("/") { request, _ in
            let host = request.head.authority ?? "localhost"
            return JSONResponse.wrapped("versions", .array([.object(JSONObject([
                ("id", "v1.0"), ("status", "CURRENT"), ("updated", "2026-12-01T00:00:00Z"),
                ("links", .array([.object(JSONObject([("rel", "self"), ("href", .string("http://\(host)/v1/"))]))])),
            ]))]))
        }
        router.get("/healthz") { _, _ in
            let service = self.service
            let catalogOK = (try? await blocking { try service.catalog.services() }) != nil
            let body: JSON = .object(JSONObject([
                ("status", .string(catalogOK ? "ok" : "degraded")), ("catalog", .string(catalogOK ? "ok" : "unreachable")),
                ("providers", .array(service.providerOrder.map { .string($0) })),
                ("operations_running", .number(JSONNumber(service.runner.runningCount))),
                ("uptime_seconds", .number(JSONNumber(Int(Date().timeIntervalSince(service.startedAt))))),
            ]))
            return JSONResponse.make(body, status: catalogOK ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeString(MetricsExport.text())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: buffer))
        }
        router.get("/openapi.json") { _, _ in
            var buffer = ByteBuffer()
            buffer.writeString(OpenAPIDocument.text)
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: buffer))
        }
    }
}
