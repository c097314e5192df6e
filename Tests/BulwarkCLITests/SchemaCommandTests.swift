import BulwarkJSON
import Foundation
import Testing
import TestSupport

/// `bulwark schema validate`: output lines and exit codes.
@Suite struct SchemaCommandTests {
    let directory: URL

    init() throws {
        directory = try TestSupport.temporaryDirectory("schema-cli")
        try write("schema.json", #"{"type":"object","properties":{"image":{"type":"string"},"n":{"$ref":"common.json#/$defs/count"}},"required":["image"]}"#)
        try write("common.json", #"{"$defs":{"count":{"type":"integer","minimum":3}}}"#)
        try write("ok.json", #"{"image":"nginx","n":5}"#)
        try write("bad.json", #"{"image":null,"n":1}"#)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    @Test func oneLinePerInstanceAndExitCodes() throws {
        let all = try TestSupport.bulwark(["schema", "validate", "--schema", path("schema.json"), path("ok.json"), path("bad.json")])
        #expect(all.status == 1)
        #expect(all.stdout == """
            \(path("ok.json")): valid
            \(path("bad.json")): invalid: /image: expected a string, got null; /n: must be at least 3, got 1

            """)
        let good = try TestSupport.bulwark(["schema", "validate", "--schema", path("schema.json"), path("ok.json")])
        #expect(good.status == 0)
    }

    /// Issue #17, item 2: a `$ref` to something that is no regular file of a sane size is
    /// a named error at once, never a hang or an endless read.
    @Test func referencesToFilesThatCannotBeDocumentsAreNamedErrors() throws {
        #expect(mkfifo(path("fifo.json"), 0o644) == 0)
        try FileManager.default.createDirectory(atPath: path("folder.json"), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path("huge.json"), contents: nil)
        let huge = try FileHandle(forWritingTo: URL(fileURLWithPath: path("huge.json")))
        try huge.truncate(atOffset: 2 << 30)  // 2 GiB, sparse
        try huge.close()
        let cases: [(String, String)] = [
            ("file:///dev/zero", "(/dev/zero): it is a device, not a regular file"),
            ("fifo.json", "fifo.json): it is a FIFO (named pipe), not a regular file"),
            ("folder.json", "folder.json): it is a directory"),
            ("huge.json", "huge.json): it is 2147483648 bytes; referenced documents may have at most 16777216 (16 MiB)"),
        ]
        for (target, message) in cases {
            try write("ref.json", #"{"$ref":"\#(target)"}"#)
            let started = Date()
            let result = try TestSupport.bulwark(["schema", "validate", "--schema", path("ref.json"), path("ok.json")])
            #expect(result.status == 2, "\(target): \(result.stderr)")
            #expect(result.stderr.contains("cannot read the document"), "\(target): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(target): \(result.stderr)")
            #expect(Date().timeIntervalSince(started) < 30, "\(target) took \(Date().timeIntervalSince(started)) s")
        }
    }

    @Test func jsonLinesOnStandardInputWithJSONOutput() throws {
        let result = try TestSupport.bulwark(["schema", "validate", "--schema", path("schema.json"), "-", "--output", "json"],
                                             stdin: "{\"image\":\"a\"}\n\n{\"n\":2}\n")
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map { try? JSON.parse(String($0)) }
        #expect(lines.count == 2)
        #expect(lines[0]?["instance"] == "-:1")
        #expect(lines[0]?["valid"] == true)
        #expect(lines[1]?["instance"] == "-:3")
        #expect(lines[1]?["errors"]?[0]?["message"] == "missing required property \"image\"")
        #expect(lines[1]?["errors"]?[1]?["keywordLocation"] == "/properties/n/$ref/minimum")
    }

    /// Many JSON Lines, valid, invalid, unparsable, blank and CRLF-ended, in batches over
    /// several threads: one result per instance, in input order, the same whatever
    /// --jobs is, and the exit status of the worst.
    @Test func jsonLinesKeepTheirOrderOnEveryThreadCount() throws {
        var input = ""
        var expected: [String] = []
        for i in 1...6_000 {
            switch i % 7 {
            case 0:
                input += "{\"image\": \"a\", \"n\": \(i), \"pad\": \"\(String(repeating: "x", count: i % 300))\"}\n"
                expected.append("-:\(i): valid")
            case 1:
                input += "{\"image\": null}\r\n"
                expected.append("-:\(i): invalid: /image: expected a string, got null")
            case 2:
                input += "   \n"
            case 3:
                input += "{\"image\": \"b\", \n"
                expected.append("-:\(i): unreadable: line 1, column 16: unexpected end of input; expected a member name")
            default:
                input += "{\"image\": \"c\(i)\"}\n"
                expected.append("-:\(i): valid")
            }
        }
        input += "{\"image\": \"last line without a newline\"}"
        expected.append("-:6001: valid")
        for jobs in ["1", "2", "5"] {
            let result = try TestSupport.bulwark(["schema", "validate", "--jobs", jobs, "--schema", path("schema.json"), "-"], stdin: input)
            #expect(result.status == 2, "jobs \(jobs): an unreadable line makes the status 2")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            #expect(lines.count == expected.count, "jobs \(jobs)")
            #expect(lines == expected, "jobs \(jobs): first difference at \(zip(lines, expected).enumerated().first { $0.element.0 != $0.element.1 }.map { "\($0.offset): \($0.element.0) | \($0.element.1)" } ?? "none")")
        }
        let refused = try TestSupport.bulwark(["schema", "validate", "--jobs", "0", "--schema", path("schema.json"), "-"], stdin: "")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--jobs must be 1 to 256 (got 0)"))
    }

    @Test func invalidSchemaExitsTwo() throws {
        try write("broken.json", #"{"type": 12}"#)
        let result = try TestSupport.bulwark(["schema", "validate", "--schema", path("broken.json"), path("ok.json")])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("error: \(path("broken.json")): not a valid JSON Schema: /type: does not match any of the 2 schemas in anyOf"))
        try write("notjson.json", "{")
        let notJSON = try TestSupport.bulwark(["schema", "validate", "--schema", path("notjson.json"), path("ok.json")])
        #expect(notJSON.status == 2)
        #expect(notJSON.stderr == "error: \(path("notjson.json")): not valid JSON: line 1, column 2: unexpected end of input; expected a member name\n")
    }

    @Test func draftOptionAndFormatAssertion() throws {
        try write("d4.json", #"{"maximum": 5, "exclusiveMaximum": true, "format": "ipv4"}"#)
        try write("five.json", "5")
        try write("ip.json", #""999.1.1.1""#)
        let draft4 = try TestSupport.bulwark(["schema", "validate", "--schema", path("d4.json"), "--draft", "4", path("five.json")])
        #expect(draft4.stdout == "\(path("five.json")): invalid: (root): must be less than 5, got 5\n")
        let formats = try TestSupport.bulwark(["schema", "validate", "--schema", path("d4.json"), "--draft", "4", "--assert-format", path("ip.json")])
        #expect(formats.stdout == "\(path("ip.json")): invalid: (root): is not a valid ipv4: \"999.1.1.1\"\n")
        let badDraft = try TestSupport.bulwark(["schema", "validate", "--schema", path("d4.json"), "--draft", "5", path("five.json")])
        #expect(badDraft.status == 64)
        #expect(badDraft.stderr.contains("--draft must be 4, 7 or 2020-12 (got 5)"))
    }
}
