import Hummingbird
import Logging

/// Who is calling, as the token says.
struct Caller: Sendable {
    var userID: String
    var projectID: String
    var roles: Set<String>
    var isAdmin: Bool
}

/// The context of one API request: the request id (also in the logger's metadata and
/// the `X-Openstack-Request-Id` answer header) and, once authenticated, the caller.
struct APIContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var requestID: String = ""
    var caller: Caller?
    /// The route's template ("/v1/{project}/plans/{id}") for metrics, set by the router.
    var maxUploadSize: Int { 1 << 20 }

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    /// The authenticated caller; the auth middleware guarantees one on /v1 routes.
    func requireCaller() throws -> Caller {
        guard let caller else { throw Fault.unauthorized() }
        return caller
    }
}
