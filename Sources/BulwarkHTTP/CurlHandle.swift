import CCurl
import Glibc

/// One libcurl easy handle, reused for request after request (so its connections are
/// reused). Used by one thread at a time: the client pools them.
final class CurlHandle: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    init() throws(HTTPError) {
        guard let h = curl_easy_init() else {
            throw HTTPError(kind: .transport(code: -1), method: "", url: "", message: "libcurl could not make a handle", attempts: 1)
        }
        handle = h
    }

    deinit { curl_easy_cleanup(handle) }

    /// State shared with libcurl's callbacks during one transfer.
    final class Transfer {
        var body: [UInt8] = []
        var headers: [(String, String)] = []
        var sink: (@Sendable (UnsafeRawBufferPointer) -> Bool)?
        var upload: [UInt8]
        var uploadOffset = 0
        var reader: (@Sendable (UnsafeMutableRawBufferPointer) -> Int)?
        var rewind: (@Sendable () -> Bool)?
        init(upload: [UInt8]) { self.upload = upload }
    }

    static func isRetriable(_ error: HTTPError) -> Bool {
        guard case .transport(let code) = error.kind else { return false }
        let retriable: [CURLcode] = [CURLE_COULDNT_CONNECT, CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING,
                                     CURLE_OPERATION_TIMEDOUT, CURLE_PARTIAL_FILE, CURLE_COULDNT_RESOLVE_HOST,
                                     CURLE_SEND_FAIL_REWIND]
        return retriable.contains { Int32($0.rawValue) == code }
    }

    func perform(_ request: HTTPRequest, tls: TLSOptions, connectTimeout: Double, timeout: Double,
                 sink: (@Sendable (UnsafeRawBufferPointer) -> Bool)?) -> Result<HTTPResponse, HTTPError> {
        let h = handle
        curl_easy_reset(h)
        let transfer = Transfer(upload: request.body ?? [])
        transfer.sink = sink
        transfer.reader = request.bodyReader
        transfer.rewind = request.bodyRewind
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        func fail(_ code: CURLcode, _ what: String) -> Result<HTTPResponse, HTTPError> {
            .failure(HTTPError(kind: .transport(code: Int32(code.rawValue)), method: request.method, url: HTTPError.redact(request.url),
                               message: what, attempts: 1))
        }

        var rc = CCurl_setopt_string(h, CURLOPT_URL, request.url)
        _ = CCurl_setopt_long(h, CURLOPT_NOSIGNAL, 1)
        _ = CCurl_setopt_long(h, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout * 1000))
        if timeout > 0, request.bodyReader != nil {
            // A streamed upload lasts as long as its producer (a segment, or a whole object
            // sent in one PUT, over a slow link or from a slow source): no limit on the
            // whole exchange, only on a stall, under 1 KiB/s for `timeout` seconds.
            _ = CCurl_setopt_long(h, CURLOPT_LOW_SPEED_LIMIT, 1024)
            _ = CCurl_setopt_long(h, CURLOPT_LOW_SPEED_TIME, max(1, Int(timeout)))
        } else if timeout > 0 {
            _ = CCurl_setopt_long(h, CURLOPT_TIMEOUT_MS, Int(timeout * 1000))
        }
        _ = CCurl_setopt_string(h, CURLOPT_CUSTOMREQUEST, request.method)
        if request.method == "HEAD" { _ = CCurl_setopt_long(h, CURLOPT_NOBODY, 1) }
        // Only http and https, never a redirect to another protocol.
        _ = CCurl_setopt_string(h, CURLOPT_PROTOCOLS_STR, "http,https")
        // TLS.
        _ = CCurl_setopt_long(h, CURLOPT_SSL_VERIFYPEER, tls.insecureSkipVerify ? 0 : 1)
        _ = CCurl_setopt_long(h, CURLOPT_SSL_VERIFYHOST, tls.insecureSkipVerify ? 0 : 2)
        if let file = tls.caFile { _ = CCurl_setopt_string(h, CURLOPT_CAINFO, file) }
        if let pem = tls.caPEM { _ = Array(pem.utf8).withUnsafeBytes { CCurl_setopt_blob(h, CURLOPT_CAINFO_BLOB, $0.baseAddress, $0.count) } }
        if let file = tls.certificateFile { _ = CCurl_setopt_string(h, CURLOPT_SSLCERT, file) }
        if let file = tls.keyFile { _ = CCurl_setopt_string(h, CURLOPT_SSLKEY, file) }
        if let pem = tls.certificatePEM {
            _ = CCurl_setopt_string(h, CURLOPT_SSLCERTTYPE, "PEM")
            _ = Array(pem.utf8).withUnsafeBytes { CCurl_setopt_blob(h, CURLOPT_SSLCERT_BLOB, $0.baseAddress, $0.count) }
        }
        if let pem = tls.keyPEM {
            _ = CCurl_setopt_string(h, CURLOPT_SSLKEYTYPE, "PEM")
            _ = Array(pem.utf8).withUnsafeBytes { CCurl_setopt_blob(h, CURLOPT_SSLKEY_BLOB, $0.baseAddress, $0.count) }
        }
        // Headers: the request's, and "Expect: 100-continue" only when asked for (libcurl
        // would add it to every large upload, a round trip each).
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        headerList = curl_slist_append(headerList, request.expectContinue ? "Expect: 100-continue" : "Expect:")
        _ = CCurl_setopt_slist(h, CURLOPT_HTTPHEADER, headerList)
        // Body.
        if request.body != nil || request.bodyReader != nil {
            _ = CCurl_setopt_long(h, CURLOPT_UPLOAD, 1)
            // -1: a streamed body of unknown length, sent chunked.
            let length = request.bodyLength ?? (request.bodyReader == nil ? transfer.upload.count : -1)
            _ = CCurl_setopt_off(h, CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
            // Large bodies go out in 2 MiB writes (libcurl's maximum) instead of 64 KiB ones.
            if length < 0 || length >= 1 << 20 { _ = CCurl_setopt_long(h, CURLOPT_UPLOAD_BUFFERSIZE, 2 << 20) }
            _ = CCurl_setopt_pointer(h, CURLOPT_READDATA, context)
            _ = CCurl_setopt_callback(h, CURLOPT_READFUNCTION) { buffer, size, count, context in
                let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                let capacity = size * count
                if let reader = t.reader {
                    return reader(UnsafeMutableRawBufferPointer(start: buffer, count: capacity))
                }
                let n = min(capacity, t.upload.count - t.uploadOffset)
                if n > 0 {
                    t.upload.withUnsafeBytes { src in
                        UnsafeMutableRawPointer(buffer!).copyMemory(from: src.baseAddress! + t.uploadOffset, byteCount: n)
                    }
                    t.uploadOffset += n
                }
                return n
            }
            // libcurl may resend the body on a fresh connection: an in-memory body rewinds,
            // a streamed one only to its start and only with a rewind function.
            _ = CCurl_setopt_seekdata(h, context)
            _ = CCurl_setopt_seek(h) { context, offset, origin in
                let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
                if t.reader != nil {
                    guard origin == SEEK_SET, offset == 0, let rewind = t.rewind, rewind() else { return 2 }  // CANTSEEK
                    return 0
                }
                guard origin == SEEK_SET, offset >= 0, Int(offset) <= t.upload.count else { return 2 }  // CANTSEEK
                t.uploadOffset = Int(offset)
                return 0  // CURL_SEEKFUNC_OK
            }
            // CUSTOMREQUEST keeps the method; UPLOAD alone would make it PUT.
        }
        _ = CCurl_setopt_pointer(h, CURLOPT_WRITEDATA, context)
        _ = CCurl_setopt_callback(h, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let n = size * count
            let bytes = UnsafeRawBufferPointer(start: data, count: n)
            if let sink = t.sink {
                return sink(bytes) ? n : 0
            }
            t.body.append(contentsOf: bytes)
            return n
        }
        _ = CCurl_setopt_pointer(h, CURLOPT_HEADERDATA, context)
        _ = CCurl_setopt_callback(h, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let t = Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
            let n = size * count
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: n), as: UTF8.self)
            if line.hasPrefix("HTTP/") {
                t.headers = []  // a new response (after a 100 Continue or a redirect)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingWhitespace()
                t.headers.append((name, value))
                // Room for the whole body at once, not a buffer grown by doubling (capped:
                // the length is the server's word).
                if name == "content-length", t.sink == nil, let length = Int(value), length > t.body.capacity {
                    t.body.reserveCapacity(min(length, 64 << 20))
                }
            }
            return n
        }
        rc = withExtendedLifetime(transfer) { curl_easy_perform(h) }
        if rc != CURLE_OK {
            return fail(rc, Self.describe(rc, handle: h))
        }
        var status = 0
        _ = CCurl_getinfo_long(h, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: transfer.headers, body: transfer.body))
    }

    /// libcurl's error, in words that say what to check.
    static func describe(_ code: CURLcode, handle: UnsafeMutableRawPointer) -> String {
        let text = String(cString: curl_easy_strerror(code))
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE:
            return "TLS error: the server's certificate could not be verified (\(text)); check the CA certificate you gave"
        case CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CERTPROBLEM:
            return "TLS error: \(text)"
        case CURLE_COULDNT_CONNECT: return "cannot connect: \(text)"
        case CURLE_OPERATION_TIMEDOUT: return "timed out: \(text)"
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_SEND_FAIL_REWIND: return "the connection was dropped: \(text)"
        default: return text
        }
    }
}

extension Substring {
    func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
