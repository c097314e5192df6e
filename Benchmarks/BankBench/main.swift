// bulwark-bank-bench: one bank plugin (a real .so) through the host's bank layer: small
// objects per second, and MB/s writing and reading one large object in pieces (written
// twice: with its size declared, as a plugin that knows it does, and of unknown size).
// Prints one JSON line. Driven by Benchmarks/banks/compare.py next to the reference clients.
//
//   bulwark-bank-bench --bank sqlite|directory|swift|s3 [--objects N] [--object-bytes B]
//                      [--large-mib M] [--concurrency C] [--segment-mib S (Swift segment size, 256)]
import BulwarkCore
import BulwarkJSON
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("bulwark-bank-bench: \(message)\n".utf8))
    exit(2)
}

AllocatorTuning.forLargeTransfers()
var kind = "sqlite", objects = 2000, objectBytes = 256, largeMiB = 1024, concurrency = 16, segmentMiB = 256
var arguments = CommandLine.arguments.dropFirst()
while let flag = arguments.popFirst() {
    guard let value = arguments.popFirst() else { fail("\(flag) needs a value") }
    switch flag {
    case "--bank": kind = value
    case "--objects": objects = Int(value) ?? objects
    case "--object-bytes": objectBytes = Int(value) ?? objectBytes
    case "--large-mib": largeMiB = Int(value) ?? largeMiB
    case "--concurrency": concurrency = Int(value) ?? concurrency
    case "--segment-mib": segmentMiB = Int(value) ?? segmentMiB
    default: fail("unknown option \(flag)")
    }
}

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulwark-bank-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let unique = UUID().uuidString.prefix(8).lowercased()
let (product, options): (String, JSON) = switch kind {
case "sqlite": ("BulwarkSQLiteBank", ["path": .string(directory.appendingPathComponent("bank.sqlite").path)])
case "directory": ("BulwarkDirectoryBank", ["path": .string(directory.appendingPathComponent("bank").path)])
case "swift": ("BulwarkSwiftBank", ["auth_url": "http://127.0.0.1:8080/auth/v1.0", "user": "test:tester", "key": "testing",
                                    "container": .string("bench-\(unique)"), "segment_size": .number(JSONNumber(segmentMiB << 20))])
case "s3": ("BulwarkS3Bank", ["endpoint": "http://127.0.0.1:8080", "bucket": .string("bench-\(unique)"), "access_key": "test:tester",
                              "secret_key": "testing", "part_size": .number(JSONNumber(64 << 20))])
default: fail("--bank must be sqlite, directory, swift or s3")
}
let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
let library = try PluginLoader().load(path: exe.appendingPathComponent("lib\(product).so").path)
guard let entry = library.banks.first else { fail("no bank in \(product)") }
let bank = Bank(try BankInstance(entry, configuration: options))

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

// Small objects: index/status-sized, written by `concurrency` threads.
let pool = WorkerPool(threads: concurrency, name: "bench")
let payload = [UInt8](repeating: 0x5a, count: objectBytes)
let small = seconds {
    let failures = pool.map(Array(0..<objects)) { i -> Int in ((try? bank.put("/small/\(i)", payload)) == nil) ? 1 : 0 }.reduce(0, +)
    if failures > 0 { fail("\(failures) small puts failed") }
}
pool.shutdown()

// One large object, written in 8 MiB pieces, read back in 8 MiB ranges.
let piece = (0..<(8 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
let pieces = max(1, largeMiB / 8)
let total = UInt64(pieces) * UInt64(piece.count)
@MainActor func writeLarge(_ key: String, size: UInt64?) throws -> Double {
    try seconds {
        let writer = try bank.openWriter(key, size: size)
        for _ in 0..<pieces { try piece.withUnsafeBytes { try writer.append($0) } }
        try writer.commit()
    }
}
let unsized = try writeLarge("/large/unsized.bin", size: nil)
try bank.delete("/large/unsized.bin")
let write = try writeLarge("/large/object.bin", size: total)
let read = try seconds {
    var offset: UInt64 = 0
    while offset < total {
        guard let bytes = try bank.get("/large/object.bin", offset: offset, length: UInt64(piece.count)), !bytes.isEmpty else { fail("short read") }
        offset += UInt64(bytes.count)
    }
}
try bank.delete("/large/object.bin")
let mb = Double(total) / 1e6
func r(_ x: Double) -> JSON { .number(JSONNumber((x * 10).rounded() / 10)) }
print(JSON.object(JSONObject([
    ("client", .string("bulwark-\(kind)")), ("objects", .number(JSONNumber(objects))), ("objects_per_s", r(Double(objects) / small)),
    ("large_mb", r(mb)), ("write_mb_s", r(mb / write)), ("read_mb_s", r(mb / read)), ("unsized_write_mb_s", r(mb / unsized)),
])).serialized())
