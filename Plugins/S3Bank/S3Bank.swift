import BulwarkS3XML
import BulwarkHTTP
import BulwarkPluginKit
import BulwarkSigV4
import Glibc
import Synchronization

/// A bank in an S3 bucket, every request signed with AWS Signature V4.
///
/// Objects are stored under their key without the leading `/`. Objects written in pieces
/// larger than `part_size` use multipart upload. Leases are JSON objects `{owner,
/// expires_at}` under `~leases/` (a prefix keys cannot have), created with
/// `If-None-Match: *` so two engines cannot both create one; taking over an expired lease
/// is checked by reading it back. Listing is ListObjectsV2, paged; a descending listing is
/// the ascending one reversed (S3 has no reverse order).
struct S3Bank: BankPlugin {
    static let name = "bulwark-s3-bank"
    static let aliases = ["s3", "karbor-s3-bank-plugin"]
    static let configSchema: JSON? = [
        "type": "object",
        "properties": [
            "endpoint": ["type": "string", "description": "e.g. http://127.0.0.1:8080 or https://s3.eu-west-1.amazonaws.com"],
            "bucket": ["type": "string", "minLength": 3, "maxLength": 63],
            "region": ["type": "string", "default": "us-east-1"],
            "access_key": ["type": "string"],
            "secret_key": ["type": "string", "writeOnly": true, "description": "A secret: never logged or shown."],
            "session_token": ["type": "string"],
            "addressing": ["enum": ["path", "virtual"], "default": "path"],
            "part_size": ["type": "integer", "minimum": 5_242_880, "default": 16_777_216],
            "ca_file": ["type": "string"],
            "insecure": ["type": "boolean", "default": false],
        ],
        "required": ["endpoint", "bucket", "access_key", "secret_key"],
        "additionalProperties": false,
    ]

    let store: S3Store

    init(configuration: JSON, context: borrowing PluginContext) throws {
        store = try S3Store(configuration)
    }

    func put(_ key: String, _ bytes: UnsafeRawBufferPointer) throws {
        if bytes.count > store.partSize {
            let writer = S3ObjectWriter(store: store, key: key)
            try writer.append(bytes)
            try writer.commit()
        } else {
            try store.request("PUT", key, body: Array(bytes))
        }
    }

    func openWriter(_ key: String) throws -> any BankObjectWriter { S3ObjectWriter(store: store, key: key) }

    func get(_ key: String, offset: UInt64, length: UInt64) throws -> [UInt8] {
        // One GET: a range past the end is an empty read (416), not an error.
        let range = HTTPRequest.byteRange(offset: offset, length: length)
        return try store.request("GET", key, headers: range.map { [$0] } ?? [], notFound: "no object \(key)", pastEnd: range != nil).body
    }

    func size(_ key: String) throws -> UInt64 {
        UInt64(try store.request("HEAD", key, notFound: "no object \(key)").header("content-length") ?? "0") ?? 0
    }

    func list(prefix: String, marker: String?, limit: Int, descending: Bool) throws -> [String] {
        if descending {
            var all = try store.list(prefix: prefix, startAfter: nil, limit: 0).reversed().map { $0 }
            if let marker { all = all.filter { $0 < marker } }
            return limit > 0 ? Array(all.prefix(limit)) : all
        }
        return try store.list(prefix: prefix, startAfter: marker, limit: limit)
    }

    func delete(_ key: String) throws {
        do { try store.request("DELETE", key, notFound: "gone") } catch let error as PluginError where error.status == 2 {}
    }

    func acquireLease(_ name: String, owner: String, ttl: UInt32) throws { try store.lease(name, owner: owner, ttl: ttl, renew: false) }
    func renewLease(_ name: String, owner: String, ttl: UInt32) throws { try store.lease(name, owner: owner, ttl: ttl, renew: true) }
    func checkLease(_ name: String) throws -> LeaseInfo? { try store.readLease(name) }

    func releaseLease(_ name: String, owner: String) throws {
        guard let info = try store.readLease(name), info.owner == owner else { return }
        do { try store.request("DELETE", "~leases/" + name, notFound: "gone") } catch let error as PluginError where error.status == 2 {}
    }
}

final class S3Store: Sendable {
    let client: HTTPClient
    let signer: SigV4Signer
    let endpoint: String
    let bucket: String
    let virtualHosted: Bool
    let partSize: Int
    /// Whether the server honours `If-None-Match: *` on PUT (learnt from its first 501).
    private let conditionalPuts = Mutex(true)

    init(_ o: JSON) throws {
        guard let endpoint = o["endpoint"]?.stringValue, let bucket = o["bucket"]?.stringValue,
              let access = o["access_key"]?.stringValue, let secret = o["secret_key"]?.stringValue else {
            throw PluginError.invalidArgument("options endpoint, bucket, access_key and secret_key are required")
        }
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.bucket = bucket
        virtualHosted = o["addressing"]?.stringValue == "virtual"
        partSize = o["part_size"]?.numberValue?.intValue ?? 16 << 20
        signer = SigV4Signer(accessKey: access, secretKey: secret, sessionToken: o["session_token"]?.stringValue,
                             region: o["region"]?.stringValue ?? "us-east-1", service: "s3")
        client = HTTPClient(tls: TLSOptions(caFile: o["ca_file"]?.stringValue, insecureSkipVerify: o["insecure"]?.boolValue ?? false))
        // Create the bucket when missing; "already yours" is fine.
        do {
            try request("PUT", nil)
        } catch let error as PluginError where error.httpStatus == 409 {
            // BucketAlreadyOwnedByYou (AWS) or BucketAlreadyExists (Swift's S3 API, for
            // the account's own bucket too); a bucket of another account fails the first
            // request that uses it, with its 403.
        }
    }

    /// Scheme, host and the path of `key` (nil: the bucket itself), path-style or
    /// virtual-hosted.
    func location(_ key: String?) -> (base: String, host: String, path: String) {
        let schemeEnd = endpoint.firstRange(of: "://")!.upperBound
        var host = String(endpoint[schemeEnd...])
        let scheme = String(endpoint[..<schemeEnd])
        let objectPath = key.map { "/" + SigV4Signer.encode(String($0.drop(while: { $0 == "/" })), keepSlash: true) } ?? ""
        if virtualHosted {
            host = bucket + "." + host
            return (scheme + host, host, objectPath.isEmpty ? "/" : objectPath)
        }
        return (scheme + host, host, "/" + bucket + objectPath)
    }

    /// One signed request. `query` is already encoded. 404 becomes notFound when given;
    /// with `pastEnd`, 416 (a range past the end of the object) is an empty response.
    @discardableResult
    func request(_ method: String, _ key: String?, query: String = "", headers: [(String, String)] = [], body: [UInt8]? = nil,
                 notFound: String? = nil, pastEnd: Bool = false) throws -> HTTPResponse {
        let (base, host, path) = location(key)
        // Bodies over 1 MiB are sent as UNSIGNED-PAYLOAD (the signature covers the
        // headers, not the bytes): hashing every part cost more than sending it.
        let payload = (body?.count ?? 0) > 1 << 20 ? "UNSIGNED-PAYLOAD" : hex(SHA256.hash(body ?? []))
        let signed = signer.sign(method: method, path: path, query: query, headers: headers + [("Host", host)],
                                 payloadHash: payload, addContentHashHeader: true, date: amzDate(currentUnixTime()))
        let url = base + path + (query.isEmpty ? "" : "?" + query)
        do {
            return try client.send(HTTPRequest(method: method, url: url, headers: headers + [("Host", host)] + signed.headers,
                                               body: body ?? (method == "PUT" || method == "POST" ? [] : nil)))
        } catch {
            if error.status == 404, let notFound { throw PluginError.notFound(notFound) }
            if error.status == 416, pastEnd { return HTTPResponse(status: 416, headers: [], body: []) }
            throw PluginError(status: 1, message: "S3: \(error)", httpStatus: error.status)
        }
    }

    func list(prefix: String, startAfter: String?, limit: Int) throws -> [String] {
        var keys: [String] = []
        var token: String?
        let objectPrefix = String(prefix.drop(while: { $0 == "/" }))
        repeat {
            let page = limit > 0 ? min(1000, limit - keys.count) : 1000
            var query = "list-type=2&max-keys=\(page)&prefix=\(SigV4Signer.encode(objectPrefix, keepSlash: false))"
            if let token { query += "&continuation-token=\(SigV4Signer.encode(token, keepSlash: false))" }
            if let startAfter, token == nil { query += "&start-after=\(SigV4Signer.encode(String(startAfter.drop(while: { $0 == "/" })), keepSlash: false))" }
            let text = try request("GET", nil, query: query).text
            keys += S3XML.values(text, "Key").filter { !$0.hasPrefix("~") }.map { "/" + $0 }
            token = S3XML.values(text, "IsTruncated").first == "true" ? S3XML.values(text, "NextContinuationToken").first : nil
        } while token != nil && (limit == 0 || keys.count < limit)
        return limit > 0 ? Array(keys.prefix(limit)) : keys
    }

    func readLease(_ name: String) throws -> LeaseInfo? {
        do {
            return LeaseInfo(json: try JSON.parse(bytes: try request("GET", "~leases/" + name, notFound: "no lease").body))
        } catch let error as PluginError where error.status == 2 {
            return nil
        }
    }

    func lease(_ name: String, owner: String, ttl: UInt32, renew: Bool) throws {
        let current = try readLease(name)
        let body = try LeaseInfo.granting(name, held: current, to: owner, ttl: ttl, renew: renew).json.serializedBytes()
        var headers = [("Content-Type", "application/json")]
        let conditional = current == nil && conditionalPuts.withLock { $0 }
        if conditional { headers.append(("If-None-Match", "*")) }
        do {
            try request("PUT", "~leases/" + name, headers: headers, body: body)
        } catch let error as PluginError where error.httpStatus == 412 {
            throw PluginError.conflict("lease \(name) was just taken by another owner")
        } catch let error as PluginError where conditional && error.httpStatus == 501 {
            // No conditional puts here (Swift's S3 API): a plain lease object, with the
            // read-back below as the only guard against a simultaneous taker.
            conditionalPuts.withLock { $0 = false }
            headers.removeLast()
            try request("PUT", "~leases/" + name, headers: headers, body: body)
        }
        if let after = try readLease(name), after.owner != owner {
            throw PluginError.conflict("lease \(name) was taken by \(after.owner)")
        }
    }
}

/// Multipart upload: one part in memory at a time; a single PUT when everything fits
/// one part.
final class S3ObjectWriter: BankObjectWriter, @unchecked Sendable {
    let store: S3Store
    let key: String
    var buffer: [UInt8] = []
    var uploadID: String?
    var parts: [(Int, String)] = []

    init(store: S3Store, key: String) {
        self.store = store
        self.key = key
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        buffer.append(contentsOf: bytes)
        while buffer.count >= store.partSize {
            let piece: [UInt8]
            if buffer.count == store.partSize {
                piece = buffer
                buffer = []
            } else {
                piece = Array(buffer.prefix(store.partSize))
                buffer.removeFirst(piece.count)
            }
            try uploadPart(piece)
        }
    }

    private func uploadPart(_ piece: [UInt8]) throws {
        if uploadID == nil {
            let text = try store.request("POST", key, query: "uploads=").text
            guard let id = S3XML.values(text, "UploadId").first else { throw PluginError.failed("S3: no UploadId in the answer to CreateMultipartUpload") }
            uploadID = id
        }
        let number = parts.count + 1
        let response = try store.request("PUT", key, query: "partNumber=\(number)&uploadId=\(SigV4Signer.encode(uploadID!, keepSlash: false))", body: piece)
        parts.append((number, response.header("etag") ?? ""))
    }

    func commit() throws {
        guard uploadID != nil else {
            try store.request("PUT", key, body: buffer)
            buffer = []
            return
        }
        if !buffer.isEmpty {
            try uploadPart(buffer)
            buffer = []
        }
        let xml = "<CompleteMultipartUpload>" + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(S3XML.escape($0.1))</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>"
        let response = try store.request("POST", key, query: "uploadId=\(SigV4Signer.encode(uploadID!, keepSlash: false))",
                                         headers: [("Content-Type", "application/xml")], body: Array(xml.utf8))
        // CompleteMultipartUpload can fail with 200 and an <Error> body.
        if let code = S3XML.values(response.text, "Code").first {
            throw PluginError.failed("S3: completing the upload of \(key) failed: \(code): \(S3XML.values(response.text, "Message").first ?? "")")
        }
    }

    func abort() {
        buffer = []
        if let id = uploadID {
            _ = try? store.request("DELETE", key, query: "uploadId=\(SigV4Signer.encode(id, keepSlash: false))")
        }
        uploadID = nil
    }
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-s3-bank", version: "1.0.0", banks: [S3Bank.self]).export(call, host, out)
}
