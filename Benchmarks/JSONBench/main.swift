// bulwark-json-bench: parses (and writes back) one JSON document in a loop and prints one
// JSON line with MB/s of JSON parsed (by one JSONReader, as JSON Lines are, and by a
// JSON.parse per document) and written. Driven by Benchmarks/json/compare.py,
// which measures Python's json module on the same document in the same run.
//
//   bulwark-json-bench --document FILE [--seconds 3] [--iterations N]
//
// --iterations N parses exactly N times and prints nothing else: for callgrind, whose
// instruction counts do not depend on how busy the machine is.
import BulwarkJSON
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bulwark-json-bench: \(message)\n".utf8))
    exit(2)
}

var documentPath: String?
var seconds = 3.0
var iterations: Int?
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--document": documentPath = value
    case "--seconds": seconds = Double(value) ?? 3
    case "--iterations": iterations = Int(value)
    default: fail("unknown option \(flag)")
    }
}
guard let documentPath, let data = FileManager.default.contents(atPath: documentPath) else {
    fail("usage: --document FILE [--seconds N] [--iterations N]")
}
let bytes = [UInt8](data)

if let iterations {
    var members = 0
    let reader = JSONReader()
    for _ in 0..<iterations {
        guard case .object(let object) = try reader.parse(bytes: bytes) else { fail("not an object") }
        members &+= object.count
    }
    print(members)
    exit(0)
}

/// Runs `body` until `seconds` have passed (after a warm-up); answers calls per second.
func rate(for seconds: Double, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<100 { try body() }
    var done = 0
    let start = DispatchTime.now().uptimeNanoseconds
    var elapsed = 0.0
    repeat {
        for _ in 0..<100 { try body() }
        done += 100
        elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    } while elapsed < seconds
    return Double(done) / elapsed
}

let document = try JSON.parse(bytes: bytes)
let reader = JSONReader()
let parses = try rate(for: seconds) { _ = try reader.parse(bytes: bytes) }
let oneOffParses = try rate(for: seconds) { _ = try JSON.parse(bytes: bytes) }
let written = document.serializedBytes().count
let writes = rate(for: seconds) { _ = document.serializedBytes() }

func megabytes(_ perSecond: Double, _ size: Int) -> JSON {
    .number(JSONNumber((perSecond * Double(size) / 1e6 * 10).rounded() / 10))
}
let line: JSON = [
    "parser": "bulwark",
    "bytes": .number(JSONNumber(bytes.count)),
    "parse_docs_per_s": .number(JSONNumber(parses.rounded())),
    "parse_mb_per_s": megabytes(parses, bytes.count),
    "one_off_parse_mb_per_s": megabytes(oneOffParses, bytes.count),
    "write_mb_per_s": megabytes(writes, written),
]
print(line.serialized())
