import BulwarkFiles
import BulwarkHTTP
import BulwarkJSON
import Foundation
import Synchronization

/// A failed Kubernetes API call: the method, the path, the status and the API's own
/// message (from its Status object). Never contains the token.
public struct KubernetesError: Error, Sendable, CustomStringConvertible {
    public var description: String
    /// The HTTP status, when the server answered.
    public var status: Int?
    public init(_ description: String, status: Int? = nil) {
        self.description = description
        self.status = status
    }
}

/// The few calls of the Kubernetes core/v1 API that Bulwark needs, over libcurl: get,
/// list (paged with `limit` and `continue`), create, delete. Safe from many threads;
/// blocking.
public final class KubernetesClient: Sendable {
    public let config: KubeConfig
    let http: HTTPClient
    /// The token in use; re-read from `tokenFile` after a 401.
    private let token: Mutex<String?>

    public init(config: KubeConfig, retry: RetryPolicy = RetryPolicy(), timeout: Double = 60) {
        self.config = config
        self.http = HTTPClient(tls: config.tls, retry: retry, timeout: timeout)
        self.token = Mutex(config.token)
    }

    /// GET a path such as `/api/v1/namespaces/default/pods/web`; nil when it is not found.
    public func get(_ path: String) throws(KubernetesError) -> JSON? {
        do { return try send("GET", path) } catch where error.status == 404 { return nil }
    }

    /// Every item of a list path, fetched `pageSize` at a time.
    public func list(_ path: String, pageSize: Int = 500, query: String = "") throws(KubernetesError) -> [JSON] {
        var items: [JSON] = []
        var next: String?
        repeat {
            var q = "limit=\(pageSize)"
            if !query.isEmpty { q += "&" + query }
            if let next { q += "&continue=" + Self.escape(next) }
            let page = try send("GET", path + "?" + q)
            guard let pageItems = page["items"]?.arrayValue else {
                throw KubernetesError("GET \(path): the answer has no items list")
            }
            items += pageItems
            next = page["metadata"]?["continue"]?.stringValue
            if next == "" { next = nil }
        } while next != nil
        return items
    }

    public func create(_ path: String, _ object: JSON) throws(KubernetesError) -> JSON {
        try send("POST", path, body: object)
    }

    /// DELETE; false when it was already gone.
    @discardableResult
    public func delete(_ path: String) throws(KubernetesError) -> Bool {
        do { _ = try send("DELETE", path); return true } catch where error.status == 404 { return false }
    }

    /// One call; on 401 with a token file, read the token again and retry once.
    public func send(_ method: String, _ path: String, body: JSON? = nil) throws(KubernetesError) -> JSON {
        var renewed = false
        while true {
            var headers = [("Accept", "application/json")]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            if let t = try currentToken() { headers.append(("Authorization", "Bearer " + t)) }
            let request = HTTPRequest(method: method, url: config.server + path, headers: headers,
                                      body: body?.serializedBytes(), idempotent: method != "POST")
            let response: HTTPResponse
            do {
                response = try http.send(request)
            } catch where error.status == 401 && !renewed && config.tokenFile != nil {
                renewed = true
                token.withLock { $0 = nil }
                continue
            } catch {
                throw KubernetesError("Kubernetes API \(config.server): \(error)", status: error.status)
            }
            do {
                return try JSON.parse(bytes: response.body)
            } catch {
                throw KubernetesError("Kubernetes API \(config.server): \(method) \(path): the answer (HTTP \(response.status)) is not valid JSON: \(error)",
                                      status: response.status)
            }
        }
    }

    private func currentToken() throws(KubernetesError) -> String? {
        if let t = token.withLock({ $0 }) { return t }
        guard let file = config.tokenFile else { return nil }
        let text: String
        do { text = try RegularFile.text(file, limit: 1 << 20) } catch {
            throw KubernetesError("\(config.origin): cannot read the token file \(file): \(error)")
        }
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        token.withLock { $0 = t }
        return t
    }

    static func escape(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? s
    }
}
