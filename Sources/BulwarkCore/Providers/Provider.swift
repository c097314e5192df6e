import BulwarkJSON
import BulwarkSchema
import Foundation

/// A provider opened for use: its plugin libraries loaded from its search path, one
/// instance of each protectable and listed protection plugin made with the provider's
/// options, and its bank.
public final class Provider: Sendable {
    public let config: ProviderConfig
    public let registry: PluginRegistry
    /// By resource type.
    public let protectables: [String: ProtectableInstance]
    /// In the order the provider file lists them.
    public let protections: [ProtectionInstance]
    public let bank: Bank
    /// Protectables by the parent type they depend on, computed once.
    let dependents: [String: [ProtectableInstance]]

    public var id: String { config.id }

    /// Open `config`. Anything wrong (an unknown plugin, a plugin that refuses its options,
    /// two plugins claiming one type) is a ``ConfigError`` naming the place in the file.
    public static func open(_ config: ProviderConfig, loader: PluginLoader = PluginLoader(),
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> Provider {
        let searchPath = PluginSearchPath(providerPaths: config.pluginPath, environment: environment)
        let registry = PluginRegistry.discover(searchPath, loader: loader)
        let loadProblems = registry.problems.isEmpty ? ""
            : " (\(registry.problems.count) librar\(registry.problems.count == 1 ? "y" : "ies") on the search path could not be loaded: \(registry.problems.map(\.description).joined(separator: "; ")))"

        var protections: [ProtectionInstance] = []
        var specificTypes: [String: String] = [:]
        for reference in config.plugins {
            guard let entry = registry.protections[reference.name] else {
                throw config.error(at: reference.pointer, "no protection plugin named \(reference.name) on the search path \(searchPath.entries.joined(separator: ":"))\(loadProblems)")
            }
            for type in entry.resourceTypes where type != "*" {
                if let other = specificTypes[type] {
                    throw config.error(at: reference.pointer, "resource type \(type) is protected by both \(other) and \(entry.name); list one of them")
                }
                specificTypes[type] = entry.name
            }
            try checkOptions(reference.options, against: entry.configSchema, config, at: reference.pointer + (reference.options == [:] ? "" : "/options"),
                             plugin: entry.name)
            do {
                protections.append(try ProtectionInstance(entry, configuration: reference.options,
                                                          hookTimeout: reference.hookTimeout ?? config.hookTimeout))
            } catch {
                throw config.error(at: reference.pointer, "plugin \(entry.name) refused its options: \(error.message)")
            }
        }

        // The protectables named under `protectables:`, or, when the section is absent, every
        // one found that works without options.
        var protectables: [String: ProtectableInstance] = [:]
        let wanted = config.protectableOptions.isEmpty ? Array(registry.protectables.keys) : Array(config.protectableOptions.keys)
        for type in wanted.sorted() {
            guard let entry = registry.protectables[type] else {
                throw config.error(at: "/protectables/\(type)", "no protectable plugin for resource type \(type) on the search path\(loadProblems)")
            }
            if config.protectableOptions.isEmpty {
                // Every protectable on the search path: those that need options are left out.
                guard (try? checkOptions([:], against: entry.configSchema, config, at: "", plugin: type)) != nil else { continue }
            } else {
                try checkOptions(config.protectableOptions[type] ?? [:], against: entry.configSchema, config, at: "/protectables/\(type)",
                                 plugin: "protectable \(type)")
            }
            if config.protectableOptions.isEmpty {
                // ...and so are those that cannot start without them (credentials, say).
                if let instance = try? ProtectableInstance(entry, configuration: [:]) { protectables[type] = instance }
                continue
            }
            do {
                protectables[type] = try ProtectableInstance(entry, configuration: config.protectableOptions[type] ?? [:])
            } catch {
                throw config.error(at: "/protectables/\(type)", "protectable \(type) refused its options: \(error.message)")
            }
        }

        let bank = try openBank(config, registry: registry, searchPath: searchPath, loadProblems: loadProblems)
        return Provider(config: config, registry: registry, protectables: protectables, protections: protections, bank: bank)
    }

    /// Open only `config`'s bank: no protectable or protection plugin is made, so a
    /// provider whose plugins are broken can still be searched for a checkpoint.
    public static func openBank(_ config: ProviderConfig, loader: PluginLoader = PluginLoader(),
                                environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> Bank {
        let searchPath = PluginSearchPath(providerPaths: config.pluginPath, environment: environment)
        return try openBank(config, registry: PluginRegistry.discover(searchPath, loader: loader), searchPath: searchPath, loadProblems: "")
    }

    private static func openBank(_ config: ProviderConfig, registry: PluginRegistry, searchPath: PluginSearchPath,
                                 loadProblems: String) throws(ConfigError) -> Bank {
        guard let bankEntry = registry.banks[config.bankPlugin] else {
            throw config.error(at: "/bank/plugin", "no bank plugin named \(config.bankPlugin) on the search path \(searchPath.entries.joined(separator: ":"))\(loadProblems)")
        }
        try checkOptions(config.bankOptions, against: bankEntry.configSchema, config, at: "/bank/options", plugin: bankEntry.name)
        do {
            return Bank(try BankInstance(bankEntry, configuration: config.bankOptions))
        } catch {
            throw config.error(at: "/bank", "bank \(bankEntry.name) cannot open: \(error.message)")
        }
    }

    /// Validate a plugin's options against the schema it publishes; the first error is
    /// placed at the option in the provider file.
    static func checkOptions(_ options: JSON, against schema: JSON?, _ config: ProviderConfig, at pointer: String,
                             plugin: String) throws(ConfigError) {
        guard let schema else { return }
        let compiled: JSONSchema
        do { compiled = try JSONSchema(schema) } catch { return }  // the loader already checked it
        let errors = compiled.validate(options).errors
        guard let first = errors.first else { return }
        throw config.error(at: pointer + first.instanceLocation,
                           "options for \(plugin): \(errors.map(\.description).joined(separator: "; "))")
    }

    init(config: ProviderConfig, registry: PluginRegistry, protectables: [String: ProtectableInstance],
         protections: [ProtectionInstance], bank: Bank) {
        self.config = config
        self.registry = registry
        self.protectables = protectables
        self.protections = protections
        self.bank = bank
        var dependents: [String: [ProtectableInstance]] = [:]
        for p in protectables.values.sorted(by: { $0.entry.resourceType < $1.entry.resourceType }) {
            for parent in p.entry.parentTypes { dependents[parent, default: []].append(p) }
        }
        self.dependents = dependents
    }

    /// The protection plugin for a type: the one naming it, else one taking every type.
    public func protection(for type: String) -> ProtectionInstance? {
        protections.first { $0.entry.resourceTypes.contains(type) } ?? protections.first { $0.entry.resourceTypes.contains("*") }
    }

    /// The protectables whose parent types include `type`.
    public func dependentProtectables(of type: String) -> [ProtectableInstance] {
        dependents[type] ?? []
    }

    /// Karbor's extended_info_schema: options, restore and saved_info schemas by resource
    /// type, for every type a protectable of this provider lists.
    public var extendedInfoSchema: JSON {
        var options = JSONObject(), restore = JSONObject(), savedInfo = JSONObject()
        let types = Set(protectables.keys).union(protections.flatMap(\.entry.resourceTypes).filter { $0 != "*" })
        for type in types.sorted() {
            guard let plugin = protection(for: type) else { continue }
            options[type] = plugin.entry.schema("options", for: type) ?? ["type": "object"]
            restore[type] = plugin.entry.schema("restore", for: type) ?? ["type": "object"]
            savedInfo[type] = plugin.entry.schema("saved_info", for: type) ?? ["type": "object"]
        }
        return ["options_schema": .object(options), "restore_schema": .object(restore), "saved_info_schema": .object(savedInfo)]
    }
}
