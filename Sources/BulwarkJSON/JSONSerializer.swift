extension JSON {
    public struct OutputOptions: Sendable {
        /// Two-space indentation and one member per line.
        public var pretty = false
        /// Object members in key order instead of insertion order (stable output).
        public var sortedKeys = false

        public init(pretty: Bool = false, sortedKeys: Bool = false) {
            self.pretty = pretty
            self.sortedKeys = sortedKeys
        }
    }

    /// JSON text for this value (UTF-8, non-ASCII characters written as they are).
    public func serialized(_ options: OutputOptions = .init()) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, options: options, indent: 0)
        return String(decoding: out, as: UTF8.self)
    }

    /// JSON text as UTF-8 bytes.
    public func serializedBytes(_ options: OutputOptions = .init()) -> [UInt8] {
        var out: [UInt8] = []
        write(to: &out, options: options, indent: 0)
        return out
    }

    func write(to out: inout [UInt8], options: OutputOptions, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            // Integers digit by digit: a String per number was a third of writing a listing.
            if let v = n.int64Value { JSON.writeInteger(v, to: &out) } else { out.append(contentsOf: n.description.utf8) }
        case .string(let s): JSON.writeString(s, to: &out)
        case .array(let elements):
            if elements.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if options.pretty { newline(&out, indent + 1) }
                element.write(to: &out, options: options, indent: indent + 1)
            }
            if options.pretty { newline(&out, indent) }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            if object.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            // In order, without a lookup per member (listings write thousands of them).
            func member(_ i: Int, _ m: JSONObject.Element) {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if options.pretty { newline(&out, indent + 1) }
                JSON.writeString(m.key, to: &out)
                out.append(UInt8(ascii: ":"))
                if options.pretty { out.append(UInt8(ascii: " ")) }
                m.value.write(to: &out, options: options, indent: indent + 1)
            }
            if options.sortedKeys {
                for (i, m) in object.sorted(by: { $0.key < $1.key }).enumerated() { member(i, m) }
            } else {
                for i in object.indices { member(i, object[i]) }
            }
            if options.pretty { newline(&out, indent) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    static func writeInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(truncatingIfNeeded: 48 + magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        out[start...].reverse()
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings (ids, names, times) need no escape: copy them whole.
        var plain = true
        for b in s.utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { plain = false; break }
        if plain {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: "\\u\(hex4(UInt32(b)))".utf8)
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
