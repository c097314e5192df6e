import Glibc

/// Reads lines from a file descriptor in large blocks, for JSON Lines on standard input:
/// each line's bytes are handed over in place, with no `String` made per line (at
/// hundreds of thousands of lines a second, `readLine` and a per-character white-space
/// check cost more than parsing the line).
struct LineReader {
    let descriptor: Int32
    private static let blockSize = 1 << 20

    struct ReadError: Error, CustomStringConvertible {
        var code: Int32
        var description: String { "cannot read standard input: \(String(cString: strerror(code)))" }
    }

    /// Calls `body` with each line's 1-based number and bytes, without the newline or a
    /// carriage return before it. The bytes are valid only during the call. A last line
    /// without a newline counts too.
    func forEachLine(_ body: (Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        var buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockSize, alignment: 1)
        defer { buffer.deallocate() }
        var filled = 0
        var lineNumber = 0
        var atEnd = false
        while !atEnd {
            if filled == buffer.count {
                // One line longer than the buffer: double it.
                let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 1)
                larger.copyMemory(from: UnsafeRawBufferPointer(buffer))
                buffer.deallocate()
                buffer = larger
            }
            let count = read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(code: errno)
            }
            atEnd = count == 0
            filled += count
            let base = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var start = 0
            while start < filled {
                let newline = memchr(base + start, 0x0A, filled - start)
                guard newline != nil || atEnd else { break }
                let end = newline.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? filled
                var length = end - start
                if length > 0, base[start + length - 1] == 0x0D { length -= 1 }
                lineNumber += 1
                try body(lineNumber, UnsafeBufferPointer(start: base + start, count: length))
                start = end + 1
            }
            // Keep the unfinished line at the front for the next read.
            if start > 0, start < filled {
                memmove(base, base + start, filled - start)
            }
            filled = max(0, filled - start)
        }
    }
}

/// Result lines as UTF-8 bytes, built without a `String` per piece.
struct ResultText {
    private(set) var bytes: [UInt8] = []

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
    mutating func append(_ data: [UInt8]) { bytes.append(contentsOf: data) }
    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    /// Appends the decimal digits of a non-negative number.
    mutating func append(decimal value: Int) {
        var n = value
        let start = bytes.count
        repeat {
            bytes.append(UInt8(48 + n % 10))
            n /= 10
        } while n > 0
        bytes[start...].reverse()
    }

    mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

/// Writes `bytes` to standard output with write(2), after anything `print` buffered, so
/// output keeps its order. A closed pipe ends the writing (SIGPIPE, as for `print`).
func writeToStandardOutput(_ bytes: [UInt8]) {
    fflush(nil)
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(1, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}
