/// A JSON text that could not be parsed, with where.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong, e.g. "expected ',' or '}' after an object member".
    public var message: String
    /// 1-based line and column (in Unicode scalars) of the offending character.
    public var line: Int
    public var column: Int
    /// 0-based byte offset.
    public var offset: Int

    public init(message: String, line: Int, column: Int, offset: Int) {
        self.message = message
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String { "line \(line), column \(column): \(message)" }
}

/// How the parser treats an object that names one key twice.
public enum DuplicateKeyPolicy: Sendable {
    /// Refuse the document with an error naming the key and where (the default: a second
    /// value silently winning hides mistakes in hand-written files).
    case reject
    /// Keep the last value, as most JSON parsers do.
    case lastWins
}

public struct JSONParseOptions: Sendable {
    /// Deepest nesting of arrays and objects allowed; deeper input is an error rather than
    /// a stack overflow.
    public var maxDepth: Int = 512
    public var duplicateKeys: DuplicateKeyPolicy = .reject

    public init(maxDepth: Int = 512, duplicateKeys: DuplicateKeyPolicy = .reject) {
        self.maxDepth = maxDepth
        self.duplicateKeys = duplicateKeys
    }
}

extension JSON {
    /// Parse one JSON text (RFC 8259): one value, with optional white space around it.
    public static func parse(_ text: String, options: JSONParseOptions = .init()) throws(JSONParseError) -> JSON {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try JSON.parse(bytes: buffer, options: options) }
        }
        return try result.get()
    }

    /// Parse one JSON text from UTF-8 bytes.
    public static func parse(bytes: some Collection<UInt8>, options: JSONParseOptions = .init()) throws(JSONParseError) -> JSON {
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in
            Result { () throws(JSONParseError) in try JSON.parse(bytes: buffer, options: options) }
        }) {
            return try result.get()
        }
        let copy = Array(bytes)
        let result = copy.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try JSON.parse(bytes: buffer, options: options) }
        }
        return try result.get()
    }

    static func parse(bytes: UnsafeBufferPointer<UInt8>, options: JSONParseOptions) throws(JSONParseError) -> JSON {
        try JSONReader(options: options).parse(bytes: bytes)
    }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let options: JSONParseOptions
    var index = 0
    var depth = 0
    /// Elements of the arrays and members of the objects being parsed, innermost on top.
    let elements: ScratchStack<JSON>
    let members: ScratchStack<JSONObject.Element>
    let strings: ShortStrings
    /// For each member on `members`: its name's fingerprint (see `fingerprint`).
    let memberPrints: ScratchStack<UInt64>
    /// The fingerprint of the last string parsed: a function of its text when it was
    /// short plain ASCII (never 0), else 0 (unknown). Names with different non-zero
    /// fingerprints differ, so finding duplicates compares few names in full.
    var fingerprint: UInt64 = 0
    private let elementsAtStart: Int
    private let membersAtStart: Int

    init(bytes: UnsafeBufferPointer<UInt8>, reader: JSONReader) {
        self.bytes = bytes
        options = reader.options
        elements = reader.elements
        members = reader.members
        strings = reader.strings
        memberPrints = reader.memberPrints
        elementsAtStart = elements.count
        membersAtStart = members.count
    }

    /// Drops what an error left on the reader's stacks, so the reader can go on.
    func abandonPartialWork() {
        elements.drop(to: elementsAtStart)
        members.drop(to: membersAtStart)
        memberPrints.drop(to: membersAtStart)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        // A UTF-8 byte order mark is tolerated at the very start, as RFC 8259 allows.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { index = 3 }
        skipWhitespace()
        if index == bytes.count { throw error("the document is empty; expected a JSON value") }
        let value = try parseValue()
        skipWhitespace()
        if index != bytes.count { throw error("unexpected \(describeCurrent()) after the JSON value") }
        return value
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONParseError) -> JSON {
        guard index < bytes.count else { throw error("unexpected end of input; expected a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describeCurrent()); expected a value")
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let n = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        guard index + n <= bytes.count else { throw error("unexpected end of input in '\(literal)'") }
        for k in 0..<n where bytes[index + k] != start[k] {
            index += k
            throw error("invalid literal; expected '\(literal)'")
        }
        index += n
    }

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > options.maxDepth {
            throw error("nesting deeper than \(options.maxDepth) levels")
        }
    }

    mutating func parseArray() throws(JSONParseError) -> JSON {
        try enter()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1; depth -= 1
            return .array([])
        }
        let first = elements.count
        while true {
            skipWhitespace()
            elements.push(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input; expected ',' or ']' in an array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; break }
            throw error("unexpected \(describeCurrent()); expected ',' or ']' in an array")
        }
        depth -= 1
        return .array(elements.popArray(from: first))
    }

    mutating func parseObject() throws(JSONParseError) -> JSON {
        try enter()
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1; depth -= 1
            return .object(JSONObject())
        }
        let first = members.count
        // Keys seen so far: scanned while there are few, hashed past JSONObject's
        // threshold (the object keeps that index), so duplicates cost linear time.
        var lookup: [ExactString: Int]?
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw error(index < bytes.count ? "unexpected \(describeCurrent()); expected a member name in double quotes" : "unexpected end of input; expected a member name")
            }
            let keyOffset = index
            let key = try parseString()
            let print = fingerprint
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw error(index < bytes.count ? "unexpected \(describeCurrent()); expected ':' after the member name" : "unexpected end of input; expected ':'")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue()
            let position = members.count - first
            var earlier: Int?
            if lookup != nil {
                earlier = lookup!.updateValue(position, forKey: ExactString(key))
                if let earlier { lookup![ExactString(key)] = earlier }
            } else {
                var i = first
                while i < members.count {
                    let other = memberPrints[i]
                    if other == print || other == 0 || print == 0, members[i].key.utf8Equal(key) { earlier = i - first; break }
                    i += 1
                }
            }
            if let earlier {
                if options.duplicateKeys == .reject {
                    throw error("duplicate key \"\(key)\" in an object", at: keyOffset)
                }
                members[first + earlier].value = value
            } else {
                members.push((key, value))
                memberPrints.push(print)
                if lookup == nil, position + 1 > JSONObject.indexThreshold {
                    var built: [ExactString: Int] = [:]
                    built.reserveCapacity(2 * (position + 1))
                    for i in first..<members.count { built[ExactString(members[i].key)] = i - first }
                    lookup = built
                }
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input; expected ',' or '}' in an object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; break }
            throw error("unexpected \(describeCurrent()); expected ',' or '}' after an object member")
        }
        depth -= 1
        memberPrints.drop(to: first)
        return .object(JSONObject(distinctMembers: members.pop(from: first), index: lookup))
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = index
        // Fast path: a short plain integer.
        var i = index
        var negative = false
        if bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var value: Int64 = 0
        let digitsStart = i
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57, i - digitsStart < 18 {
            value = value * 10 + Int64(bytes[i] - 48)
            i += 1
        }
        let digitCount = i - digitsStart
        let plainEnd = i == bytes.count || !JSONParser.isNumberByte(bytes[i])
        if digitCount > 0, plainEnd, !(digitCount > 1 && bytes[digitsStart] == 48) {
            index = i
            return JSONNumber(negative ? -value : value)
        }
        // General path: scan the longest run of number characters, then parse exactly.
        i = start
        while i < bytes.count, JSONParser.isNumberByte(bytes[i]) { i += 1 }
        let length = i - start
        let digitsAt = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        if digitsAt + 1 < i, bytes[digitsAt] == 48, bytes[digitsAt + 1] >= 48, bytes[digitsAt + 1] <= 57 {
            throw error("invalid number: leading zeros are not allowed", at: start)
        }
        switch JSONNumber.parseText(bytes.baseAddress! + start, count: length) {
        case .number(let number):
            index = i
            return number
        case .invalid:
            throw error("invalid number '\(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<min(i, start + 40)]), as: UTF8.self))'", at: start)
        case .outOfRange:
            throw error("number out of range: its power of ten is beyond ±\(JSONNumber.exponentLimit)", at: start)
        }
    }

    mutating func parseString() throws(JSONParseError) -> String {
        let quote = index
        index += 1
        let start = index
        fingerprint = 0
        // Eight bytes at a time to the first that ends a plain run (a quote, a backslash,
        // a control character); non-ASCII bytes before it are noted for validation.
        var highBits: UInt64 = 0
        let base = UnsafeRawPointer(bytes.baseAddress!)
        while true {
            if index + 8 <= bytes.count {
                let word = (base + index).loadUnaligned(as: UInt64.self)
                let ends = JSONParser.plainRunEnds(word)
                if ends == 0 {
                    highBits |= word
                    index += 8
                    continue
                }
                // The lowest marked byte is a real one (see plainRunEnds).
                let before = ends.trailingZeroBitCount >> 3
                if before > 0 { highBits |= word & ((1 << UInt64(8 * before)) - 1) }
                index += before
            } else {
                while index < bytes.count {
                    let b = bytes[index]
                    if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 { break }
                    highBits |= UInt64(b)
                    index += 1
                }
            }
            break
        }
        guard index < bytes.count else { throw error("unterminated string", at: quote) }
        let b = bytes[index]
        if b == UInt8(ascii: "\"") {
            let length = index - start
            index += 1
            if highBits & 0x8080_8080_8080_8080 == 0 {
                // Short strings come from the reader's cache, found by their two words:
                // the 8 bytes from the start on (masked to the length) and the 8 ending
                // at the closing quote.
                if length > 0, length <= 16, start + 8 <= bytes.count {
                    let shift = UInt64(8 * max(0, 8 - length))
                    let first = ((base + start).loadUnaligned(as: UInt64.self) << shift) >> shift
                    let last = length > 8 ? (base + index - 9).loadUnaligned(as: UInt64.self) : 0
                    fingerprint = ((first &* 0x9E37_79B9_7F4A_7C15) ^ (last &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)) | 1
                    return strings.string(base + start, length: length, first: first, last: last)
                }
                // ASCII needs no UTF-8 validation.
                return String(decoding: UnsafeRawBufferPointer(start: base + start, count: length), as: UTF8.self)
            }
            let slice = UnsafeBufferPointer(rebasing: bytes[start..<(start + length)])
            if let s = String(validating: slice, as: UTF8.self) { return s }
            throw error("invalid UTF-8 in a string", at: start)
        }
        if b < 0x20 { throw error("control character U+\(hex4(UInt32(b))) must be escaped in a string") }
        // Slow path: unescape into a byte buffer.
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                index += 1
                if let s = String(validating: out, as: UTF8.self) { return s }
                throw error("invalid UTF-8 in a string", at: start)
            }
            if b < 0x20 { throw error("control character U+\(hex4(UInt32(b))) must be escaped in a string") }
            if b != UInt8(ascii: "\\") { out.append(b); index += 1; continue }
            index += 1
            guard index < bytes.count else { break }
            switch bytes[index] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let escapeStart = index - 1
                var scalar = try parseHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\\"), bytes[index + 2] == UInt8(ascii: "u") else {
                        throw error("lone high surrogate \\u\(hex4(scalar)) (a \\uDC00-\\uDFFF escape must follow)", at: escapeStart)
                    }
                    index += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw error("high surrogate \\u\(hex4(scalar)) followed by \\u\(hex4(low)), not a low surrogate", at: escapeStart)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("lone low surrogate \\u\(hex4(scalar))", at: escapeStart)
                }
                out.append(contentsOf: Array(String(Unicode.Scalar(scalar)!).utf8))
            default:
                throw error("invalid escape '\\\(describeCurrent())' in a string")
            }
            index += 1
        }
        throw error("unterminated string", at: quote)
    }

    /// Reads the four hex digits after `\u`; leaves `index` on the last one.
    mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 < bytes.count else { throw error("unexpected end of input in a \\u escape") }
        var value: UInt32 = 0
        for k in 1...4 {
            let c = bytes[index + k]
            let digit: UInt32
            switch c {
            case 48...57: digit = UInt32(c - 48)
            case 65...70: digit = UInt32(c - 55)
            case 97...102: digit = UInt32(c - 87)
            default:
                index += k
                throw error("invalid hex digit in a \\u escape")
            }
            value = value << 4 | digit
        }
        index += 4
        return value
    }

    /// The bytes of `word` (little-endian) that end a plain run of string text: a quote,
    /// a backslash or one below 0x20, each marked by its high bit (SWAR: a byte of `x` is
    /// zero when `(x - 0x01) & ~x & 0x80` marks it; a borrow can mark a byte after a real
    /// match, never before the first one, and nothing where there is none).
    @inline(__always)
    static func plainRunEnds(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        let isControl = (word &- ones &* 0x20) & ~word
        return (isQuote | isBackslash | isControl) & high
    }

    static func isNumberByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): true
        default: false
        }
    }

    func describeCurrent() -> String {
        guard index < bytes.count else { return "end of input" }
        let b = bytes[index]
        if b >= 0x20, b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        let offset = min(offset ?? index, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == 0x0A {
            line += 1
            lineStart = i + 1
        }
        // Columns count characters, not bytes: skip UTF-8 continuation bytes.
        var column = 1
        for i in lineStart..<offset where bytes[i] & 0xC0 != 0x80 { column += 1 }
        return JSONParseError(message: message, line: line, column: column, offset: offset)
    }
}

func hex4(_ value: UInt32) -> String {
    let s = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 4 - s.count)) + s
}
