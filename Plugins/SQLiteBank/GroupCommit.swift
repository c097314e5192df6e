import BulwarkSQLite
import Dispatch
import Synchronization

/// Runs writes from many threads in shared transactions: the first writer to arrive
/// commits everything queued behind it in one transaction (one fsync), then wakes the
/// others. Every caller returns only after its own write is committed (durable), or with
/// its own error: each write runs in a savepoint, so one failing write fails alone.
final class GroupCommit: @unchecked Sendable {
    private final class Pending: @unchecked Sendable {
        let apply: (SQLiteConnection) throws -> Void
        let done = DispatchSemaphore(value: 0)
        var error: (any Error)?
        init(_ apply: @escaping (SQLiteConnection) throws -> Void) { self.apply = apply }
    }

    private let connection: SQLiteConnection  // used only by the current leader
    private let state = Mutex<(queue: [Pending], leading: Bool)>(([], false))

    init(connection: SQLiteConnection) { self.connection = connection }

    func perform(_ apply: @escaping (SQLiteConnection) throws -> Void) throws {
        let mine = Pending(apply)
        let lead = state.withLock { s -> Bool in
            s.queue.append(mine)
            if s.leading { return false }
            s.leading = true
            return true
        }
        if !lead {
            mine.done.wait()
        } else {
            while true {
                let batch = state.withLock { s -> [Pending] in
                    let b = s.queue
                    s.queue = []
                    if b.isEmpty { s.leading = false }
                    return b
                }
                if batch.isEmpty { break }
                commit(batch)
                for p in batch where p !== mine { p.done.signal() }
            }
        }
        if let error = mine.error { throw error }
    }

    private func commit(_ batch: [Pending]) {
        do {
            try connection.transaction {
                for p in batch {
                    do {
                        try connection.execute("SAVEPOINT w")
                        try p.apply(connection)
                        try connection.execute("RELEASE w")
                    } catch {
                        try? connection.execute("ROLLBACK TO w")
                        try? connection.execute("RELEASE w")
                        p.error = error
                    }
                }
            }
        } catch {
            for p in batch where p.error == nil { p.error = error }
        }
    }
}
