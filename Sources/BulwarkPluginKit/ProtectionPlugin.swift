/// The operations a protection plugin can run on a resource.
public enum OperationKind: String, Sendable, CaseIterable {
    case protect, restore, delete, verify
}

/// The four hooks of an operation, in the order they run for one resource.
public enum Hook: String, Sendable, CaseIterable {
    case prepareBegin = "on_prepare_begin"
    case prepareFinish = "on_prepare_finish"
    case main = "on_main"
    case complete = "on_complete"
}

/// The schemas a protection plugin publishes for one resource type.
public struct ResourceSchemas: Sendable {
    public var options: JSON?
    public var restore: JSON?
    public var savedInfo: JSON?
    public var verify: JSON?

    public init(options: JSON? = nil, restore: JSON? = nil, savedInfo: JSON? = nil, verify: JSON? = nil) {
        self.options = options
        self.restore = restore
        self.savedInfo = savedInfo
        self.verify = verify
    }

    var json: JSON {
        var o = JSONObject()
        if let options { o["options"] = options }
        if let restore { o["restore"] = restore }
        if let savedInfo { o["saved_info"] = savedInfo }
        if let verify { o["verify"] = verify }
        return .object(o)
    }
}

/// What a hook is told: the resource, its validated parameters, the run it belongs to,
/// and (through `context`) its bank section and the new-resources map.
public struct HookInput: Sendable {
    public var resource: Resource
    /// Options (protect, delete) or restore parameters (restore), already validated
    /// against the plugin's schema for the resource type.
    public var parameters: JSON
    public var checkpointID: String
    public var providerID: String
    /// Set during a restore only.
    public var restoreID: String?
    /// The checkpoint's index object (without its resource graph), parsed when asked for.
    public var checkpoint: JSON { (try? JSON.parse(checkpointText)) ?? .null }
    let checkpointText: String
    /// Restore and verify only: {"restore_target": URL or null, "restore_auth": {...} or
    /// null}, as the API's caller gave them (null from a host older than ABI 1.2). It may
    /// hold a password: never log it.
    public var restoreContext: JSON { restoreText.flatMap { try? JSON.parse($0) } ?? .null }
    let restoreText: String?
}

/// A protection plugin: protects, restores, deletes (and verifies) resources of the types
/// it supports.
///
/// The host calls `run` for each resource and each hook the plugin declared in
/// `operations`, in Karbor's order; hooks of different resources run concurrently.
public protocol ProtectionPlugin: Sendable {
    /// The name provider files use, e.g. `bulwark-noop-protection`.
    static var name: String { get }
    /// Other names accepted in provider files (e.g. Karbor's plugin names).
    static var aliases: [String] { get }
    /// The resource types it protects; `["*"]` for every type.
    static var resourceTypes: [String] { get }
    /// Schemas by resource type (or `"*"`).
    static var schemas: [String: ResourceSchemas] { get }
    /// JSON Schema of its provider options; nil accepts any object.
    static var configSchema: JSON? { get }
    /// The hooks it implements, per operation; the host calls no others.
    static var operations: [OperationKind: Set<Hook>] { get }

    init(configuration: JSON, context: borrowing PluginContext) throws
    func run(_ operation: OperationKind, _ hook: Hook, input: HookInput, context: borrowing PluginContext) throws
}

extension ProtectionPlugin {
    public static var aliases: [String] { [] }
    public static var schemas: [String: ResourceSchemas] { [:] }
    public static var configSchema: JSON? { nil }
}
