// bulwark-schema-bench: validates documents against a schema in a loop and prints one JSON
// line with documents per second. Driven by Benchmarks/schema/compare.py, which runs the
// same workloads through Python's jsonschema and jsonschema-rs.
//
//   bulwark-schema-bench --schema S.json [--base URI] [--register URI=FILE]... \
//                        --documents DOCS.jsonl [--seconds 3]
import BulwarkJSON
import BulwarkSchema
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bulwark-schema-bench: \(message)\n".utf8))
    exit(2)
}

var schemaPath: String?
var base = "urn:bulwark:bench"
var registered: [String: JSON] = [:]
var documentsPath: String?
var seconds = 3.0
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--schema": schemaPath = value
    case "--base": base = value
    case "--documents": documentsPath = value
    case "--seconds": seconds = Double(value) ?? 3
    case "--register":
        let parts = value.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let data = FileManager.default.contents(atPath: parts[1]) else { fail("bad --register \(value)") }
        registered[parts[0]] = try JSON.parse(bytes: data)
    default: fail("unknown option \(flag)")
    }
}
guard let schemaPath, let documentsPath,
      let schemaData = FileManager.default.contents(atPath: schemaPath),
      let documentText = try? String(contentsOfFile: documentsPath, encoding: .utf8) else {
    fail("usage: --schema FILE --documents FILE.jsonl [--base URI] [--register URI=FILE] [--seconds N]")
}

let compileStart = Date()
let schema = try JSONSchema(try JSON.parse(bytes: schemaData), options: SchemaOptions(documents: registered, baseURI: base))
let compileSeconds = Date().timeIntervalSince(compileStart)
let documents = try documentText.split(separator: "\n").map { try JSON.parse(String($0)) }
let validCount = documents.filter { schema.isValid($0) }.count

// Validate round-robin until the time is up; report documents per second.
var done = 0
let start = Date()
var elapsed = 0.0
repeat {
    for document in documents {
        if schema.validate(document).isValid != (validCount == documents.count) && validCount == documents.count {
            fail("a document changed validity")
        }
    }
    done += documents.count
    elapsed = Date().timeIntervalSince(start)
} while elapsed < seconds

let line: JSON = [
    "validator": "bulwark",
    "documents": .number(JSONNumber(documents.count)),
    "valid": .number(JSONNumber(validCount)),
    "compile_ms": .number(JSONNumber((compileSeconds * 1000 * 100).rounded() / 100)),
    "docs_per_s": .number(JSONNumber((Double(done) / elapsed).rounded())),
]
print(line.serialized())
