import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The example plugin written in C, compiled by `cc` from the header alone, loaded through
/// the loader and called through every entry point of the ABI.
@Suite struct CPluginTests {
    let library: LoadedLibrary

    init() throws {
        let output = try TestSupport.temporaryDirectory("c-plugin").appendingPathComponent("libexample.so")
        try TestSupport.compilePlugin(["Plugins/CExample/example_plugin.c"], output: output)
        library = try PluginLoader().load(path: output.path)
    }

    @Test func descriptor() {
        #expect(library.name == "example-c")
        #expect(library.version == "1.0.0")
        #expect(library.abiVersion == "1.2")
        #expect(library.protectables.map(\.resourceType) == ["Example::Shelf", "Example::Box"])
        #expect(library.protectables[1].parentTypes == ["Example::Shelf"])
        #expect(library.protectables[1].configSchema?["type"] == "object")
        let protection = library.protections[0]
        #expect(protection.name == "example-protection")
        #expect(protection.aliases == ["example-box-protection"])
        #expect(protection.supports("Example::Box") && !protection.supports("Example::Shelf"))
        #expect(protection.schema("options", for: "Example::Box")?["additionalProperties"] == false)
        #expect(protection.operations[.protect]?.names == ["on_prepare_begin", "on_prepare_finish", "on_main", "on_complete"])
        #expect(protection.operations[.restore]?.names == ["on_main", "on_complete"])
        #expect(protection.operations[.delete]?.names == ["on_main"])
        #expect(protection.operations[.verify] == nil)
        #expect(library.banks.map(\.name) == ["example-memory-bank"])
    }

    @Test func protectables() throws {
        let shelf = try ProtectableInstance(library.protectables[0])
        let box = try ProtectableInstance(library.protectables[1], configuration: ["boxes_per_shelf": 2])
        let shelves = try shelf.listResources()
        #expect(shelves == [["type": "Example::Shelf", "id": "shelf-1", "name": "top shelf"]])
        #expect(try shelf.showResource(id: "shelf-1")["name"] == "top shelf")
        #expect(throws: PluginCallError(plugin: "example-c (Example::Shelf)", status: 2, message: "no such shelf")) {
            try shelf.showResource(id: "shelf-9")
        }
        #expect(try shelf.dependentResources(of: shelves[0]) == [])
        #expect(try box.listResources().count == 2)
        #expect(try box.showResource(id: "shelf-1-box-2")["name"] == "box 2")
        let boxes = try box.dependentResources(of: shelves[0])
        #expect(boxes.compactMap { $0["id"]?.stringValue } == ["shelf-1-box-1", "shelf-1-box-2"])
        #expect(throws: PluginCallError(plugin: "example-c (Example::Box)", status: 3, message: "parent resource has no id")) {
            try box.dependentResources(of: ["type": "Example::Shelf"])
        }
    }

    @Test func protectRestoreDeleteHooks() throws {
        let plugin = try ProtectionInstance(library.protections[0])
        let section = MemorySection()
        let events = RecordingEvents()
        let resource: JSON = ["type": "Example::Box", "id": "shelf-1-box-1", "name": "box 1"]
        let arguments = HookArguments(resource: resource, parameters: ["label": "daily"], checkpointID: "cp-1",
                                      providerID: "provider-1", checkpoint: ["id": "cp-1"])
        let services = CallServices(events: events, bank: section)
        for hook in HookName.allCases { try plugin.run(.protect, hook, arguments, services: services) }
        let saved = try #require(section.objects.withLock { $0["saved/box.json"] })
        #expect(try JSON.parse(bytes: saved) == ["resource": resource])
        #expect(section.objects.withLock { $0["parameters.json"] }.map { String(decoding: $0, as: UTF8.self) } == #"{"label":"daily"}"#)
        #expect(events.lines.withLock { $0 } == [
            "example-protection: protect: prepare begin", "example-protection: protect: prepare finish",
            "example-protection: 1.0 saved", "example-protection: protect: complete",
        ])

        let map = MemoryNewResources()
        var restoreArguments = arguments
        restoreArguments.restoreID = "restore-1"
        let restoreServices = CallServices(bank: section, newResources: map)
        for hook in HookName.allCases { try plugin.run(.restore, hook, restoreArguments, services: restoreServices) }
        #expect(map.get("shelf-1-box-1") == "shelf-1-box-1-restored")

        try plugin.run(.delete, .main, arguments, services: services)
        #expect(section.objects.withLock { $0.isEmpty })

        // With nothing saved, restore fails with the plugin's own message.
        #expect(throws: PluginCallError(plugin: "example-protection", status: 2, message: "nothing saved for this box")) {
            try plugin.run(.restore, .main, restoreArguments, services: restoreServices)
        }
    }

    @Test func cancellationReachesTheHook() throws {
        let plugin = try ProtectionInstance(library.protections[0])
        let flag = CancellationFlag()
        flag.cancel()
        let arguments = HookArguments(resource: ["type": "Example::Box", "id": "b", "name": "b"], parameters: [:],
                                      checkpointID: "cp", providerID: "p", checkpoint: [:])
        #expect(throws: PluginCallError(plugin: "example-protection", status: 4, message: "cancelled")) {
            try plugin.run(.protect, .main, arguments, services: CallServices(cancellation: flag, bank: MemorySection()))
        }
    }

    @Test func bankOutsideAHookIsRefused() throws {
        let plugin = try ProtectionInstance(library.protections[0])
        let arguments = HookArguments(resource: ["type": "Example::Box", "id": "b", "name": "b"], parameters: [:],
                                      checkpointID: "cp", providerID: "p", checkpoint: [:])
        #expect(throws: PluginCallError(plugin: "example-protection", status: 5, message: "the bank is not available outside operation hooks")) {
            try plugin.run(.protect, .main, arguments, services: CallServices())
        }
    }

    @Test func bankEntryPoints() throws {
        let bank = try BankInstance(library.banks[0])
        try bank.put("/checkpoints/a/index.json", Array("{}".utf8))
        try bank.put("/checkpoints/b/index.json", Array("{\"b\":1}".utf8))
        try bank.write("/checkpoints/c/data") { (append) throws(PluginCallError) in
            for piece in ["one ", "two ", "three"] {
                try Array(piece.utf8).withUnsafeBytes { b in Result { () throws(PluginCallError) in try append(b) } }.get()
            }
        }
        #expect(try bank.get("/checkpoints/c/data").map { String(decoding: $0, as: UTF8.self) } == "one two three")
        #expect(try bank.get("/checkpoints/c/data", offset: 4, length: 3).map { String(decoding: $0, as: UTF8.self) } == "two")
        #expect(try bank.get("/checkpoints/missing") == nil)
        #expect(try bank.size("/checkpoints/b/index.json") == 7)
        #expect(try bank.size("/nothing") == nil)
        #expect(try bank.list(prefix: "/checkpoints/") == ["/checkpoints/a/index.json", "/checkpoints/b/index.json", "/checkpoints/c/data"])
        #expect(try bank.list(prefix: "/checkpoints/", marker: "/checkpoints/a/index.json", limit: 1) == ["/checkpoints/b/index.json"])
        #expect(try bank.list(prefix: "/checkpoints/", descending: true).first == "/checkpoints/c/data")
        try bank.delete("/checkpoints/a/index.json")
        try bank.delete("/checkpoints/a/index.json")  // deleting a missing object is fine
        #expect(try bank.list(prefix: "/checkpoints/a") == [])

        try bank.acquireLease("engine", owner: "host-1", ttl: 60)
        #expect(try bank.checkLease("engine")?.owner == "host-1")
        #expect(try bank.checkLease("engine")?.valid == true)
        #expect(throws: PluginCallError(plugin: "example-memory-bank", status: 6, message: "lease held by another owner")) {
            try bank.acquireLease("engine", owner: "host-2", ttl: 60)
        }
        try bank.renewLease("engine", owner: "host-1", ttl: 0)
        // Expired: another owner takes it over, and the old owner can no longer renew.
        try bank.acquireLease("engine", owner: "host-2", ttl: 60)
        #expect(throws: PluginCallError(plugin: "example-memory-bank", status: 6, message: "lease taken over by another owner")) {
            try bank.renewLease("engine", owner: "host-1", ttl: 60)
        }
        try bank.releaseLease("engine", owner: "host-2")
        #expect(try bank.checkLease("engine") == nil)
    }
}
