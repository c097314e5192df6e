import BulwarkJSON
@testable import BulwarkSchema
import BulwarkYAML

/// One reader for the whole run, as JSON Lines use one: its reuse is under test too.
nonisolated(unsafe) let sharedReader = JSONReader()

/// JSON: a fresh parse and the reused reader agree (value or error); what parses writes
/// back (compact and pretty) to text that parses to the same value; errors say where.
@Sendable func fuzzJSON(_ data: UnsafeRawBufferPointer) {
    let bytes = data.bindMemory(to: UInt8.self)
    let fresh = Result { () throws(JSONParseError) in try JSON.parse(bytes: bytes) }
    let reused = Result { () throws(JSONParseError) in try sharedReader.parse(bytes: bytes) }
    switch (fresh, reused) {
    case (.success(let a), .success(let b)):
        guard a == b else { violated("the reader and JSON.parse disagree") }
        for options in [JSON.OutputOptions(), JSON.OutputOptions(pretty: true, sortedKeys: true)] {
            let written = a.serialized(options)
            guard let again = try? JSON.parse(written), again == a else { violated("written JSON does not read back: \(written)") }
        }
        guard (try? JSON.parse(bytes: bytes, options: .init(duplicateKeys: .lastWins))) == a else {
            violated("lastWins changes a document without duplicates")
        }
    case (.failure(let a), .failure(let b)):
        guard a == b else { violated("the reader and JSON.parse fail differently: \(a) / \(b)") }
        guard a.line >= 1, a.column >= 1, a.offset >= 0, a.offset <= bytes.count, !a.message.isEmpty else {
            violated("an error without a place: \(a)")
        }
    default:
        violated("the reader and JSON.parse disagree on whether the text is JSON")
    }
}

/// YAML: whatever is read is a JSON value that writes and reads back; errors say where.
@Sendable func fuzzYAML(_ data: UnsafeRawBufferPointer) {
    guard let source = text(data) else { return }
    do {
        let document = try YAMLDocument.parse(source)
        let written = document.json.serialized()
        guard let again = try? JSON.parse(written), again == document.json else { violated("YAML's value does not write back as JSON") }
        _ = document.position(of: "")
    } catch {
        guard error.position.line >= 1, error.position.column >= 1, !error.message.isEmpty else { violated("a YAML error without a place: \(error)") }
    }
}

/// JSON Schema: the first line is a schema, the rest an instance. The fast path and the
/// reporting evaluator agree on validity; a schema that does not compile is an error.
@Sendable func fuzzSchema(_ data: UnsafeRawBufferPointer) {
    let bytes = data.bindMemory(to: UInt8.self)
    guard let newline = bytes.firstIndex(of: 0x0A),
          let schemaJSON = try? JSON.parse(bytes: UnsafeBufferPointer(rebasing: bytes[..<newline])),
          let instance = try? JSON.parse(bytes: UnsafeBufferPointer(rebasing: bytes[(newline + 1)...])) else { return }
    for draft in [Draft.draft2020_12, .draft7, .draft4] {
        _ = JSONSchema.problems(with: schemaJSON, options: SchemaOptions(defaultDraft: draft))
        guard let schema = try? JSONSchema(schemaJSON, options: SchemaOptions(defaultDraft: draft)) else { continue }
        let fast = schema.isValid(instance)
        let reported = schema.reportedErrors(instance)
        // A pattern whose backtracking budget ran out fails both ways, by design.
        guard fast == reported.isEmpty else {
            violated("fast path says \(fast ? "valid" : "invalid"), the evaluator reports \(reported.count) errors")
        }
        let full = schema.validate(instance)
        guard full.isValid == fast, full.errors.allSatisfy({ !$0.message.isEmpty }) else { violated("validate() disagrees") }
    }
}
