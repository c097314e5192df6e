import BulwarkHTTP
import BulwarkJSON
import Foundation

/// A failed Cinder call or wait, with the server's message. Never contains a token.
public struct CinderError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public var status: Int?
    public init(_ description: String, status: Int? = nil) {
        self.description = description
        self.status = status
    }
}

/// The Cinder v3 calls Bulwark's volume plugins use: volumes, snapshots, backups and
/// their status polling. Safe from many threads; blocking.
public final class CinderClient: Sendable {
    public enum Auth: Sendable {
        /// A Keystone token; the endpoint from the catalog unless one is given.
        case keystone(KeystoneSession)
        /// Cinder's `noauth` strategy (development deployments): `X-Auth-Token: user:project`.
        case noauth(user: String, project: String)
        /// `noauth` in the project the session's credentials are scoped to (found on first use).
        case noauthInScope(user: String, session: KeystoneSession)
    }

    public let auth: Auth
    /// The volume API's base URL ending in the project, e.g. `http://127.0.0.1:8776/v3/<project>`;
    /// `{project_id}` in it is replaced by the project.
    let endpointOverride: String?
    let http: HTTPClient

    public init(auth: Auth, endpoint: String? = nil, tls: TLSOptions = TLSOptions(), retry: RetryPolicy = RetryPolicy()) {
        self.auth = auth
        self.endpointOverride = endpoint.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.http = HTTPClient(tls: tls, retry: retry)
    }

    /// The project the calls act in.
    public func projectID() throws(CinderError) -> String {
        let session: KeystoneSession
        switch auth {
        case .noauth(_, let project): return project
        case .keystone(let s), .noauthInScope(_, let s): session = s
        }
        let token: KeystoneSession.Token
        do { token = try session.token() } catch { throw CinderError(error.description) }
        guard let id = token.projectID else { throw CinderError("the Keystone token is not scoped to a project") }
        return id
    }

    public func endpoint() throws(CinderError) -> String {
        if let endpointOverride {
            return endpointOverride.replacingOccurrences(of: "{project_id}", with: try projectID())
        }
        guard case .keystone(let session) = auth else {
            throw CinderError("with noauth, the Cinder endpoint must be given (cinder_url)")
        }
        var lastError = ""
        for type in ["volumev3", "block-storage"] {
            do { return try session.endpoint(type: type) } catch { lastError = error.description }
        }
        throw CinderError(lastError)
    }

    /// One call; the parsed answer, or nil when it has no body.
    @discardableResult
    public func send(_ method: String, _ path: String, body: JSON? = nil) throws(CinderError) -> JSON? {
        var headers = [("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        var request = HTTPRequest(method: method, url: try endpoint() + path, headers: headers, body: body?.serializedBytes(),
                                  idempotent: method != "POST")
        switch auth {
        case .keystone: break  // the session adds its token, and renews it on 401
        case .noauth(let user, _), .noauthInScope(let user, _): request.headers.append(("X-Auth-Token", "\(user):\(try projectID())"))
        }
        let response: HTTPResponse
        do {
            if case .keystone(let session) = auth {
                response = try session.send(request)
            } else {
                response = try http.send(request)
            }
        } catch {
            throw CinderError("Cinder: \(error)", status: error.status)
        }
        if response.body.isEmpty { return nil }
        do { return try JSON.parse(bytes: response.body) } catch {
            throw CinderError("Cinder: \(method) \(path): the answer (HTTP \(response.status)) is not valid JSON: \(error)", status: response.status)
        }
    }

    /// GET one object (`volumes`, `snapshots`, `backups`); nil when it does not exist.
    public func show(_ collection: String, _ id: String) throws(CinderError) -> JSON? {
        do {
            return try send("GET", "/\(collection)/\(id)")?[Self.singular(collection)]
        } catch where error.status == 404 {
            return nil
        }
    }

    /// Every object of a collection's detail listing, paged by marker.
    public func listDetail(_ collection: String, pageSize: Int = 500) throws(CinderError) -> [JSON] {
        var all: [JSON] = []
        var marker: String?
        while true {
            var path = "/\(collection)/detail?limit=\(pageSize)"
            if let marker { path += "&marker=\(marker)" }
            let page = try send("GET", path)?[collection]?.arrayValue ?? []
            all += page
            guard page.count == pageSize, let last = page.last?["id"]?.stringValue else { return all }
            marker = last
        }
    }

    /// POST a create body; the new object's id.
    public func create(_ collection: String, _ object: JSON) throws(CinderError) -> String {
        let key = Self.singular(collection)
        guard let id = try send("POST", "/\(collection)", body: .object(JSONObject([(key, object)])))?[key]?["id"]?.stringValue else {
            throw CinderError("Cinder: POST /\(collection) answered without an id")
        }
        return id
    }

    /// DELETE; false when it was already gone.
    @discardableResult
    public func delete(_ collection: String, _ id: String) throws(CinderError) -> Bool {
        do { try send("DELETE", "/\(collection)/\(id)"); return true } catch where error.status == 404 { return false }
    }

    /// Restore a backup into a new volume (or `volumeID`); the volume's id.
    public func restoreBackup(_ id: String, name: String?, volumeID: String? = nil) throws(CinderError) -> String {
        var restore = JSONObject()
        if let name { restore["name"] = .string(name) }
        if let volumeID { restore["volume_id"] = .string(volumeID) }
        guard let volume = try send("POST", "/backups/\(id)/restore", body: ["restore": .object(restore)])?["restore"]?["volume_id"]?.stringValue else {
            throw CinderError("Cinder: restoring backup \(id) answered without a volume id")
        }
        return volume
    }

    /// Poll until the object's status is one of `until`; throws when it turns to an error
    /// status, disappears, or `timeout` passes. `deleted: true` waits for it to be gone.
    @discardableResult
    public func wait(_ collection: String, _ id: String, until: Set<String>, deleted: Bool = false, interval: Double = 1,
                     timeout: Double = 600, cancelled: () -> Bool = { false }) throws(CinderError) -> JSON? {
        let kind = Self.singular(collection)
        let deadline = Date().addingTimeInterval(timeout)
        var last = "unknown"
        while true {
            guard let object = try show(collection, id) else {
                if deleted { return nil }
                throw CinderError("Cinder: \(kind) \(id) disappeared while waiting for \(until.sorted().joined(separator: "|"))")
            }
            last = object["status"]?.stringValue ?? "unknown"
            if !deleted, until.contains(last) { return object }
            if last.hasPrefix("error") {
                let reason = object["fail_reason"]?.stringValue.map { ": \($0)" } ?? ""
                throw CinderError("Cinder: \(kind) \(id) went to status \(last)\(reason)")
            }
            if Date() > deadline {
                throw CinderError("Cinder: \(kind) \(id) is still \(last) after \(Int(timeout)) s (waiting for \(deleted ? "deletion" : until.sorted().joined(separator: "|")))")
            }
            if cancelled() { throw CinderError("cancelled while waiting for \(kind) \(id)") }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    static func singular(_ collection: String) -> String {
        collection.hasSuffix("s") ? String(collection.dropLast()) : collection
    }
}
