import Glibc

/// An upload body that one thread fills while libcurl sends it on another.
///
/// The request starts as soon as the body exists: bytes go out as they are appended,
/// so a large object is sent while it is still being produced instead of after it was
/// buffered whole. Every byte is kept until the body is released, so the request can be
/// retried from the start (``HTTPRequest/streaming(_:)`` sets ``HTTPRequest/bodyRewind``).
/// The length need not be known in advance: an upload without `bodyLength` is sent with
/// chunked transfer encoding.
///
/// Thread-safety: one producer (`append`, `finish`, `cancel`) and one consumer (the
/// request's reader) at a time; both may block, so neither may run on the Swift
/// concurrency pool.
public final class StreamingBody: @unchecked Sendable {
    /// What a reader returns to make libcurl abort the transfer (CURL_READFUNC_ABORT).
    static let abortCode = 0x1000_0000

    public let capacity: Int
    private let storage: UnsafeMutableRawBufferPointer
    // Guarded by `mutex`; `changed` is signalled whenever one of them changes.
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var filled = 0
    private var cursor = 0
    private var finished = false
    private var cancelled = false
    private var onSent: (@Sendable () -> Void)?

    /// A body of at most `capacity` bytes, allocated once.
    public init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(byteCount: max(capacity, 1), alignment: 16)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
    }

    deinit {
        storage.deallocate()
        pthread_cond_destroy(&changed)
        pthread_mutex_destroy(&mutex)
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }

    /// Bytes appended so far.
    public var count: Int { locked { filled } }

    /// Space left.
    public var remaining: Int { locked { capacity - filled } }

    /// The body's length once it cannot grow any more (finished, or full); else nil.
    public var finalCount: Int? { locked { finished || filled == capacity ? filled : nil } }

    /// Append as much of `bytes` as fits; returns how many bytes were taken. Never blocks.
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        // Copy outside the lock: only the producer writes past `filled`, and the reader
        // never reads past it.
        let start = locked { filled }
        let n = min(bytes.count, capacity - start)
        guard n > 0, let source = bytes.baseAddress else { return 0 }
        (storage.baseAddress! + start).copyMemory(from: source, byteCount: n)
        locked {
            filled += n
            pthread_cond_broadcast(&changed)
        }
        return n
    }

    /// No more bytes: the reader ends the upload once it has sent what is there.
    public func finish() {
        locked {
            finished = true
            pthread_cond_broadcast(&changed)
        }
    }

    /// The producer gave up: the upload is aborted (a transport error, never retried).
    public func cancel() {
        locked {
            cancelled = true
            pthread_cond_broadcast(&changed)
        }
    }

    /// The reader: waits for bytes past its cursor, copies what fits into `buffer`;
    /// 0 once the body is finished and sent.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        pthread_mutex_lock(&mutex)
        while cursor == filled && !finished && !cancelled { pthread_cond_wait(&changed, &mutex) }
        if cancelled {
            pthread_mutex_unlock(&mutex)
            return Self.abortCode
        }
        let start = cursor
        let n = min(buffer.count, filled - start)
        cursor += n
        let sent = n == 0 ? onSent : nil
        if n == 0 { onSent = nil }
        pthread_mutex_unlock(&mutex)
        if n > 0 { buffer.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: n) }
        sent?()
        return n
    }

    /// Empty the body, to use it again for another request once its request is done.
    /// `onSent` is called once, when a request has first sent the whole finished body
    /// (its response may still be on its way).
    public func reset(onSent: (@Sendable () -> Void)? = nil) {
        locked {
            (filled, cursor, finished, cancelled) = (0, 0, false, false)
            self.onSent = onSent
        }
    }

    /// Back to the first byte, for another attempt; false once cancelled.
    func rewind() -> Bool {
        locked {
            cursor = 0
            return !cancelled
        }
    }
}

extension HTTPRequest {
    /// Send `body` as this request's body while it is being filled; a retried request
    /// starts again from its first byte. A body that can no longer grow when this is
    /// called is sent with its length, any other with chunked transfer encoding (which
    /// costs servers such as Swift's proxy more).
    public mutating func streaming(_ body: StreamingBody) {
        bodyReader = { body.read(into: $0) }
        bodyRewind = { body.rewind() }
        self.body = nil
        bodyLength = body.finalCount
    }
}
