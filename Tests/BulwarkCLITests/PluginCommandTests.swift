import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// `bulwark plugin inspect` and `bulwark plugin list`, run as a user runs them.
@Suite struct PluginCommandTests {
    @Test func inspectShippedPluginAsJSON() throws {
        let path = TestSupport.shippedPlugin("BulwarkNoop")
        let result = try TestSupport.bulwark(["plugin", "inspect", path, "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try JSON.parse(result.stdout)
        #expect(json["abi_version"] == "1.2")
        #expect(json["library"] == "bulwark-noop")
        #expect(json["protectables"] == [])
        #expect(json["banks"] == [])
        #expect(json["protections"]?[0]?["name"] == "bulwark-noop-protection")
        #expect(json["protections"]?[0]?["schemas"]?["*"]?["options"]?["type"] == "object")
    }

    @Test func inspectCPluginAsText() throws {
        let output = try TestSupport.temporaryDirectory("cli").appendingPathComponent("libexample.so")
        try TestSupport.compilePlugin(["Plugins/CExample/example_plugin.c"], output: output)
        let result = try TestSupport.bulwark(["plugin", "inspect", output.path])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("example-c 1.0.0 (plugin ABI 1.2)\nfile: \(output.path)\n"))
        #expect(result.stdout.contains("  Example::Box\n    parent types: Example::Shelf\n"))
        #expect(result.stdout.contains("    protect: on_prepare_begin, on_prepare_finish, on_main, on_complete\n"))
        #expect(result.stdout.contains("bank plugins:\n  example-memory-bank\n"))
    }

    @Test func inspectBadLibraryIsOneLineAndNonZero() throws {
        let directory = try TestSupport.temporaryDirectory("cli-bad")
        let output = directory.appendingPathComponent("libabi.so")
        try TestSupport.compilePlugin(["Tests/BulwarkCoreTests/Fixtures/bad_plugin.c"], defines: ["ABI_MAJOR"], output: output)
        let result = try TestSupport.bulwark(["plugin", "inspect", output.path])
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(result.stderr == "error: \(output.path): built for plugin ABI 2.3; this host speaks 1.2 (rebuild the plugin against bulwark_plugin.h 1.x)\n")
    }

    @Test func listReportsGoodAndBadLibraries() throws {
        let directory = try TestSupport.temporaryDirectory("cli-list")
        try TestSupport.compilePlugin(["Plugins/CExample/example_plugin.c"], output: directory.appendingPathComponent("libexample.so"))
        try TestSupport.compilePlugin(["Tests/BulwarkCoreTests/Fixtures/bad_plugin.c"], defines: ["INIT_ERROR"],
                                      output: directory.appendingPathComponent("libbroken.so"))
        var environment = ProcessInfo.processInfo.environment
        environment["BULWARK_PLUGIN_PATH"] = directory.path
        let result = try TestSupport.bulwark(["plugin", "list", "--output", "json"], environment: environment)
        #expect(result.status == 1)
        let json = try JSON.parse(result.stdout)
        let names = json["libraries"]?.arrayValue?.compactMap { $0["library"]?.stringValue } ?? []
        #expect(names.contains("example-c") && names.contains("bulwark-noop"))
        #expect(json["problems"] == [["file": .string(directory.appendingPathComponent("libbroken.so").path),
                                      "error": "bulwark_plugin_init failed (ERROR): cannot reach the widget service at 127.0.0.1:9"]])
        #expect(json["search_path"]?[0] == .string(directory.path))
    }
}
