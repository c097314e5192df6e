import BulwarkHTTP
import BulwarkJSON
import Foundation
import Synchronization

/// A Keystone v3 token and its service catalog, reused until it nears expiry and renewed
/// when a service answers 401. Safe from many threads; blocking.
public final class KeystoneSession: Sendable {
    public let credentials: OpenStackCredentials
    public let client: HTTPClient

    public struct Token: Sendable {
        public var value: String
        public var expiresAt: Date
        public var projectID: String?
        /// (type, interface, region, url)
        public var endpoints: [(type: String, interface: String, region: String, url: String)]
    }

    private let current = Mutex<Token?>(nil)
    /// Renew this long before the token expires.
    public let renewalMargin: TimeInterval

    public init(credentials: OpenStackCredentials, client: HTTPClient? = nil, renewalMargin: TimeInterval = 120) {
        self.credentials = credentials
        self.client = client ?? HTTPClient(tls: credentials.tls)
        self.renewalMargin = renewalMargin
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// A valid token: the cached one, or a new one when there is none or it nears expiry.
    public func token() throws(Failure) -> Token {
        if let t = current.withLock({ $0 }), t.expiresAt.timeIntervalSinceNow > renewalMargin { return t }
        let t = try authenticate()
        current.withLock { $0 = t }
        return t
    }

    /// Forget the token (after a 401): the next call authenticates again.
    public func invalidate() { current.withLock { $0 = nil } }

    /// The URL of a service from the catalog, by type (e.g. "object-store", "volumev3").
    public func endpoint(type: String) throws(Failure) -> String {
        let t = try token()
        let matches = t.endpoints.filter {
            $0.type == type && $0.interface == credentials.interface && (credentials.region == nil || $0.region == credentials.region)
        }
        guard let url = matches.first?.url else {
            let types = Set(t.endpoints.map(\.type)).sorted().joined(separator: ", ")
            throw Failure(description: "the service catalog has no \(credentials.interface) \(type) endpoint\(credentials.region.map { " in region \($0)" } ?? "") (it has: \(types))")
        }
        return url
    }

    /// Send a request with the token; on 401 renew the token once and try again.
    public func send(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        var renewed = false
        while true {
            var r = request
            do {
                r.headers.append(("X-Auth-Token", try token().value))
            } catch {
                throw HTTPError(kind: .status(401), method: request.method, url: HTTPError.redact(request.url), message: error.description, attempts: 1)
            }
            do {
                return try client.send(r)
            } catch where error.status == 401 && !renewed {
                renewed = true
                invalidate()
            }
        }
    }

    private func authenticate() throws(Failure) -> Token {
        var identity: JSON
        switch credentials.method {
        case .password(let user, let password, let domain):
            identity = ["methods": ["password"],
                        "password": ["user": ["name": .string(user), "domain": ["name": .string(domain)], "password": .string(password)]]]
        case .applicationCredential(let id, let secret):
            identity = ["methods": ["application_credential"],
                        "application_credential": ["id": .string(id), "secret": .string(secret)]]
        }
        var auth = JSONObject([("identity", identity)])
        if case .password = credentials.method {
            if let id = credentials.projectID {
                auth["scope"] = ["project": ["id": .string(id)]]
            } else if let name = credentials.projectName {
                auth["scope"] = ["project": ["name": .string(name), "domain": ["name": .string(credentials.projectDomain)]]]
            }
        }
        let body = JSON.object(JSONObject([("auth", .object(auth))])).serializedBytes()
        let response: HTTPResponse
        do {
            response = try client.send(HTTPRequest(method: "POST", url: credentials.authURL + "/auth/tokens",
                                                   headers: [("Content-Type", "application/json")], body: body, idempotent: true))
        } catch {
            throw Failure(description: "Keystone authentication as \(credentials) failed: \(error)")
        }
        guard let value = response.header("x-subject-token"), let json = try? JSON.parse(bytes: response.body), let token = json["token"] else {
            throw Failure(description: "Keystone at \(HTTPError.redact(credentials.authURL)) answered without a token")
        }
        let expires = token["expires_at"]?.stringValue.flatMap(Self.parseDate) ?? Date().addingTimeInterval(3600)
        var endpoints: [(type: String, interface: String, region: String, url: String)] = []
        for service in token["catalog"]?.arrayValue ?? [] {
            let type = service["type"]?.stringValue ?? ""
            for e in service["endpoints"]?.arrayValue ?? [] {
                endpoints.append((type, e["interface"]?.stringValue ?? "", e["region_id"]?.stringValue ?? e["region"]?.stringValue ?? "",
                                  e["url"]?.stringValue ?? ""))
            }
        }
        return Token(value: value, expiresAt: expires, projectID: token["project"]?["id"]?.stringValue, endpoints: endpoints)
    }

    /// Keystone's ISO 8601 times, e.g. 2026-11-22T04:23:52.000000Z.
    static func parseDate(_ text: String) -> Date? {
        var t = text
        if let dot = t.firstIndex(of: ".") { t = String(t[..<dot]) + "Z" }
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: t)
    }
}
