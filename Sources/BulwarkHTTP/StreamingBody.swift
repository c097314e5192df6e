import Glibc

/// An upload body that one thread fills while libcurl sends it on another.
///
/// The request starts as soon as the body exists: bytes go out as they are appended,
/// so a large object is sent while it is still being produced instead of after it was
/// buffered whole. Two kinds:
///
/// - `StreamingBody(capacity:)` keeps every byte until the body is released, so the
///   request can be retried from the start (``HTTPRequest/streaming(_:)`` sets
///   ``HTTPRequest/bodyRewind``). Its length need not be known in advance: it is sent
///   with chunked transfer encoding unless it is finished (or full) when the request starts.
/// - `StreamingBody(length:window:)` is sent with its declared length and holds only
///   `window` bytes: `append` waits while the window is full of unsent bytes, and sent
///   bytes are overwritten as new ones come. The request can be retried only while
///   nothing has been overwritten (a failure in the first `window` bytes, such as a 503
///   or 401 before the upload started); after that a failure is final.
///
/// Thread-safety: one producer (`append`, `finish`, `cancel`) and one consumer (the
/// request's reader) at a time, plus `cancel` from anywhere; both may block, so neither
/// may run on the Swift concurrency pool.
public final class StreamingBody: @unchecked Sendable {
    /// What a reader returns to make libcurl abort the transfer (CURL_READFUNC_ABORT).
    static let abortCode = 0x1000_0000

    /// Bytes held at once.
    public let capacity: Int
    /// The length declared up front (a windowed body), or nil.
    public let declaredLength: Int?
    private let storage: UnsafeMutableRawBufferPointer
    // Guarded by `mutex`; `changed` is signalled whenever one of them changes. Offsets
    // count bytes from the start of the body; byte `i` lives at `storage[i % capacity]`.
    private var mutex = pthread_mutex_t()
    private var changed = pthread_cond_t()
    private var filled = 0
    /// The end of what the producer is writing (>= filled): past `capacity`, the start is gone.
    private var reserved = 0
    private var cursor = 0
    private var finished = false
    private var cancelled = false
    private var onSent: (@Sendable () -> Void)?

    /// A body of at most `capacity` bytes, all kept, allocated once.
    public init(capacity: Int) {
        self.capacity = capacity
        declaredLength = nil
        storage = .allocate(byteCount: max(capacity, 1), alignment: 16)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&changed, nil)
    }

    /// A body of exactly `length` bytes, sent with that length, holding at most `window`
    /// of them at once.
    public init(length: Int, window: Int) {
        capacity = max(1, min(length, window))
        declaredLength = length
        storage = .allocate(byteCount: capacity, alignment: 16)
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

    /// Space left: what `append` takes without waiting (all of the rest, for a windowed body).
    public var remaining: Int { locked { (declaredLength ?? capacity) - filled } }

    /// True while the body still holds its first byte, so a request can send it again
    /// (always, for a body made with `capacity`).
    public var holdsStart: Bool { locked { reserved <= capacity } }

    /// The body's length once it cannot grow any more (declared, finished, or full); else nil.
    public var finalCount: Int? { locked { declaredLength ?? (finished || filled == capacity ? filled : nil) } }

    /// Append `bytes`; returns how many were taken. A body made with `capacity` takes what
    /// fits and never blocks. A windowed body takes them all, up to its declared length,
    /// waiting while its window is full of unsent bytes; it returns fewer only once
    /// cancelled (by the producer, or by whoever ran the request when it ended).
    @discardableResult
    public func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let source = bytes.baseAddress else { return 0 }
        let limit = declaredLength ?? capacity
        var taken = 0
        while taken < bytes.count {
            // Reserve space under the lock, copy outside it: the reader never reads past
            // `filled`, and the reserved range holds no unsent byte.
            pthread_mutex_lock(&mutex)
            if declaredLength != nil {
                while filled - cursor == capacity && filled < limit && !cancelled { pthread_cond_wait(&changed, &mutex) }
            }
            let start = filled
            let n = cancelled ? 0 : min(bytes.count - taken, limit - start, capacity - (start - cursor), capacity - start % capacity)
            reserved = start + n
            pthread_mutex_unlock(&mutex)
            guard n > 0 else { break }
            (storage.baseAddress! + start % capacity).copyMemory(from: source + taken, byteCount: n)
            taken += n
            locked {
                filled += n
                pthread_cond_broadcast(&changed)
            }
        }
        return taken
    }

    /// No more bytes: the reader ends the upload once it has sent what is there.
    public func finish() {
        locked {
            finished = true
            pthread_cond_broadcast(&changed)
        }
    }

    /// Stop: the reader aborts the upload (a transport error, never retried) and a
    /// producer waiting in `append` returns.
    public func cancel() {
        locked {
            cancelled = true
            pthread_cond_broadcast(&changed)
        }
    }

    /// The end of what the reader may send now. A windowed body keeps its last byte back
    /// until it is finished: the server, counting to the declared length, would
    /// otherwise store the object before the producer decided between commit and abort.
    private var sendable: Int {
        guard let declaredLength, !finished else { return filled }
        return min(filled, declaredLength - 1)
    }

    /// The reader: waits for bytes past its cursor, copies what fits into `buffer`;
    /// 0 once the body is finished and sent.
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        pthread_mutex_lock(&mutex)
        while cursor >= sendable && !finished && !cancelled { pthread_cond_wait(&changed, &mutex) }
        if cancelled {
            pthread_mutex_unlock(&mutex)
            return Self.abortCode
        }
        let start = cursor
        let n = min(buffer.count, sendable - start, capacity - start % capacity)
        let sent = n == 0 ? onSent : nil
        if n == 0 { onSent = nil }
        pthread_mutex_unlock(&mutex)
        if n > 0 {
            // Copy before moving the cursor: until then the producer cannot overwrite these bytes.
            buffer.baseAddress!.copyMemory(from: storage.baseAddress! + start % capacity, byteCount: n)
            locked {
                cursor += n
                pthread_cond_broadcast(&changed)
            }
        }
        sent?()
        return n
    }

    /// Empty the body, to use it again for another request once its request is done.
    /// `onSent` is called once, when a request has first sent the whole finished body
    /// (its response may still be on its way).
    public func reset(onSent: (@Sendable () -> Void)? = nil) {
        locked {
            (filled, reserved, cursor, finished, cancelled) = (0, 0, 0, false, false)
            self.onSent = onSent
        }
    }

    /// Back to the first byte, for another attempt; false once cancelled or once the
    /// first bytes were overwritten.
    func rewind() -> Bool {
        locked {
            guard !cancelled, reserved <= capacity else { return false }
            cursor = 0
            return true
        }
    }
}

extension HTTPRequest {
    /// Send `body` as this request's body while it is being filled; a retried request
    /// starts again from its first byte (a windowed body, only while it still holds it).
    /// A body whose length is known when this is called (declared, finished or full) is
    /// sent with its length, any other with chunked transfer encoding (which costs
    /// servers such as Swift's proxy more). A windowed body asks for `100-continue`.
    public mutating func streaming(_ body: StreamingBody) {
        bodyReader = { body.read(into: $0) }
        bodyRewind = { body.rewind() }
        self.body = nil
        bodyLength = body.finalCount
        // A windowed body can be sent again only until its window moves on: let the
        // server refuse before the first byte goes.
        expectContinue = body.declaredLength != nil
    }
}
