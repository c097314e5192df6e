import BulwarkPluginKit

/// Protects any resource by doing nothing, as Karbor's noop plugin: for tests, dry runs
/// and resources that need no data saved (their place in the graph is enough).
struct NoopProtection: ProtectionPlugin {
    static let name = "bulwark-noop-protection"
    static let aliases = ["karbor-noop-protection-plugin", "noop"]
    static let resourceTypes = ["*"]
    static let schemas: [String: ResourceSchemas] = [
        "*": ResourceSchemas(
            options: ["type": "object", "title": "No options", "properties": [:]],
            restore: ["type": "object", "title": "No restore parameters", "properties": [:]],
            savedInfo: ["type": "object", "properties": [:]])
    ]
    static let operations: [OperationKind: Set<Hook>] = [:]

    init(configuration: JSON, context: borrowing PluginContext) throws {}

    func run(_ operation: OperationKind, _ hook: Hook, input: HookInput, context: borrowing PluginContext) throws {}
}

@_cdecl("bulwark_plugin_init")
public func bulwarkPluginInit(_ call: OpaquePointer?, _ host: UnsafeRawPointer?, _ out: UnsafeMutableRawPointer?) -> Int32 {
    PluginLibrary(name: "bulwark-noop", version: "1.0.0", protections: [NoopProtection.self]).export(call, host, out)
}
