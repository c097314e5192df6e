import BulwarkCore
import Foundation
import Testing
import TestSupport

/// Every way a library can be bad gives one line naming the file, and nothing else breaks.
@Suite struct BadLibraryTests {
    let directory: URL

    init() throws {
        directory = try TestSupport.temporaryDirectory("bad-libraries")
    }

    func build(_ variant: String) throws -> String {
        let output = directory.appendingPathComponent("lib\(variant.lowercased()).so")
        try TestSupport.compilePlugin(["Tests/BulwarkCoreTests/Fixtures/bad_plugin.c"], defines: [variant], output: output)
        return output.path
    }

    func loadError(_ path: String) -> PluginLoadError? {
        do {
            _ = try PluginLoader().load(path: path)
            return nil
        } catch {
            return error
        }
    }

    @Test func notASharedObject() throws {
        let path = directory.appendingPathComponent("libtext.so").path
        try String(repeating: "this is a text file, not an ELF shared object\n", count: 20).write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(loadError(path))
        #expect(error.path == path)
        #expect(error.description.hasPrefix("\(path): cannot be loaded as a shared library: "))
        #expect(error.description.contains("invalid ELF header"))
        #expect(!error.description.contains("\n"))
    }

    @Test func missingFile() throws {
        let path = directory.appendingPathComponent("libnothing.so").path
        #expect(loadError(path)?.description == "\(path): no such file")
    }

    @Test func missingInitSymbol() throws {
        let path = try build("MISSING_SYMBOL")
        #expect(loadError(path)?.description ==
            "\(path): no bulwark_plugin_init symbol: not a Bulwark plugin, or the symbol is not exported (declare it with BULWARK_PLUGIN_EXPORT)")
    }

    @Test func abiMajorMismatch() throws {
        let path = try build("ABI_MAJOR")
        #expect(loadError(path)?.description ==
            "\(path): built for plugin ABI 2.3; this host speaks 1.2 (rebuild the plugin against bulwark_plugin.h 1.x)")
    }

    @Test func initReturnsAnError() throws {
        let path = try build("INIT_ERROR")
        #expect(loadError(path)?.description ==
            "\(path): bulwark_plugin_init failed (ERROR): cannot reach the widget service at 127.0.0.1:9")
    }

    @Test func initReturnsNoDescriptor() throws {
        let path = try build("NULL_DESCRIPTOR")
        #expect(loadError(path)?.description == "\(path): bulwark_plugin_init returned OK but no descriptor")
    }

    @Test func nullTable() throws {
        let path = try build("NULL_TABLE")
        #expect(loadError(path)?.description == "\(path): descriptor lists 2 protectables but the protectables table is NULL")
    }

    @Test func nullTableEntry() throws {
        let path = try build("NULL_ENTRY")
        #expect(loadError(path)?.description == "\(path): protectables[1] is NULL")
    }

    @Test func malformedTableEntry() throws {
        let path = try build("SHORT_ENTRY")
        let error = try #require(loadError(path))
        #expect(error.description.hasPrefix("\(path): protectables[0] struct_size 8 is smaller than ABI 1.0's "))
        #expect(error.description.hasSuffix("; the table is malformed"))
    }

    @Test func missingRequiredFunction() throws {
        let path = try build("MISSING_FUNCTION")
        #expect(loadError(path)?.description == "\(path): protectable \"Bad::Thing\" has no get_dependent_resources function")
    }

    @Test func schemaThatIsNotJSON() throws {
        let path = try build("SCHEMA_NOT_JSON")
        #expect(loadError(path)?.description ==
            "\(path): protection \"bad-protection\" schemas_json is not valid JSON: line 1, column 37: unexpected '}'; expected a member name in double quotes")
    }

    @Test func schemaThatIsNotASchema() throws {
        let path = try build("SCHEMA_NOT_OBJECT")
        #expect(loadError(path)?.description ==
            "\(path): protection \"bad-protection\" options schema for * must be a JSON object or boolean, got number")
    }

    @Test func schemaThatFailsItsMetaSchema() throws {
        let path = try build("SCHEMA_INVALID")
        #expect(loadError(path)?.description ==
            "\(path): protection \"bad-protection\" options schema for * is not a valid JSON Schema: /type: does not match any of the 2 schemas in anyOf (must be one of \"array\", \"boolean\", \"integer\", \"null\", \"number\", \"object\", \"string\"; got \"objekt\" | expected an array, got string \"objekt\")")
    }

    @Test func schemaRejectedByTheSchemaCheck() throws {
        let path = try build("SCHEMA_VALID")
        let loader = PluginLoader(schemaCheck: { schema in schema["type"] == "object" ? "type must not be object here" : nil })
        #expect(throws: PluginLoadError(path: path, reason: "protection \"bad-protection\" options schema for * is not a valid JSON Schema: type must not be object here")) {
            _ = try loader.load(path: path)
        }
    }

    @Test func duplicateResourceTypeNamesBothLibraries() throws {
        let a = try build("DUPLICATE_A")
        let b = try build("DUPLICATE_B")
        var registry = PluginRegistry()
        let loader = PluginLoader()
        try registry.load(a, loader: loader)
        #expect(throws: PluginLoadError(path: b, reason: "resource type Dup::Thing is already provided by \(a)")) {
            try registry.load(b, loader: loader)
        }
        // The first library stays usable; the second was refused whole.
        #expect(registry.protectables["Dup::Thing"]?.libraryPath == a)
        #expect(registry.libraries.map(\.name) == ["duplicate-a"])
    }

    @Test func oneBadLibraryDoesNotHideTheGoodOnes() throws {
        _ = try build("INIT_ERROR")
        _ = try build("DUPLICATE_A")
        _ = try build("ABI_MAJOR")
        let registry = PluginRegistry.discover(PluginSearchPath(entries: [directory.path]), loader: PluginLoader())
        #expect(registry.libraries.map(\.name) == ["duplicate-a"])
        #expect(registry.problems.count == 2)
        #expect(registry.problems.map { URL(fileURLWithPath: $0.path).lastPathComponent }.sorted() == ["libabi_major.so", "libinit_error.so"])
    }
}
