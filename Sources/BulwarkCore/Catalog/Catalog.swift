import BulwarkJSON

/// The catalog: what the service and the CLI keep besides checkpoints (which stay in the
/// bank, as in Karbor): plans, restores and verifications, operation logs, quotas and the
/// service records. One small interface, so that a PostgreSQL catalog shared by several
/// servers can stand beside the embedded SQLite one (``SQLiteCatalog``).
///
/// Every method blocks; call it from a thread that may block (never an event loop).
/// Methods are safe from any thread. Listings are newest first.
public protocol Catalog: AnyObject, Sendable {
    /// Where it is, for messages ("catalog /var/lib/bulwark/catalog.sqlite").
    var location: String { get }

    // MARK: Plans

    /// Record a new plan. With `quota` >= 0, fails with ``CatalogError/Kind/overQuota``
    /// when the project already has that many plans (checked in the same transaction).
    func createPlan(_ plan: PlanRecord, quota: Int) throws(CatalogError)
    func plan(_ id: String) throws(CatalogError) -> PlanRecord?
    func plans(_ query: CatalogQuery) throws(CatalogError) -> [PlanRecord]
    /// Replace a plan; false when there is none with its id.
    func updatePlan(_ plan: PlanRecord) throws(CatalogError) -> Bool
    /// False when there was none.
    func deletePlan(_ id: String) throws(CatalogError) -> Bool
    func countPlans(project: String) throws(CatalogError) -> Int

    // MARK: Restores and verifications

    /// Save a restore or verification; `owner` and `leaseTTL` give a running one its lease.
    func saveRestore(_ record: RestoreRecord, owner: String?, leaseTTL: UInt32?) throws(CatalogError)
    /// Extend the lease of a running restore or verification. Throws
    /// ``CatalogError/Kind/takenOver`` when it no longer runs under `owner`.
    func renewRestoreLease(_ id: String, owner: String, ttl: UInt32) throws(CatalogError)
    func restore(_ id: String) throws(CatalogError) -> RestoreRecord?
    func restores(_ query: CatalogQuery) throws(CatalogError) -> [RestoreRecord]

    // MARK: Operation logs

    /// Save a log; a running one (with an owner instance) holds a lease of `leaseTTL` s.
    func saveLog(_ log: OperationLog, leaseTTL: UInt32) throws(CatalogError)
    func log(_ id: String) throws(CatalogError) -> OperationLog?
    func logs(_ query: CatalogQuery) throws(CatalogError) -> [OperationLog]

    /// Extend by `ttl` seconds the lease of every running operation log of `instance`
    /// (the process running them), and fail each running log whose lease has expired:
    /// its process stopped. Returns the ids of the logs failed.
    @discardableResult
    func renewLogs(instance: String, ttl: UInt32) throws(CatalogError) -> [String]

    // MARK: Triggers and scheduled operations

    func createTrigger(_ trigger: TriggerRecord) throws(CatalogError)
    func trigger(_ id: String) throws(CatalogError) -> TriggerRecord?
    func triggers(_ query: CatalogQuery) throws(CatalogError) -> [TriggerRecord]
    /// Replace a trigger's name and properties; false when there is none with its id.
    func updateTrigger(_ trigger: TriggerRecord) throws(CatalogError) -> Bool
    /// Delete a trigger unless a scheduled operation uses it (checked in the same
    /// transaction, so none can start using it meanwhile).
    func deleteTrigger(_ id: String) throws(CatalogError) -> TriggerDeletion

    /// Record a scheduled operation; false (nothing written) when its trigger is gone.
    func createScheduledOperation(_ operation: ScheduledOperationRecord) throws(CatalogError) -> Bool
    func scheduledOperation(_ id: String) throws(CatalogError) -> ScheduledOperationRecord?
    func scheduledOperations(_ query: CatalogQuery) throws(CatalogError) -> [ScheduledOperationRecord]
    /// Replace its name, description, enabled and activeSince; false when there is none.
    func updateScheduledOperation(_ operation: ScheduledOperationRecord) throws(CatalogError) -> Bool
    func deleteScheduledOperation(_ id: String) throws(CatalogError) -> Bool

    /// Record fires, in one transaction, before their operations start. Returns, for
    /// each, whether it was recorded now (false: that schedule and fire time were
    /// recorded already, by this server before a restart or by another server).
    func recordFires(_ fires: [ScheduleFire]) throws(CatalogError) -> [Bool]
    /// Each scheduled operation's latest recorded fire time.
    func lastFires() throws(CatalogError) -> [String: Int64]
    /// One scheduled operation's latest recorded fire time.
    func lastFire(of scheduledOperationID: String) throws(CatalogError) -> Int64?
    /// A number that changes whenever a trigger or scheduled operation is written (by
    /// any process), so that a server notices what the CLI changed.
    func scheduleGeneration() throws(CatalogError) -> Int64

    // MARK: Quotas

    /// The project's own limits (resource -> hard limit); defaults are the caller's.
    func quotas(project: String) throws(CatalogError) -> [String: Int]
    func setQuotas(project: String, _ limits: [String: Int]) throws(CatalogError)

    // MARK: Services

    /// Register (or take over) the service row of `host` and `binary`; returns its id.
    func registerService(host: String, binary: String, instance: String) throws(CatalogError) -> Int
    /// Say the service is alive now.
    func heartbeat(service id: Int) throws(CatalogError)
    func services() throws(CatalogError) -> [ServiceRecord]
    /// False when there is no such service.
    func updateService(_ id: Int, enabled: Bool, reason: String?) throws(CatalogError) -> Bool
}

/// Filters of a catalog listing. Every filter is an exact match; nil matches all.
public struct CatalogQuery: Sendable {
    /// nil: every project (admins' `all_tenants`).
    public var projectID: String?
    /// Column -> value, among the listing's filterable columns.
    public var filters: [String: String] = [:]
    /// At most this many (0: no limit).
    public var limit: Int = 0
    /// After this id, in the listing's order.
    public var marker: String?
    /// A sortable column and its direction.
    public var sortKey: String = "created_at"
    public var ascending = false

    public init(projectID: String?, filters: [String: String] = [:], limit: Int = 0, marker: String? = nil,
                sortKey: String = "created_at", ascending: Bool = false) {
        self.projectID = projectID
        self.filters = filters
        self.limit = limit
        self.marker = marker
        self.sortKey = sortKey
        self.ascending = ascending
    }
}

/// A catalog failure, by kind.
public struct CatalogError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// A quota would be exceeded.
        case overQuota
        /// The catalog was written by a newer Bulwark.
        case newerSchema
        /// A running restore's lease is no longer this owner's.
        case takenOver
        /// A record names another that does not exist (a scheduled operation's trigger).
        case missingReference
        /// The query names a column that cannot be filtered or sorted on.
        case invalidQuery
        /// The database failed (I/O, corruption, locked too long).
        case storage
    }
    public var kind: Kind
    public var description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
