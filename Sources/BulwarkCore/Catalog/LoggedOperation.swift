import Foundation

/// An operation's log in the catalog, from its start to its end: recorded running (owned
/// by this process, under a lease renewed while it runs), then ended with the outcome.
/// A process killed in between leaves its log running until the lease expires; the next
/// ``Catalog/renewLogs(instance:ttl:)`` of any process then fails it and says why.
public final class LoggedOperation: Sendable {
    public let catalog: any Catalog
    private let start: OperationLog
    private let lease: OwnerLease

    /// Record `log` as running under `instance`; throws when the catalog refuses.
    public init(_ log: OperationLog, catalog: any Catalog, instance: String, ttl: UInt32) throws(CatalogError) {
        var log = log
        log.ownerInstance = instance
        log.status = log.operationType.runningStatus
        start = log
        self.catalog = catalog
        let running = log
        do {
            lease = try OwnerLease(
                OwnerLease.Store(acquire: { ttl in try catalog.saveLog(running, leaseTTL: ttl) },
                                 renew: { ttl in try catalog.renewLogs(instance: instance, ttl: ttl) },
                                 release: {}, isTakenOver: { _ in false }),
                ttl: ttl)
        } catch let error as CatalogError {
            throw error
        } catch {
            throw CatalogError(.storage, "\(error)")
        }
    }

    public var id: String { start.id }

    /// Record the end (`failure` nil is success), with what else the log should keep.
    public func end(failure: String?, update: (inout OperationLog) -> Void = { _ in }) {
        lease.release()
        var log = start
        update(&log)
        log.end(failure: failure)
        try? catalog.saveLog(log, leaseTTL: 0)
    }
}
