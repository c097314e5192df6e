import BulwarkJSON
import BulwarkSchema
import Foundation

/// One provider file, validated against schemas/provider.schema.json.
public struct ProviderConfig: Sendable {
    public var file: String
    public var id: String
    public var name: String
    public var description: String
    public var enabled: Bool
    public var pluginPath: [String]
    public var concurrency: Int
    public var leaseTTL: Int
    /// Seconds a protection hook may run before it is cancelled (`hook_timeout`).
    public var hookTimeout: Double
    /// Seconds a hook has to return once cancelled for its timeout before the host gives
    /// up on it (`hook_cancel_grace`).
    public var hookCancelGrace: Double
    public var protectableOptions: [String: JSON]
    public var plugins: [PluginReference]
    public var bankPlugin: String
    public var bankOptions: JSON
    /// The commands plans of this provider may name for their pre and post phases.
    public var hooks: [String: PlanHook] = [:]
    /// Where in the file each setting stood, for errors found later (an unknown plugin).
    let source: ConfigFile

    public struct PluginReference: Sendable {
        public var name: String
        public var options: JSON
        /// The entry's own `hook_timeout`, over the provider's.
        public var hookTimeout: Double?
        /// JSON Pointer of the entry in the file.
        public var pointer: String
    }

    /// The provider file's JSON Schema, as schemas/provider.schema.json publishes it.
    public static var publishedSchema: JSON { (try? JSON.parse(ProviderSchema.text)) ?? .null }

    static let schema: JSONSchema = {
        do { return try JSONSchema(text: ProviderSchema.text) } catch { fatalError("the built-in provider schema does not compile: \(error)") }
    }()

    /// Six hours: longer than any hook of the shipped plugins takes on a large volume (a
    /// Cinder backup waits for the backup inside on_main), short enough that a hung
    /// plugin does not hold a checkpoint `protecting` for days (docs/decisions.md).
    public static let defaultHookTimeout: Double = 21_600
    public static let defaultHookCancelGrace: Double = 30

    public static func read(_ path: String) throws(ConfigError) -> ProviderConfig {
        let file = try ConfigFile.read(path, schema: schema)
        let o = file.json.objectValue ?? JSONObject()
        var plugins: [PluginReference] = []
        for (i, entry) in (o["plugins"]?.arrayValue ?? []).enumerated() {
            if let name = entry.stringValue {
                plugins.append(PluginReference(name: name, options: [:], hookTimeout: nil, pointer: "/plugins/\(i)"))
            } else {
                plugins.append(PluginReference(name: entry["name"]?.stringValue ?? "", options: entry["options"] ?? [:],
                                               hookTimeout: entry["hook_timeout"]?.numberValue?.doubleValue, pointer: "/plugins/\(i)"))
            }
        }
        var protectableOptions: [String: JSON] = [:]
        for (type, options) in o["protectables"]?.objectValue ?? JSONObject() { protectableOptions[type] = options }
        // Relative plugin paths are relative to the provider file.
        let directory = (path as NSString).deletingLastPathComponent
        let pluginPath = (o["plugin_path"]?.arrayValue ?? []).compactMap(\.stringValue).map {
            $0.hasPrefix("/") ? $0 : (directory as NSString).appendingPathComponent($0)
        }
        var hooks: [String: PlanHook] = [:]
        for (name, h) in o["hooks"]?.objectValue ?? JSONObject() {
            var environment: [String: String] = [:]
            for (k, v) in h["environment"]?.objectValue ?? JSONObject() { environment[k] = v.stringValue ?? "" }
            hooks[name] = PlanHook(name: name, command: (h["command"]?.arrayValue ?? []).compactMap(\.stringValue),
                                   timeout: h["timeout_seconds"]?.numberValue?.doubleValue ?? PlanHook.defaultTimeout, environment: environment)
        }
        return ProviderConfig(
            file: path, id: o["id"]?.stringValue ?? "", name: o["name"]?.stringValue ?? "",
            description: o["description"]?.stringValue ?? "", enabled: o["enabled"]?.boolValue ?? true,
            pluginPath: pluginPath, concurrency: o["concurrency"]?.numberValue?.intValue ?? 16,
            leaseTTL: o["lease_ttl"]?.numberValue?.intValue ?? 30,
            hookTimeout: o["hook_timeout"]?.numberValue?.doubleValue ?? defaultHookTimeout,
            hookCancelGrace: o["hook_cancel_grace"]?.numberValue?.doubleValue ?? defaultHookCancelGrace,
            protectableOptions: protectableOptions,
            plugins: plugins, bankPlugin: o["bank"]?["plugin"]?.stringValue ?? "", bankOptions: o["bank"]?["options"] ?? [:],
            hooks: hooks, source: file)
    }

    func error(at pointer: String, _ message: String) -> ConfigError { source.error(at: pointer, message) }
}

/// The providers of a directory: every `*.yaml`, `*.yml` and `*.json` file in it.
public struct ProviderDirectory: Sendable {
    public var providers: [ProviderConfig] = []
    /// Files that could not be used, each one error naming the file and place.
    public var problems: [ConfigError] = []
    /// Providers switched off with `enabled: false`.
    public var disabled: [ProviderConfig] = []

    public static let environmentVariable = "BULWARK_PROVIDERS"

    public static func load(_ directory: String) -> ProviderDirectory {
        var result = ProviderDirectory()
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            result.problems.append(ConfigError(file: directory, position: nil, message: "cannot read the providers directory"))
            return result
        }
        var seen: [String: String] = [:]
        for name in names.sorted() where name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json") {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                let config = try ProviderConfig.read(path)
                if let other = seen[config.id] {
                    result.problems.append(config.error(at: "/id", "provider id \(config.id) is already used by \(other)"))
                    continue
                }
                seen[config.id] = path
                if config.enabled { result.providers.append(config) } else { result.disabled.append(config) }
            } catch {
                result.problems.append(error)
            }
        }
        return result
    }
}
