import Foundation

/// Threads of our own for blocking work (plugin calls, bank I/O): never the Swift
/// concurrency pool, whose few threads must not block. Jobs run in submission order,
/// at most `threads` at a time. Call `shutdown()` when done: the threads keep the pool
/// alive until then.
public final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []
    private var head = 0
    private var stopping = false
    public let size: Int

    /// `stackSize` is generous so deep plugin and validation stacks are safe.
    public init(threads: Int, stackSize: Int = 4 << 20, name: String = "bulwark-worker") {
        size = max(1, threads)
        for i in 0..<size {
            // Threads hold the pool until shutdown() lets them end. The pool keeps no
            // list of them: a Thread keeps its closure after it ends, so pool -> thread
            // -> closure -> pool was a cycle that kept every pool for ever
            // (LeakSanitizer: one per flow, graph and listing).
            let thread = Thread { self.work() }
            thread.stackSize = stackSize
            thread.name = "\(name)-\(i)"
            thread.start()
        }
    }

    /// What a slot holds once its job was taken (captures nothing).
    private static let taken: @Sendable () -> Void = {}

    public func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count && stopping {
                condition.unlock()
                return
            }
            let job = queue[head]
            // The slot lets go of the job at once: a job's captures (a graph level, a
            // flow's state) must not live on until the queue is next compacted.
            queue[head] = WorkerPool.taken
            head += 1
            // Compact the queue now and then so it does not grow without bound.
            if head > 4096 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job()
        }
    }

    /// Let queued jobs finish, then stop the threads (returns without waiting for them).
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Run `body` for each element on the pool and wait for all; results in input order.
    public func map<T, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) -> R) -> [R] where T: Sendable {
        let results = ResultBox<R>(count: items.count)
        let group = DispatchGroup()
        for (i, item) in items.enumerated() {
            group.enter()
            submit {
                results.set(i, body(item))
                group.leave()
            }
        }
        group.wait()
        return results.values()
    }
}

/// Results written from many threads, each slot once.
final class ResultBox<R>: @unchecked Sendable {
    private var slots: [R?]
    private let lock = NSLock()
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ value: R) { lock.lock(); slots[i] = value; lock.unlock() }
    func values() -> [R] { lock.lock(); defer { lock.unlock() }; return slots.map { $0! } }
}
