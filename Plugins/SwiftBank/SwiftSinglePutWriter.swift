import BulwarkHTTP
import BulwarkPluginKit
import Dispatch
import Synchronization

/// An object whose size was declared up front (ABI 1.1), up to `single_put_max`: one PUT
/// with its `Content-Length`, sent while the writer produces it, as python-swiftclient
/// uploads a file. It was 7% faster than the same bytes as segments and a manifest on
/// the local Swift, and reads back faster (no manifest to follow).
///
/// Only a window of the object is held (at most `segment_size`, up to 64 MiB), so memory
/// stays bounded whatever the object's size. The price: a failure after the window has
/// moved past the object's start cannot be retried, and the write fails with a message
/// saying so. Failures before that (a 503 or 401 before the body is read, a refused
/// connection) are retried as usual.
final class SwiftSinglePutWriter: BankObjectWriter, @unchecked Sendable {
    static let maxWindow = 64 << 20

    let key: String
    let size: Int
    private let body: StreamingBody
    private let done = DispatchSemaphore(value: 0)
    private let failure = Mutex<PluginError?>(nil)
    private var ended = false

    init(store: SwiftStore, key: String, size: Int) throws {
        self.key = key
        self.size = size
        let body = StreamingBody(length: size, window: min(store.segmentSize, Self.maxWindow))
        self.body = body
        var put = HTTPRequest(method: "PUT", url: try store.objectURL(key))
        put.streaming(body)
        let request = put
        // libcurl blocks: the PUT runs on a thread of its own, never the concurrency pool.
        DispatchQueue.global().async { [self] in
            do {
                try store.send(request)
            } catch {
                failure.withLock { $0 = error as? PluginError ?? PluginError.failed("\(error)") }
            }
            body.cancel()  // a producer still waiting for room returns
            done.signal()
        }
    }

    /// Wait for the PUT's outcome (once); the failure, explained, if it failed.
    private func finish() -> String? {
        if !ended {
            ended = true
            done.wait()
        }
        guard let failure = failure.withLock({ $0 }) else { return nil }
        let message = failure.message
        if !body.holdsStart {
            return "\(message) (the object was being sent in one PUT and more than its first \(body.capacity >> 20) MiB had gone, "
                + "so it could not be sent again; a lower single_put_max sends large objects in segments, each retried whole)"
        }
        if failure.httpStatus == 413 {
            return "\(message) (the object is larger than this Swift takes in one PUT: set single_put_max to at most its max_file_size, see GET /info)"
        }
        return message
    }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        if body.append(bytes) < bytes.count {
            throw PluginError.failed(finish() ?? "\(key): the PUT ended before taking every byte")
        }
    }

    func commit() throws {
        guard body.count == size else {
            abort()
            throw PluginError.invalidArgument("\(key): committed after \(body.count) of its declared \(size) bytes")
        }
        body.finish()
        if let message = finish() { throw PluginError.failed(message) }
    }

    func abort() {
        // The PUT ends with a transport error before its last byte: Swift keeps nothing.
        body.cancel()
        _ = finish()
    }
}
