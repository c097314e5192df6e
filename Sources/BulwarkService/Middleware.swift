import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (`req-<uuid>`, as OpenStack services), in the logger's
/// metadata and in the `X-Openstack-Request-Id` answer header, and logs each answer
/// (method, path without the query, status, time; never a header or a body, so never a
/// token or a password).
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        let id = "req-" + UUID().uuidString.lowercased()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        let start = ContinuousClock.now
        var response = try await next(request, context)
        response.headers[HTTPField.Name("X-Openstack-Request-Id")!] = id
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let level: Logger.Level = response.status.code >= 500 ? .error : (response.status.code >= 400 ? .info : .debug)
        context.logger.log(level: level, "\(request.method) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", ms)) ms")
        return response
    }
}

/// Turns every error into Karbor's fault body: a ``Fault`` as it is, Hummingbird's own
/// (no route 404, wrong method 405, body too large 413) into the matching fault, and
/// anything else into a 500 `computeFault` whose message names the request id, with the
/// error logged under that id. A 500 is always a bug.
struct FaultMiddleware: RouterMiddleware {
    typealias Context = APIContext

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let fault as Fault {
            return try fault.response(from: request, context: context)
        } catch let error as HTTPError {
            if error.status == .notFound, case let allowed = RouteTable.api.methods(for: request.uri.path), !allowed.isEmpty {
                var response = try Fault(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path); it takes \(allowed.joined(separator: ", ")).")
                    .response(from: request, context: context)
                response.headers[.allow] = allowed.joined(separator: ", ")
                return response
            }
            let fault: Fault = switch error.status {
            case .notFound: Fault.notFound("The resource could not be found: no route for \(request.method) \(request.uri.path).")
            case .methodNotAllowed: Fault(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path).")
            case .contentTooLarge: Fault(.contentTooLarge, "the request body is too large")
            case .unsupportedMediaType: Fault(.unsupportedMediaType, "the body must be application/json")
            case .badRequest: Fault.badRequest(error.body ?? "the request is malformed")
            default: Fault(error.status.code < 500 ? error.status : .internalServerError, error.body ?? "\(error.status)")
            }
            return try fault.response(from: request, context: context)
        } catch {
            context.logger.error("internal error answering \(request.method) \(request.uri.path): \(error)")
            return try Fault(.internalServerError, "The server has either erred or is incapable of performing the requested operation (request \(context.requestID)).")
                .response(from: request, context: context)
        }
    }
}

/// Authenticates every `/v1/{project}/...` request by its `X-Auth-Token` and checks that
/// the URL's project is the token's (400 "Malformed request url" otherwise, as Karbor).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = APIContext
    let validator: any TokenValidator

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/v1/") else { return try await next(request, context) }
        guard let token = request.headers[HTTPField.Name("X-Auth-Token")!], !token.isEmpty else { throw Fault.unauthorized() }
        let caller = try await validator.validate(token)
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count >= 2, Query.decode(parts[1]) != caller.projectID {
            throw Fault.badRequest("Malformed request url")
        }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "project"] = .string(caller.projectID)
        context.logger[metadataKey: "user"] = .string(caller.userID)
        return try await next(request, context)
    }
}
