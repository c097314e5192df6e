import BulwarkJSON
@testable import BulwarkSchema
import Foundation
import Testing
import TestSupport

/// The official JSON Schema Test Suite (../shared/jsonschema-test-suite): every required
/// case of drafts 4, 7 and 2020-12 must pass; the optional ones are run and counted.
@Suite struct TestSuiteTests {
    static let suite = TestSupport.packageRoot.deletingLastPathComponent().appendingPathComponent("shared/jsonschema-test-suite")

    struct Outcome {
        var passed = 0
        var failed: [String] = []
        /// Cases whose schema has a fast path (the rest use the reporting evaluator alone).
        var fastPath = 0
    }

    /// Run every case in the files under `directory` (not descending into `optional/`
    /// unless it is the directory given).
    static func run(_ directory: URL, draft: Draft, assertFormat: Bool = false) throws -> Outcome {
        var outcome = Outcome()
        let fm = FileManager.default
        let files = try fm.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        for file in files {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            let groups = try JSON.parse(bytes: data).arrayValue ?? []
            for group in groups {
                let description = group["description"]?.stringValue ?? "?"
                let options = SchemaOptions(defaultDraft: draft, assertFormat: assertFormat,
                                            remotesDirectory: suite.appendingPathComponent("remotes").path)
                let schema: JSONSchema
                do {
                    schema = try JSONSchema(group["schema"] ?? .null, options: options)
                } catch {
                    for test in group["tests"]?.arrayValue ?? [] {
                        outcome.failed.append("\(file) / \(description) / \(test["description"]?.stringValue ?? "?"): schema did not compile: \(error)")
                    }
                    continue
                }
                for test in group["tests"]?.arrayValue ?? [] {
                    let expected = test["valid"]?.boolValue ?? false
                    let result = schema.validate(test["data"] ?? .null)
                    // The fast path (isValid), the reporting evaluator alone, and the two
                    // together (validate) must each get it right.
                    let fast = schema.isValid(test["data"] ?? .null)
                    let reported = schema.reportedErrors(test["data"] ?? .null).isEmpty
                    if schema.fast != nil { outcome.fastPath += 1 }
                    if result.isValid == expected && fast == expected && reported == expected {
                        outcome.passed += 1
                    } else {
                        outcome.failed.append("\(file) / \(description) / \(test["description"]?.stringValue ?? "?"): expected \(expected ? "valid" : "invalid"), got \(result.isValid ? "valid" : result.errors.map(\.description).joined(separator: "; "))")
                    }
                }
            }
        }
        return outcome
    }

    @Test(arguments: [("draft4", Draft.draft4), ("draft7", .draft7), ("draft2020-12", .draft2020_12)])
    func requiredCases(_ name: String, _ draft: Draft) throws {
        let directory = Self.suite.appendingPathComponent("tests/\(name)")
        try #require(FileManager.default.fileExists(atPath: directory.path), "the JSON Schema Test Suite is expected at \(Self.suite.path)")
        let outcome = try Self.run(directory, draft: draft)
        print("JSON Schema Test Suite \(name): \(outcome.passed) of \(outcome.passed + outcome.failed.count) required cases passed"
              + " (\(outcome.fastPath) through the fast path too)")
        for failure in outcome.failed { print("  FAIL \(failure)") }
        #expect(outcome.failed.isEmpty, "\(outcome.failed.count) required cases failed")
        #expect(outcome.passed > 0)
    }

    /// Optional cases are reported, not required; format cases run with formats asserted.
    @Test(arguments: [("draft4", Draft.draft4), ("draft7", .draft7), ("draft2020-12", .draft2020_12)])
    func optionalCases(_ name: String, _ draft: Draft) throws {
        let optional = Self.suite.appendingPathComponent("tests/\(name)/optional")
        try #require(FileManager.default.fileExists(atPath: optional.path))
        var total = try Self.run(optional, draft: draft)
        let formats = optional.appendingPathComponent("format")
        if FileManager.default.fileExists(atPath: formats.path) {
            let f = try Self.run(formats, draft: draft, assertFormat: true)
            total.passed += f.passed
            total.failed += f.failed
        }
        print("JSON Schema Test Suite \(name) optional: \(total.passed) of \(total.passed + total.failed.count) passed")
        if ProcessInfo.processInfo.environment["BULWARK_SHOW_OPTIONAL_FAILURES"] != nil {
            for failure in total.failed { print("  optional FAIL \(failure)") }
        }
    }
}
