import BankConformance
import BulwarkCore
import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// The shipped banks (and the C example's memory bank) pass the conformance suite.
@Suite struct BankTests {
    static func shippedBank(_ product: String, configuration: JSON) throws -> Bank {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin(product))
        return Bank(try BankInstance(try #require(library.banks.first), configuration: configuration))
    }

    @Test func sqliteBankConforms() throws {
        let directory = try TestSupport.temporaryDirectory("sqlite-bank")
        let bank = try Self.shippedBank("BulwarkSQLiteBank", configuration: ["path": .string(directory.appendingPathComponent("bank.sqlite").path)])
        try BankConformance(bank: bank).runAll()
    }

    @Test func directoryBankConforms() throws {
        let directory = try TestSupport.temporaryDirectory("directory-bank")
        let bank = try Self.shippedBank("BulwarkDirectoryBank", configuration: ["path": .string(directory.path)])
        try BankConformance(bank: bank).runAll()
        // Temporary files of aborted writes are gone too.
        let leftovers = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String }.filter { $0.contains("~tmp-") }
        #expect(leftovers == [])
    }

    @Test func cExampleMemoryBankConforms() throws {
        let output = try TestSupport.temporaryDirectory("c-bank").appendingPathComponent("libexample.so")
        try TestSupport.compilePlugin(["Plugins/CExample/example_plugin.c"], output: output)
        let library = try PluginLoader().load(path: output.path)
        let bank = Bank(try BankInstance(try #require(library.banks.first)))
        try BankConformance(bank: bank).runAll(largeObjectMiB: 8)
    }

    /// ABI 1.1 appended writer_open_sized to the bank table: a bank built for 1.0 still
    /// loads, the host never reads past its struct_size (the fixture keeps a bad pointer
    /// there), and a write with a declared size goes through its writer_open.
    @Test func bankBuiltForABI10TakesSizedWritesThroughWriterOpen() throws {
        let output = try TestSupport.temporaryDirectory("abi10-bank").appendingPathComponent("libabi10.so")
        try TestSupport.compilePlugin(["Tests/BulwarkCoreTests/Fixtures/abi10_bank.c"], output: output)
        let library = try PluginLoader().load(path: output.path)
        #expect(library.abiMinor == 0)
        let bank = Bank(try BankInstance(try #require(library.banks.first)))
        let bytes = Array("written through writer_open".utf8)
        let writer = try bank.openWriter("/any/key", size: UInt64(bytes.count))
        try bytes.withUnsafeBytes { try writer.append($0) }
        try writer.commit()
        #expect(try bank.get("/any/key") == bytes)
    }

    @Test func sqliteBankReopensWithItsData() throws {
        let path = try TestSupport.temporaryDirectory("sqlite-reopen").appendingPathComponent("bank.sqlite").path
        do {
            let bank = try Self.shippedBank("BulwarkSQLiteBank", configuration: ["path": .string(path)])
            try bank.putJSON("/checkpoints/x/index.json", ["id": "x"])
        }
        let again = try Self.shippedBank("BulwarkSQLiteBank", configuration: ["path": .string(path)])
        #expect(try again.getJSON("/checkpoints/x/index.json") == ["id": "x"])
    }

    @Test func sqliteBankRefusesBadOptions() throws {
        let library = try PluginLoader().load(path: TestSupport.shippedPlugin("BulwarkSQLiteBank"))
        let entry = try #require(library.banks.first)
        #expect(throws: PluginCallError(plugin: "bulwark-sqlite-bank", status: 3, message: "option \"path\" is required")) {
            try BankInstance(entry, configuration: [:])
        }
    }

    /// The status objects the host keeps beside a plugin's data are the host's: a plugin
    /// cannot write, stream over or delete them, and its listings do not show them.
    @Test func statusObjectsInASectionAreTheHosts() throws {
        let directory = try TestSupport.temporaryDirectory("section-status")
        let bank = try Self.shippedBank("BulwarkDirectoryBank", configuration: ["path": .string(directory.path)])
        let prefix = "/checkpoints/c1/resource-data/r1"
        try bank.putJSON(prefix + "/status", ["status": "available"])
        try bank.putJSON(prefix + "/delete-status", ["status": "deleted"])
        let section = BankSection(bank: bank, prefix: prefix, readOnly: false)
        for key in ["status", "/status", "delete-status"] {
            #expect(throws: PluginCallError(plugin: "host", status: 3, message: "\(key.hasPrefix("/") ? String(key.dropFirst()) : key) is the host's record of this resource's status; a plugin cannot write or delete it (use another key)")) {
                try Array("{}".utf8).withUnsafeBytes { b in try section.put(key, b) }
            }
            #expect(throws: PluginCallError.self) { try section.delete(key) }
            #expect(throws: PluginCallError.self) { _ = try section.openWriter(key, size: nil) }
        }
        #expect(try bank.getJSON(prefix + "/status") == ["status": "available"], "the host's status is untouched")
        #expect(try bank.getJSON(prefix + "/delete-status") == ["status": "deleted"])
        // Keys that only look alike are the plugin's.
        for key in ["statuses/a", "saved/status", "status.json"] {
            try Array("x".utf8).withUnsafeBytes { b in try section.put(key, b) }
        }
        #expect(try section.list(prefix: "", marker: nil, limit: 0, descending: false) == ["saved/status", "status.json", "statuses/a"])
        // Paged one at a time with the last key as marker: every key of the plugin's, no host key.
        var paged: [String] = []
        while let next = try section.list(prefix: "", marker: paged.last, limit: 1, descending: false).first { paged.append(next) }
        #expect(paged == ["saved/status", "status.json", "statuses/a"])
        #expect(try section.get("status", offset: 0, length: 0) != nil, "a plugin may still read its resource's status")
    }

    @Test func sectionsConfineAndProtect() throws {
        let directory = try TestSupport.temporaryDirectory("section")
        let bank = try Self.shippedBank("BulwarkDirectoryBank", configuration: ["path": .string(directory.path)])
        let section = BankSection(bank: bank, prefix: "/checkpoints/c1/resource-data/r1", readOnly: false)
        try Array("data".utf8).withUnsafeBytes { b in try section.put("saved/a.json", b) }
        #expect(try bank.get("/checkpoints/c1/resource-data/r1/saved/a.json") == Array("data".utf8))
        #expect(try section.list(prefix: "", marker: nil, limit: 0, descending: false) == ["saved/a.json"])
        #expect(throws: PluginCallError(plugin: "host", status: 3, message: "invalid bank key \"/checkpoints/c1/resource-data/r1/../../r2/x\": \".\" and \"..\" parts are not allowed")) {
            try section.get("../../r2/x", offset: 0, length: 0)
        }
        let readOnly = BankSection(bank: bank, prefix: "/checkpoints/c1/resource-data/r1", readOnly: true)
        #expect(try readOnly.get("saved/a.json", offset: 0, length: 0) == Array("data".utf8))
        #expect(throws: PluginCallError(plugin: "host", status: 5, message: "the bank section is read-only during restore and verify")) {
            try readOnly.delete("saved/a.json")
        }
    }
}
