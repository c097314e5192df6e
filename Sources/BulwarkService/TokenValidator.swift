import BulwarkHTTP
import BulwarkJSON
import BulwarkOpenStack
import Foundation
import Synchronization

/// Turns an `X-Auth-Token` into a caller, or refuses it.
protocol TokenValidator: Sendable {
    func validate(_ token: String) async throws -> Caller
}

/// Karbor's noauth: the token is `user:project` (or `user`, whose project is then the
/// user's name) and every caller is an admin. For local use only.
struct NoAuthValidator: TokenValidator {
    func validate(_ token: String) async throws -> Caller {
        let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let user = parts[0]
        let project = parts.count > 1 && !parts[1].isEmpty ? parts[1] : user
        guard !user.isEmpty else { throw Fault.unauthorized() }
        return Caller(userID: user, projectID: project, roles: ["admin"], isAdmin: true)
    }
}

/// Validates tokens with Keystone as keystonemiddleware does: `GET /v3/auth/tokens` with
/// the caller's token as `X-Subject-Token`, authenticated by the service's own token.
/// Valid answers are cached, keyed by the token, until the token expires or
/// `cacheSeconds` pass, whichever is first (so a revoked token is refused within
/// `cacheSeconds`); at most `cacheEntries` are kept. Tokens are never logged.
final class KeystoneValidator: TokenValidator {
    private let session: KeystoneSession
    private let authURL: String
    private let cacheSeconds: Double
    private let cacheEntries: Int
    private let adminRoles: Set<String>
    private let cache = Mutex<[String: (caller: Caller, until: Double)]>([:])

    init(_ config: ServiceConfig.Keystone) {
        let credentials = OpenStackCredentials(
            authURL: config.authURL, method: .password(username: config.username, password: config.password, userDomain: config.userDomainName),
            projectName: config.projectName, projectDomain: config.projectDomainName, tls: TLSOptions(caFile: config.caFile))
        session = KeystoneSession(credentials: credentials, client: HTTPClient(tls: TLSOptions(caFile: config.caFile), connectTimeout: 5, timeout: 30))
        authURL = config.authURL.hasSuffix("/") ? String(config.authURL.dropLast()) : config.authURL
        cacheSeconds = Double(config.cacheSeconds)
        cacheEntries = config.cacheEntries
        adminRoles = config.adminRoles
    }

    func validate(_ token: String) async throws -> Caller {
        guard !token.isEmpty else { throw Fault.unauthorized() }
        let now = Date().timeIntervalSince1970
        if let hit = cache.withLock({ $0[token] }), hit.until > now { return hit.caller }
        let (caller, expires) = try await blocking { [self] in try ask(token) }
        let until = min(expires, now + cacheSeconds)
        if until > now {
            cache.withLock { c in
                if c.count >= cacheEntries {
                    // Drop the expired first; if none, an arbitrary tenth: bounded, and cheap.
                    c = c.filter { $0.value.until > now }
                    if c.count >= cacheEntries { for key in c.keys.prefix(max(1, cacheEntries / 10)) { c[key] = nil } }
                }
                c[token] = (caller, until)
            }
        }
        return caller
    }

    private func ask(_ token: String) throws -> (Caller, Double) {
        let url = authURL.hasSuffix("/v3") ? authURL + "/auth/tokens" : authURL + "/v3/auth/tokens"
        let response: HTTPResponse
        do {
            response = try session.send(HTTPRequest(method: "GET", url: url, headers: [("X-Subject-Token", token)]))
        } catch where error.status == 404 {
            // The subject token is unknown, expired or revoked.
            throw Fault.unauthorized()
        } catch {
            throw Fault(.serviceUnavailable, "the identity service cannot validate tokens now: \(error)")
        }
        guard let body = try? JSON.parse(response.text), let t = body["token"] else {
            throw Fault(.serviceUnavailable, "the identity service answered token validation with no token")
        }
        guard let project = t["project"]?["id"]?.stringValue else {
            throw Fault.unauthorized("the token is not scoped to a project")
        }
        let roles = Set((t["roles"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue })
        let expires = t["expires_at"]?.stringValue.flatMap(Self.parseTime) ?? (Date().timeIntervalSince1970 + 60)
        let caller = Caller(userID: t["user"]?["id"]?.stringValue ?? "", projectID: project, roles: roles,
                            isAdmin: !roles.isDisjoint(with: adminRoles))
        return (caller, expires)
    }

    /// Keystone's `2026-12-01T10:00:00.000000Z`.
    static func parseTime(_ text: String) -> Double? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = formatter.date(from: text) { return d.timeIntervalSince1970 }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)?.timeIntervalSince1970
    }
}
