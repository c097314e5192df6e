import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The shipped plugins load through the same loader as a third party's.
@Suite struct ShippedPluginTests {
    /// Noop declares no hook at all (as Karbor's noop plugin, its resources need no data
    /// saved): the engine calls none of its code, and a flow over its resources still
    /// gives every resource its status.
    @Test func noopDeclaresNoHooksAndItsResourcesStillGetStatuses() throws {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkNoop"))
        #expect(library.name == "bulwark-noop")
        #expect(library.abiVersion == "1.2")
        let noop = try #require(library.protections.first)
        #expect(noop.name == "bulwark-noop-protection")
        #expect(noop.aliases.contains("karbor-noop-protection-plugin"))
        #expect(noop.supports("OS::Kubernetes::Pod") && noop.supports("anything"))
        #expect(noop.schema("options", for: "OS::Nova::Server")?["type"] == "object")
        #expect(noop.operations.isEmpty, "\(noop.operations)")
        let instance = try ProtectionInstance(noop)
        for operation in Operation.allCases {
            for hook in HookName.allCases { #expect(!instance.implements(operation, hook), "\(operation) \(hook)") }
        }

        // Through the engine: a protect and a delete over Sim resources protected by noop.
        let sim = try SimulatedProvider(extra: "")
        let yaml = try String(contentsOfFile: sim.providerFile, encoding: .utf8)
            .replacingOccurrences(of: "  - bulwark-sim-protection", with: "  - karbor-noop-protection-plugin")
        try yaml.write(toFile: sim.providerFile, atomically: true, encoding: .utf8)
        let engine = Engine(provider: try Provider.open(try ProviderConfig.read(sim.providerFile)))
        let checkpoint = try engine.protect(sim.plan(["project"], type: "Sim::Project"))
        #expect(checkpoint.status == "available", "\(checkpoint.error ?? "")")
        let statuses = try engine.resourceStatuses(checkpoint)
        #expect(statuses.count == 1 + 3 + 3 * 2, "the project, its 3 pods and their 6 volumes")
        #expect(statuses.allSatisfy { $0.1?["status"] == "available" }, "\(statuses)")
        try engine.delete(checkpoint.id)
        #expect(try engine.checkpoints().isEmpty)
    }

    /// What the OpenStack and Kubernetes protection plugins publish is schemas/ to the letter
    /// (scripts/generate-plugin-schemas.py embeds those files; this catches a stale embed).
    @Test(arguments: [
        ("BulwarkPodProtection", "bulwark-pod-protection", "OS::Kubernetes::Pod", "pod_protection_options", "pod_protection_restore", "pod_protection_saved_info"),
        ("BulwarkCinderProtection", "bulwark-volume-backup-protection", "OS::Cinder::Volume", "volume_backup_options", "volume_backup_restore", "volume_backup_saved_info"),
        ("BulwarkCinderProtection", "bulwark-volume-snapshot-protection", "OS::Cinder::Volume", "volume_snapshot_options", "volume_snapshot_restore", "volume_backup_saved_info"),
    ])
    func publishedSchemasAreTheFilesInSchemas(_ product: String, _ plugin: String, _ type: String,
                                              _ options: String, _ restore: String, _ savedInfo: String) throws {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin(product))
        let entry = try #require(library.protections.first { $0.name == plugin })
        for (kind, file) in [("options", options), ("restore", restore), ("saved_info", savedInfo)] {
            let text = try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("schemas/\(file).json"), encoding: .utf8)
            #expect(entry.schema(kind, for: type) == (try JSON.parse(text)), "\(plugin) \(kind) differs from schemas/\(file).json")
        }
    }

    @Test func searchPathOrder() throws {
        let path = PluginSearchPath(providerPaths: ["/from/provider"], environment: ["BULWARK_PLUGIN_PATH": "/env/a::/env/b"],
                                    buildOutput: "/build")
        #expect(path.entries == ["/from/provider", "/env/a", "/env/b", "/build"])
    }

    @Test func searchPathFindsEachLibraryOnce() throws {
        let directory = try TestSupport.temporaryDirectory("search")
        let copy = directory.appendingPathComponent("libBulwarkNoop.so")
        try FileManager.default.copyItem(atPath: TestSupport.shippedPlugin("BulwarkNoop"), toPath: copy.path)
        try "not a library".write(to: directory.appendingPathComponent("README.txt"), atomically: true, encoding: .utf8)
        let path = PluginSearchPath(entries: [directory.path, copy.path, TestSupport.buildDirectory.path])
        let files = path.libraryFiles()
        #expect(files.first == copy.path)
        #expect(files.filter { $0 == copy.path }.count == 1)
        // The copy shadows the build's own library of the same name: the first one wins.
        let registry = PluginRegistry.discover(path, loader: PluginLoader())
        #expect(registry.protections["bulwark-noop-protection"]?.libraryPath == copy.path)
        #expect(registry.problems.isEmpty)
    }
}

/// The provider schema built into the binary is the one published in schemas/.
@Suite struct ProviderSchemaTests {
    @Test func builtInSchemaMatchesThePublishedFile() throws {
        let published = try JSON.parse(try String(contentsOf: TestSupport.packageRoot.appendingPathComponent("schemas/provider.schema.json"), encoding: .utf8))
        #expect(published == ProviderConfig.publishedSchema)
    }

    @Test func shippedProviderFilesAreValid() throws {
        let directory = ProviderDirectory.load(TestSupport.packageRoot.appendingPathComponent("providers").path)
        #expect(directory.problems == [])
        #expect(directory.providers.map(\.id).contains("demo"))
    }
}
