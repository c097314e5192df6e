import BulwarkJSON
import CCurl
import Glibc
import Synchronization

/// HTTP over libcurl: TLS verified by default, timeouts, retries with back-off for
/// idempotent requests (connection errors, 429 honouring Retry-After, 5xx), connection
/// reuse (each pooled easy handle keeps its connections), streamed bodies.
///
/// Blocking: call it from threads of your own, never from the Swift concurrency pool.
/// Safe from many threads at once (each request takes its own handle from the pool).
public final class HTTPClient: Sendable {
    public let tls: TLSOptions
    public let retry: RetryPolicy
    /// Seconds to connect; seconds for the whole exchange (0: no limit).
    public let connectTimeout: Double
    public let timeout: Double
    private let handles = Mutex<[CurlHandle]>([])

    public init(tls: TLSOptions = TLSOptions(), retry: RetryPolicy = RetryPolicy(), connectTimeout: Double = 10, timeout: Double = 120) {
        CurlGlobal.initialise()
        self.tls = tls
        self.retry = retry
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// Send `request`, retrying when allowed; returns any response with a status below
    /// 400 and throws ``HTTPError`` otherwise (after the last attempt). `sink`, when
    /// given, receives the body in pieces instead of `HTTPResponse.body`.
    public func send(_ request: HTTPRequest, sink: (@Sendable (UnsafeRawBufferPointer) -> Bool)? = nil) throws(HTTPError) -> HTTPResponse {
        let canRetry = request.idempotent && (request.bodyReader == nil || request.bodyRewind != nil)
        var attempt = 0
        var delay = retry.initialDelay
        while true {
            attempt += 1
            // Every attempt sends a streamed body from its first byte (a caller's own retry too).
            if attempt == 1, let rewind = request.bodyRewind, !rewind() {
                throw HTTPError(kind: .transport(code: -1), method: request.method, url: HTTPError.redact(request.url),
                                message: "the upload was cancelled, or its first bytes are no longer held to send again", attempts: 1)
            }
            let outcome = perform(request, sink: sink)
            switch outcome {
            case .success(let response) where response.status < 400:
                return response
            case .success(let response):
                let retriable = response.status == 429 || response.status >= 500
                if canRetry, retriable, attempt < retry.attempts, request.bodyRewind?() ?? true {
                    var wait = delay
                    if let after = response.header("retry-after").flatMap(Double.init) { wait = min(after, retry.maxRetryAfter) }
                    pause(wait)
                    delay = min(delay * 2, retry.maxDelay)
                    continue
                }
                throw HTTPError(kind: .status(response.status), method: request.method, url: HTTPError.redact(request.url),
                                message: HTTPError.serverMessage(response.body), attempts: attempt)
            case .failure(let error):
                var error = error
                error.attempts = attempt
                if canRetry, CurlHandle.isRetriable(error), attempt < retry.attempts, request.bodyRewind?() ?? true {
                    pause(delay)
                    delay = min(delay * 2, retry.maxDelay)
                    continue
                }
                throw error
            }
        }
    }

    /// Sleep `seconds` with up to 20% jitter, so clients do not retry in step.
    private func pause(_ seconds: Double) {
        let s = seconds * Double.random(in: 0.8...1.0)
        var ts = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
        var rest = timespec()
        while nanosleep(&ts, &rest) != 0 && errno == EINTR { ts = rest }
    }

    private func perform(_ request: HTTPRequest, sink: (@Sendable (UnsafeRawBufferPointer) -> Bool)?) -> Result<HTTPResponse, HTTPError> {
        var pooled = handles.withLock { $0.popLast() }
        if pooled == nil {
            do { pooled = try CurlHandle() } catch { return .failure(error) }
        }
        let handle = pooled!
        let result = handle.perform(request, tls: tls, connectTimeout: connectTimeout, timeout: timeout, sink: sink)
        handles.withLock { $0.append(handle) }
        return result
    }
}

/// curl_global_init, once per process, before any handle.
enum CurlGlobal {
    private static let done: Bool = {
        curl_global_init(Int(CURL_GLOBAL_ALL))
        return true
    }()

    static func initialise() { _ = done }
}
