// bulwark-fuzz: the fuzz targets, one executable. `scripts/fuzz.sh TARGET [SECONDS]`
// builds it with libFuzzer and AddressSanitizer (-sanitize=fuzzer,address, and
// BULWARK_FUZZ defined) and runs one target over its seed corpus in Fuzz/corpus/TARGET.
//
//   bulwark-fuzz TARGET [libFuzzer options and corpus folders]   (built for fuzzing)
//   bulwark-fuzz TARGET FILE...                                    (a plain build: runs
//                                                                   each file once)
//
// A target is a function from bytes to nothing that must not crash, hang or leak, and
// that checks what it can of its own answer (a parse that round-trips, two engines that
// agree); a failed check is a crash, so libFuzzer keeps the input that caused it.
import Foundation

/// The targets by name.
let targets: [String: @Sendable (UnsafeRawBufferPointer) -> Void] = [
    "json": fuzzJSON,
    "yaml": fuzzYAML,
    "schema": fuzzSchema,
    "pattern": fuzzPattern,
    "bank-key": fuzzBankKey,
    "provider": fuzzProviderFile,
    "plan": fuzzPlanFile,
    "kubeconfig": fuzzKubeconfig,
    "clouds-yaml": fuzzCloudsYAML,
    "query": fuzzQueryLiteral,
    "request": fuzzRequestBody,
    "s3-xml": fuzzS3XML,
]

/// A broken promise found by a target: abort, so libFuzzer saves the input.
func violated(_ what: @autoclosure () -> String) -> Never {
    FileHandle.standardError.write(Data("bulwark-fuzz: \(what())\n".utf8))
    abort()
}

/// The input as text, when it is UTF-8 (most readers take text).
func text(_ data: UnsafeRawBufferPointer) -> String? {
    String(validating: data.bindMemory(to: UInt8.self), as: UTF8.self)
}

/// A file holding `data` for the readers that take a path; one per process, rewritten
/// for each input (in /dev/shm when there is one, to spare the disk).
func scratchFile(_ data: UnsafeRawBufferPointer, name: String) -> String {
    let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let path = "\(folder)/bulwark-fuzz-\(getpid())-\(name)"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { violated("cannot write \(path)") }
    var offset = 0
    while offset < data.count {
        let n = write(fd, data.baseAddress! + offset, data.count - offset)
        guard n > 0 else { violated("cannot write \(path)") }
        offset += n
    }
    close(fd)
    return path
}

#if BULWARK_FUZZ
nonisolated(unsafe) var selected: (@Sendable (UnsafeRawBufferPointer) -> Void)?

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif

@main
enum BulwarkFuzz {
    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count >= 2, let target = targets[arguments[1]] else {
            FileHandle.standardError.write(Data("usage: bulwark-fuzz TARGET [FILE...]; targets: \(targets.keys.sorted().joined(separator: ", "))\n".utf8))
            exit(2)
        }
        #if BULWARK_FUZZ
        selected = target
        // libFuzzer reads its own options; it is handed the arguments after TARGET.
        var argv: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
        var argc = Int32(argv.count - 1)
        let status = argv.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var base = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &base) { data, size in
                selected!(UnsafeRawBufferPointer(start: data, count: size))
                return 0
            }
        }
        exit(status)
        #else
        // Without libFuzzer: each file once (the seed corpus, a crash kept by libFuzzer).
        for path in arguments.dropFirst(2) {
            guard let data = FileManager.default.contents(atPath: path) else { violated("cannot read \(path)") }
            data.withUnsafeBytes { target($0) }
        }
        print("\(arguments[1]): \(arguments.count - 2) inputs, no failure")
        #endif
    }
}
