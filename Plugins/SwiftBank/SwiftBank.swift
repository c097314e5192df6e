import BulwarkHTTP
import BulwarkOpenStack
import BulwarkPluginKit
import Dispatch
import Glibc
import Synchronization

/// A bank in OpenStack Swift, as Karbor's default bank.
///
/// Objects live in `container` under their key without the leading `/`. One PUT each:
/// objects put whole or written with a declared size (ABI 1.1) up to `single_put_max`,
/// and objects written in pieces up to 8 MiB. Other objects become Static Large Objects
/// streamed in segments of `segment_size`: segments in `<container>_segments`, a
/// manifest at the key; deleting the key deletes the segments.
/// Leases are JSON objects `{owner, expires_at}` in `<container>_leases`, with
/// `X-Delete-After` a minute past the expiry so Swift cleans up leases nobody releases.
/// Auth: tempauth v1, or Keystone v3 (`auth: keystone` with a clouds.yaml-style
/// `keystone` entry; the storage URL is the catalog's object-store endpoint).
struct SwiftBank: BankPlugin {
    static let name = "bulwark-swift-bank"
    static let aliases = ["swift", "karbor-swift-bank-plugin"]
    static let configSchema: JSON? = [
        "type": "object",
        "properties": [
            "auth": ["enum": ["tempauth", "keystone"], "default": "tempauth"],
            "keystone": ["type": "object", "description": "Keystone v3 credentials, as one cloud of clouds.yaml: {auth: {auth_url, username, password, project_name, ...}, region_name, interface}"],
            "auth_url": ["type": "string", "description": "tempauth URL, e.g. http://127.0.0.1:8080/auth/v1.0"],
            "user": ["type": "string", "description": "tempauth user, account:user"],
            "key": ["type": "string", "writeOnly": true, "description": "tempauth key (a secret: never logged or shown)"],
            "storage_url": ["type": "string", "description": "Use this storage URL instead of the one auth returns."],
            "container": ["type": "string", "minLength": 1, "maxLength": 200, "default": "bulwark"],
            "segment_size": ["type": "integer", "minimum": 1_048_576, "default": 104_857_600,
                             "description": "Segment size of objects stored as Static Large Objects; a segment is retried whole."],
            "single_put_max": ["type": "integer", "minimum": 0, "default": 5_368_709_120,
                               "description": "Largest object of known size sent as one PUT (Swift's max_file_size is 5 GiB by default); 0 segments every object over 8 MiB."],
            "ca_file": ["type": "string"],
            "insecure": ["type": "boolean", "default": false],
        ],
        "if": ["properties": ["auth": ["const": "keystone"]], "required": ["auth"]],
        "then": ["required": ["keystone"]],
        "else": ["required": ["auth_url", "user", "key"]],
        "additionalProperties": false,
    ]

    let store: SwiftStore

    init(configuration: JSON, context: borrowing PluginContext) throws {
        store = try SwiftStore(configuration)
    }

    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count > max(store.singlePutMax, SwiftObjectWriter.inlineLimit) {
            let writer = SwiftObjectWriter(store: store, key: key)
            try writer.append(bytes)
            try writer.commit()
        } else {
            try store.request("PUT", store.objectURL(key), body: Array(bytes))
        }
    }

    func openWriter(_ key: String) throws -> any BankObjectWriter { SwiftObjectWriter(store: store, key: key) }

    func openWriter(_ key: String, size: UInt64) throws -> any BankObjectWriter {
        guard size > UInt64(SwiftObjectWriter.inlineLimit), size <= UInt64(store.singlePutMax) else {
            return SwiftObjectWriter(store: store, key: key, size: Int(clamping: size))
        }
        return try SwiftSinglePutWriter(store: store, key: key, size: Int(size))
    }

    func get(_ key: String, offset: UInt64, length: UInt64) throws -> [UInt8] {
        // One GET: a range past the end is an empty read (416), not an error.
        let range = HTTPRequest.byteRange(offset: offset, length: length)
        return try store.send(HTTPRequest(method: "GET", url: store.objectURL(key), headers: range.map { [$0] } ?? []),
                              notFound: "no object \(key)", pastEnd: range != nil).body
    }

    func size(_ key: String) throws -> UInt64 {
        let response = try store.request("HEAD", store.objectURL(key), notFound: "no object \(key)")
        return UInt64(response.header("content-length") ?? "0") ?? 0
    }

    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws -> [String] {
        try store.list(prefix: prefix, marker: marker, limit: limit, descending: descending)
    }

    func delete(_ key: String) throws {
        // A Static Large Object is deleted with its segments (multipart-manifest=delete);
        // Swift 2.30 answers that query with 200 and does nothing for a plain object, so
        // look first.
        do {
            let head = try store.request("HEAD", store.objectURL(key), notFound: "gone")
            let isManifest = head.header("x-static-large-object")?.lowercased() == "true"
            try store.request("DELETE", store.objectURL(key) + (isManifest ? "?multipart-manifest=delete" : ""), notFound: "gone")
        } catch let error as PluginError where error.status == 2 {
            return
        }
    }

    func acquireLease(_ name: String, owner: String, ttl: UInt32) throws { try store.lease(name, owner: owner, ttl: ttl, renew: false) }
    func renewLease(_ name: String, owner: String, ttl: UInt32) throws { try store.lease(name, owner: owner, ttl: ttl, renew: true) }
    func checkLease(_ name: String) throws -> LeaseInfo? { try store.readLease(name) }

    func releaseLease(_ name: String, owner: String) throws {
        guard let info = try store.readLease(name), info.owner == owner else { return }
        do { try store.request("DELETE", store.leaseURL(name), notFound: "gone") } catch let error as PluginError where error.status == 2 {}
    }
}

/// The Swift account: auth, URLs and requests, shared by the bank and its writers.
final class SwiftStore: Sendable {
    let client: HTTPClient
    let authURL: String
    let user: String
    let key: String
    /// Set for Keystone auth.
    let keystone: KeystoneSession?
    let fixedStorageURL: String?
    let container: String
    let segmentSize: Int
    let singlePutMax: Int
    /// (storage URL, token), renewed when the server says 401.
    private let session = Mutex<(url: String, token: String)?>(nil)

    init(_ o: JSON) throws {
        if o["auth"]?.stringValue == "keystone" {
            guard let cloud = o["keystone"] else { throw PluginError.invalidArgument("auth keystone needs the option \"keystone\"") }
            let credentials: OpenStackCredentials
            do { credentials = try OpenStackCredentials.from(json: cloud, origin: "option keystone") } catch {
                throw PluginError.invalidArgument(error.description)
            }
            keystone = KeystoneSession(credentials: credentials)
            (authURL, user, key) = (credentials.authURL, "", "")
        } else {
            guard let authURL = o["auth_url"]?.stringValue, let user = o["user"]?.stringValue, let key = o["key"]?.stringValue else {
                throw PluginError.invalidArgument("options auth_url, user and key are required")
            }
            (self.authURL, self.user, self.key) = (authURL, user, key)
            keystone = nil
        }
        fixedStorageURL = o["storage_url"]?.stringValue
        container = o["container"]?.stringValue ?? "bulwark"
        segmentSize = o["segment_size"]?.numberValue?.intValue ?? 100 << 20
        singlePutMax = o["single_put_max"]?.numberValue?.intValue ?? 5 << 30
        client = HTTPClient(tls: TLSOptions(caFile: o["ca_file"]?.stringValue, insecureSkipVerify: o["insecure"]?.boolValue ?? false))
        for c in [container, container + "_segments", container + "_leases"] {
            try request("PUT", try storageURL() + "/" + c)
        }
    }

    /// Object names are keys without the leading "/"; each part is percent-encoded.
    func objectURL(_ key: String, container: String? = nil) throws -> String {
        try storageURL() + "/" + (container ?? self.container) + "/" + encodePath(String(key.drop(while: { $0 == "/" })))
    }

    func leaseURL(_ name: String) throws -> String { try objectURL(name, container: container + "_leases") }

    func storageURL() throws -> String {
        try authenticated().url
    }

    private func authenticated(renew: Bool = false) throws -> (url: String, token: String) {
        if let keystone {
            if renew { keystone.invalidate() }
            do {
                return (try fixedStorageURL ?? keystone.endpoint(type: "object-store"), try keystone.token().value)
            } catch {
                throw PluginError.failed("Swift auth: \(error)")
            }
        }
        if !renew, let s = session.withLock({ $0 }) { return s }
        let response: HTTPResponse
        do {
            response = try client.send(HTTPRequest(method: "GET", url: authURL, headers: [("X-Auth-User", user), ("X-Auth-Key", key)]))
        } catch {
            throw PluginError.failed("Swift auth at \(HTTPError.redact(authURL)) failed: \(error)")
        }
        guard let token = response.header("x-auth-token"), let url = fixedStorageURL ?? response.header("x-storage-url") else {
            throw PluginError.failed("Swift auth at \(HTTPError.redact(authURL)) returned no token or storage URL")
        }
        let s = (url, token)
        session.withLock { $0 = s }
        return s
    }

    /// One request with the token; on 401 the token is renewed once. 404 becomes
    /// PluginError.notFound(`notFound`) when given.
    @discardableResult
    func request(_ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
                 notFound: String? = nil) throws -> HTTPResponse {
        try send(HTTPRequest(method: method, url: url, headers: headers, body: body), notFound: notFound)
    }

    /// `request`, with the token added. With `pastEnd`, 416 (a range past the end of the
    /// object) is an empty response.
    @discardableResult
    func send(_ request: HTTPRequest, notFound: String? = nil, pastEnd: Bool = false) throws -> HTTPResponse {
        var renewed = false
        while true {
            var authorised = request
            authorised.headers.append(("X-Auth-Token", try authenticated().token))
            do {
                return try client.send(authorised)
            } catch {
                if error.status == 401, !renewed {
                    renewed = true
                    _ = try authenticated(renew: true)
                    continue
                }
                if error.status == 404, let notFound { throw PluginError.notFound(notFound) }
                if error.status == 416, pastEnd { return HTTPResponse(status: 416, headers: [], body: []) }
                throw PluginError(status: 1, message: "Swift: \(error)", httpStatus: error.status)
            }
        }
    }

    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws -> [String] {
        // Swift lists at most 10,000 names a request: page until `limit` (or the end).
        var names: [String] = []
        var next = marker.map { String($0.drop(while: { $0 == "/" })) }
        let objectPrefix = String(prefix.drop(while: { $0 == "/" }))
        while true {
            let page = limit > 0 ? min(10_000, limit - names.count) : 10_000
            var query = "format=json&limit=\(page)&prefix=\(encodeQuery(objectPrefix))"
            if let next { query += "&marker=\(encodeQuery(next))" }
            if descending { query += "&reverse=true" }
            let response = try request("GET", try storageURL() + "/" + container + "?" + query)
            guard case .array(let entries) = (try? JSON.parse(bytes: response.body)) ?? .null else {
                throw PluginError.failed("Swift returned a listing that is not a JSON array")
            }
            let batch = entries.compactMap { $0["name"]?.stringValue }
            names += batch.map { "/" + $0 }
            if batch.count < page || (limit > 0 && names.count >= limit) { return names }
            next = batch.last
        }
    }

    func readLease(_ name: String) throws -> LeaseInfo? {
        do {
            return LeaseInfo(json: try JSON.parse(bytes: try request("GET", try leaseURL(name), notFound: "no lease").body))
        } catch let error as PluginError where error.status == 2 {
            return nil
        }
    }

    func lease(_ name: String, owner: String, ttl: UInt32, renew: Bool) throws {
        let current = try readLease(name)
        let body = try LeaseInfo.granting(name, held: current, to: owner, ttl: ttl, renew: renew).json.serializedBytes()
        var headers = [("X-Delete-After", String(Int(ttl) + 60)), ("Content-Type", "application/json")]
        // No lease yet: create it only if still absent (412 when someone else just did).
        if current == nil { headers.append(("If-None-Match", "*")) }
        do {
            try request("PUT", try leaseURL(name), headers: headers, body: body)
        } catch let error as PluginError where error.httpStatus == 412 {
            throw PluginError.conflict("lease \(name) was just taken by another owner")
        }
        // Two takers of an expired lease: the last write wins; the loser finds out here.
        if let after = try readLease(name), after.owner != owner {
            throw PluginError.conflict("lease \(name) was taken by \(after.owner)")
        }
    }
}

/// Writes an object in pieces. Up to `inlineLimit` bytes are kept in memory and committed
/// with one PUT. Past that the object becomes a Static Large Object uploaded while it is
/// produced: a segment's PUT streams its bytes as they are appended (chunked, unless the
/// segment is already full when its PUT starts), one segment's PUT sends at a time and the
/// next starts once its bytes are out, at most two segments are held, and a segment's
/// bytes are kept until its PUT succeeds, so a failed attempt is retried from its start.
/// The manifest is written on commit.
final class SwiftObjectWriter: BankObjectWriter, @unchecked Sendable {
    /// Objects written through a writer up to this size are one plain PUT.
    static let inlineLimit = 8 << 20

    let store: SwiftStore
    let key: String
    let upload: String
    /// The object's declared size, if any: every segment is then sent with its length.
    let size: Int?
    private var inline: [UInt8] = []
    /// The segment being filled; its PUT is already running.
    private var current: StreamingBody?
    /// Signalled once the segment started last has been sent.
    private var lastSent: DispatchSemaphore?
    private var count = 0
    private let uploads = DispatchGroup()
    private let slots = DispatchSemaphore(value: 2)
    private let state = Mutex<(segments: [Int: JSON], failure: String?, spare: [StreamingBody])>(([:], nil, []))

    init(store: SwiftStore, key: String, size: Int? = nil) {
        self.store = store
        self.key = key
        self.size = size
        var random = SystemRandomNumberGenerator()
        upload = String(key.drop(while: { $0 == "/" })) + "/" + String(random.next(), radix: 36)
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        if count == 0 {
            if inline.count + rest.count <= min(Self.inlineLimit, store.segmentSize), size.map({ $0 <= Self.inlineLimit }) ?? true {
                inline.append(contentsOf: rest)
                return
            }
            try startSegment()
            inline.withUnsafeBytes { _ = current!.append($0) }
            inline = []
        }
        while !rest.isEmpty {
            if current == nil { try startSegment() }
            let taken = current!.append(rest)
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            if current!.remaining == 0 {
                current!.finish()
                current = nil
            }
        }
    }

    /// Start the next segment's PUT; it sends what `current` is given until finished.
    private func startSegment() throws {
        if let failure = state.withLock({ $0.failure }) { throw PluginError.failed(failure) }
        slots.wait()
        let index = count
        count += 1
        // One segment streams at a time: the next starts once this one's bytes are all
        // sent, overlapping only its wait for Swift's answer (two streams at once were
        // slower against a single object server).
        let (previous, sent) = (lastSent, DispatchSemaphore(value: 0))
        lastSent = sent
        let body = state.withLock { $0.spare.popLast() } ?? StreamingBody(capacity: store.segmentSize)
        body.reset(onSent: { sent.signal() })
        current = body
        uploads.enter()
        let (store, name) = (store, upload + "/" + format6(index))
        DispatchQueue.global().async { [self] in
            defer {
                sent.signal()  // also when the upload failed before sending everything
                slots.signal()
                uploads.leave()
            }
            previous?.wait()
            do {
                var request = HTTPRequest(method: "PUT", url: try store.objectURL(name, container: store.container + "_segments"))
                request.streaming(body)
                if let size { request.bodyLength = min(store.segmentSize, size - index * store.segmentSize) }
                let response = try store.send(request)
                let segment: JSON = ["path": .string("/\(store.container)_segments/\(name)"), "etag": .string(response.header("etag") ?? ""),
                                     "size_bytes": .number(JSONNumber(body.count))]
                state.withLock {
                    $0.segments[index] = segment
                    $0.spare.append(body)
                }
            } catch {
                state.withLock { if $0.failure == nil { $0.failure = "\(error)" } }
            }
        }
    }

    func commit() throws {
        if count == 0 {
            try store.request("PUT", try store.objectURL(key), body: inline)
            inline = []
            return
        }
        current?.finish()
        current = nil
        uploads.wait()
        let (segments, failure) = state.withLock { ($0.segments, $0.failure) }
        if let failure {
            abort()
            throw PluginError.failed(failure)
        }
        let manifest = JSON.array((0..<count).map { segments[$0]! }).serializedBytes()
        try store.request("PUT", try store.objectURL(key) + "?multipart-manifest=put", headers: [("Content-Type", "application/json")],
                          body: manifest)
    }

    func abort() {
        inline = []
        // A segment still waiting for bytes ends its PUT with an error: Swift keeps nothing of it.
        current?.cancel()
        current = nil
        uploads.wait()
        let segments = state.withLock { $0.segments }
        for (_, segment) in segments {
            guard let path = segment["path"]?.stringValue else { continue }
            _ = try? store.request("DELETE", (try? store.storageURL()).map { $0 + encodePath(path) } ?? "")
        }
        state.withLock { $0.segments = [:] }
    }
}

func format6(_ n: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, 6 - s.count)) + s
}

/// Percent-encode a path, keeping "/" (keys hold only A-Z a-z 0-9 / _ . - @).
func encodePath(_ path: String) -> String {
    var out = ""
    for b in path.utf8 {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "~"):
            out.append(Character(Unicode.Scalar(b)))
        default:
            out += "%" + String(b, radix: 16, uppercase: true).leftPadded()
        }
    }
    return out
}

func encodeQuery(_ value: String) -> String { encodePath(value).replacingSlashes() }

extension String {
    func leftPadded() -> String { count == 1 ? "0" + self : self }
    func replacingSlashes() -> String { split(separator: "/", omittingEmptySubsequences: false).joined(separator: "%2F") }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-swift-bank", version: "1.0.0", banks: [SwiftBank.self]).export(call, host, out)
}
