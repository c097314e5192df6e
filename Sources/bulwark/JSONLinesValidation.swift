import BulwarkJSON
import BulwarkSchema
import Dispatch
import Synchronization

/// Validates JSON Lines from a file descriptor on several threads and writes one result
/// line per instance to standard output, in input order.
///
/// The reading thread cuts the input into batches of lines; workers parse and validate a
/// batch each (every worker with its own `JSONReader`), and the reading thread writes a
/// batch's results once it and every batch before it are done. At most `2 × jobs`
/// batches are in flight, so memory stays bounded whatever the input's length.
struct JSONLinesValidation {
    let schema: JSONSchema
    let format: OutputFormat
    let jobs: Int

    /// About this many bytes of lines make a batch (a line longer than that is a batch
    /// of its own).
    private static let batchBytes = 128 * 1024

    struct Outcome {
        var anyInvalid = false
        var anyUnreadable = false
    }

    func run(descriptor: Int32) throws -> Outcome {
        var outcome = Outcome()
        let readers = ReaderPool()
        var inFlight: [LineBatch] = []
        var batch = LineBatch()

        func finish(_ done: LineBatch) {
            done.finished.wait()
            writeToStandardOutput(done.output.bytes)
            if done.anyInvalid { outcome.anyInvalid = true }
            if done.anyUnreadable { outcome.anyUnreadable = true }
        }
        func submit() {
            guard !batch.lines.isEmpty else { return }
            let full = batch
            batch = LineBatch()
            if jobs == 1 {
                full.validate(schema: schema, format: format, reader: readers.take())
                full.finished.signal()
                finish(full)
                return
            }
            if inFlight.count == 2 * jobs { finish(inFlight.removeFirst()) }
            inFlight.append(full)
            let schema = schema, format = format
            DispatchQueue.global().async {
                let reader = readers.take()
                full.validate(schema: schema, format: format, reader: reader)
                readers.giveBack(reader)
                full.finished.signal()
            }
        }

        try LineReader(descriptor: descriptor).forEachLine { number, line in
            batch.add(number: number, line)
            if batch.text.count >= Self.batchBytes { submit() }
        }
        submit()
        while !inFlight.isEmpty { finish(inFlight.removeFirst()) }
        return outcome
    }
}

/// Readers for the workers to borrow: a reader keeps its buffers and string cache from
/// batch to batch, and serves one thread at a time.
final class ReaderPool: @unchecked Sendable {
    // @unchecked: `idle` is only touched under the mutex, and a reader taken out is
    // used by the one thread that took it until it is given back.
    private let idle = Mutex<[JSONReader]>([])

    func take() -> JSONReader {
        idle.withLock { readers in
            readers.isEmpty ? nil : UnsafeTransfer(readers.removeLast())
        }?.value ?? JSONReader()
    }

    func giveBack(_ reader: JSONReader) {
        let transfer = UnsafeTransfer(reader)
        idle.withLock { $0.append(transfer.value) }
    }
}

/// A value handed from one thread to another by a protocol the compiler cannot see
/// (here: a reader is used by one thread at a time).
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Lines of input and, once validated, their result lines. Filled by the reading thread
/// before a worker gets it, then touched only by that worker until `finished` is
/// signalled, then read by the reading thread: never by two threads at once.
final class LineBatch: @unchecked Sendable {
    private(set) var text: [UInt8] = []
    private(set) var lines: [(number: Int, start: Int, end: Int)] = []
    private(set) var output = ResultText()
    private(set) var anyInvalid = false
    private(set) var anyUnreadable = false
    let finished = DispatchSemaphore(value: 0)

    func add(number: Int, _ line: UnsafeBufferPointer<UInt8>) {
        // Blank lines are no instances.
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        let start = text.count
        text.append(contentsOf: line)
        lines.append((number, start, text.count))
    }

    func validate(schema: JSONSchema, format: OutputFormat, reader: JSONReader) {
        text.withUnsafeBufferPointer { all in
            for line in lines {
                let source = InstanceSource.line(line.number)
                let bytes = UnsafeBufferPointer(rebasing: all[line.start..<line.end])
                switch Result(catching: { () throws(JSONParseError) in try reader.parse(bytes: bytes) }) {
                case .success(let instance):
                    let result = schema.validate(instance)
                    if !result.isValid { anyInvalid = true }
                    source.describe(result, format: format, into: &output)
                case .failure(let error):
                    anyUnreadable = true
                    source.describeUnreadable(error, format: format, into: &output)
                }
            }
        }
        text = []
    }
}

/// Where an instance came from: a file, or a line of standard input (named `-:N`).
enum InstanceSource {
    case file(String)
    case line(Int)

    var name: String {
        switch self {
        case .file(let name): name
        case .line(let number): "-:\(number)"
        }
    }

    private func writeName(to out: inout ResultText) {
        switch self {
        case .file(let name): out.append(name)
        case .line(let number):
            out.append("-:")
            out.append(decimal: number)
        }
    }

    /// The result line: "NAME: valid", "NAME: invalid: ERRORS", or one JSON object.
    func describe(_ result: ValidationResult, format: OutputFormat, into out: inout ResultText) {
        if format == .json {
            let errors = JSON.array(result.errors.map {
                ["instanceLocation": .string($0.instanceLocation), "keywordLocation": .string($0.keywordLocation), "message": .string($0.message)]
            })
            out.append(JSON.object(JSONObject([("instance", .string(name)), ("valid", .bool(result.isValid)), ("errors", errors)])).serializedBytes())
        } else if result.isValid {
            writeName(to: &out)
            out.append(": valid")
        } else {
            writeName(to: &out)
            out.append(": invalid: \(result.errors.map(\.description).joined(separator: "; "))")
        }
        out.append(0x0A)
    }

    /// The result line of an instance that could not be read or parsed.
    func describeUnreadable(_ error: any Error, format: OutputFormat, into out: inout ResultText) {
        if format == .json {
            out.append(JSON.object(JSONObject([("instance", .string(name)), ("valid", .bool(false)), ("error", .string("\(error)"))])).serializedBytes())
        } else {
            writeName(to: &out)
            out.append(": unreadable: \(error)")
        }
        out.append(0x0A)
    }
}
