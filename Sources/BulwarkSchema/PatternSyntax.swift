/// The syntax of an ECMA-262 regular expression as JSON Schema uses it: Unicode semantics
/// (`\p{...}`, `\u{...}`), no flags, and Annex B's leniency where schemas in the wild rely
/// on it (a `{` that starts no quantifier, a lone `]` or `}`, escaped punctuation).
indirect enum PatternNode: Sendable {
    case empty
    case scalar(UInt32)
    case set(ScalarClass)
    case concat([PatternNode])
    case alternation([PatternNode])
    /// A group; `capture` is its number (1-based) when it captures.
    case group(PatternNode, capture: Int?)
    case repetition(PatternNode, min: Int, max: Int?, greedy: Bool)
    case assertion(PatternAssertion)
    case backreference(Int)
    case lookaround(PatternNode, ahead: Bool, negative: Bool)

    /// Whether matching needs backtracking (a backreference or a lookaround somewhere).
    var needsBacktracking: Bool {
        switch self {
        case .backreference, .lookaround: true
        case .concat(let nodes), .alternation(let nodes): nodes.contains { $0.needsBacktracking }
        case .group(let node, _), .repetition(let node, _, _, _): node.needsBacktracking
        case .empty, .scalar, .set, .assertion: false
        }
    }

    /// Whether the node can match the empty string (so a loop over it needs a guard).
    var canBeEmpty: Bool {
        switch self {
        case .empty, .assertion, .backreference, .lookaround: true
        case .scalar, .set: false
        case .concat(let nodes): nodes.allSatisfy { $0.canBeEmpty }
        case .alternation(let nodes): nodes.contains { $0.canBeEmpty }
        case .group(let node, _): node.canBeEmpty
        case .repetition(let node, let min, _, _): min == 0 || node.canBeEmpty
        }
    }
}

enum PatternAssertion: Sendable {
    case start, end, wordBoundary, notWordBoundary
}

/// A pattern that is not a valid ECMA-262 regular expression, with where and why.
public struct PatternError: Error, Sendable, CustomStringConvertible {
    /// Offset in Unicode scalars from the pattern's start.
    public var offset: Int
    public var reason: String

    public var description: String { "\(reason) at offset \(offset)" }
}

/// Recursive descent over the pattern's scalars.
struct PatternParser {
    private let s: [UInt32]
    private var i = 0
    private var groups = 0
    private let groupCount: Int
    private let names: [String: Int]
    /// Nesting depth, bounded so that a hostile pattern cannot exhaust the stack.
    private var depth = 0
    static let maximumDepth = 200

    static func parse(_ source: String) throws(PatternError) -> (node: PatternNode, groups: Int) {
        let scalars = source.unicodeScalars.map(\.value)
        let (count, names) = try countGroups(scalars)
        var parser = PatternParser(s: scalars, groupCount: count, names: names)
        let node = try parser.disjunction()
        if parser.i < scalars.count {
            // Only an unbalanced ")" stops a disjunction early.
            throw PatternError(offset: parser.i, reason: "unmatched ')'")
        }
        return (node, count)
    }

    private init(s: [UInt32], groupCount: Int, names: [String: Int]) {
        self.s = s
        self.groupCount = groupCount
        self.names = names
    }

    /// Capturing groups are numbered by their "(" in source order; a backreference may
    /// come before its group, so they are counted first.
    private static func countGroups(_ s: [UInt32]) throws(PatternError) -> (Int, [String: Int]) {
        var count = 0
        var names: [String: Int] = [:]
        var k = 0
        var inClass = false
        while k < s.count {
            switch s[k] {
            case 0x5C: k += 1  // skip the escaped scalar
            case 0x5B: inClass = true
            case 0x5D: inClass = false
            case 0x28 where !inClass:
                if k + 1 < s.count, s[k + 1] == 0x3F {  // "(?"
                    if k + 2 < s.count, s[k + 2] == 0x3C, k + 3 < s.count, s[k + 3] != 0x3D, s[k + 3] != 0x21 {  // "(?<name>"
                        count += 1
                        var end = k + 3
                        while end < s.count, s[end] != 0x3E { end += 1 }
                        let name = String(String.UnicodeScalarView(s[(k + 3)..<min(end, s.count)].compactMap(Unicode.Scalar.init)))
                        if names[name] != nil { throw PatternError(offset: k, reason: "duplicate group name '\(name)'") }
                        names[name] = count
                    }
                } else {
                    count += 1
                }
            default: break
            }
            k += 1
        }
        return (count, names)
    }

    private var atEnd: Bool { i >= s.count }
    private func peek(_ ahead: Int = 0) -> UInt32? { i + ahead < s.count ? s[i + ahead] : nil }
    private func error(_ reason: String, at offset: Int? = nil) -> PatternError { PatternError(offset: offset ?? i, reason: reason) }

    private mutating func disjunction() throws(PatternError) -> PatternNode {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth { throw error("groups nested more than \(Self.maximumDepth) deep") }
        var branches = [try alternative()]
        while peek() == 0x7C {  // "|"
            i += 1
            branches.append(try alternative())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func alternative() throws(PatternError) -> PatternNode {
        var terms: [PatternNode] = []
        while let c = peek(), c != 0x7C, c != 0x29 {
            terms.append(try term())
        }
        switch terms.count {
        case 0: return .empty
        case 1: return terms[0]
        default: return .concat(terms)
        }
    }

    private mutating func term() throws(PatternError) -> PatternNode {
        let start = i
        let c = s[i]
        let atom: PatternNode
        switch c {
        case 0x5E: i += 1; return .assertion(.start)  // ^
        case 0x24: i += 1; return .assertion(.end)  // $
        case 0x2A, 0x2B, 0x3F: throw error("nothing to repeat before '\(Character(Unicode.Scalar(c)!))'")
        case 0x7B where quantifierBraces(at: i) != nil: throw error("nothing to repeat before '{'")
        case 0x5C where peek(1) == 0x62: i += 2; return .assertion(.wordBoundary)  // \b
        case 0x5C where peek(1) == 0x42: i += 2; return .assertion(.notWordBoundary)  // \B
        case 0x28: atom = try group()
        case 0x2E:  // "." : anything but a line terminator
            i += 1
            atom = .set(ScalarClass.dot)
        case 0x5B: atom = .set(try characterClass())
        case 0x5C: atom = try atomEscape()
        default:
            i += 1
            atom = .scalar(c)
        }
        return try quantified(atom, from: start)
    }

    private mutating func quantified(_ atom: PatternNode, from start: Int) throws(PatternError) -> PatternNode {
        guard let c = peek() else { return atom }
        var min = 0
        var max: Int?
        switch c {
        case 0x2A: i += 1  // *
        case 0x2B: i += 1; min = 1  // +
        case 0x3F: i += 1; max = 1  // ?
        case 0x7B:
            guard let (low, high, after) = quantifierBraces(at: i) else { return atom }  // a literal "{" (Annex B)
            if let high, high < low { throw error("numbers out of order in {\(low),\(high)} quantifier") }
            (min, max) = (low, high)
            i = after
        default: return atom
        }
        if case .assertion = atom { throw error("nothing to repeat: an anchor cannot be repeated", at: start) }
        var greedy = true
        if peek() == 0x3F { i += 1; greedy = false }
        if let next = peek(), next == 0x2A || next == 0x2B || next == 0x3F || (next == 0x7B && quantifierBraces(at: i) != nil) {
            throw error("nothing to repeat: a quantifier cannot follow a quantifier")
        }
        return .repetition(atom, min: min, max: max, greedy: greedy)
    }

    /// `{m}`, `{m,}` or `{m,n}` at `k`: bounds and where it ends; nil when it is none.
    private func quantifierBraces(at k: Int) -> (Int, Int?, Int)? {
        var j = k + 1
        func number() -> Int? {
            let begin = j
            var value = 0
            while j < s.count, s[j] >= 0x30, s[j] <= 0x39 {
                value = Swift.min(value * 10 + Int(s[j] - 0x30), 1_000_000_000)
                j += 1
            }
            return j > begin ? value : nil
        }
        guard let low = number() else { return nil }
        var high: Int? = low
        if j < s.count, s[j] == 0x2C {
            j += 1
            high = number()
        }
        guard j < s.count, s[j] == 0x7D else { return nil }
        return (low, high, j + 1)
    }

    private mutating func group() throws(PatternError) -> PatternNode {
        let open = i
        i += 1
        var capture: Int?
        var look: (ahead: Bool, negative: Bool)?
        if peek() == 0x3F {  // "(?"
            switch (peek(1), peek(2)) {
            case (0x3A, _): i += 2  // (?:
            case (0x3D, _): i += 2; look = (true, false)  // (?=
            case (0x21, _): i += 2; look = (true, true)  // (?!
            case (0x3C, 0x3D): i += 3; look = (false, false)  // (?<=
            case (0x3C, 0x21): i += 3; look = (false, true)  // (?<!
            case (0x3C, _):  // (?<name>
                i += 2
                let nameStart = i
                while let c = peek(), c != 0x3E {
                    guard isNameScalar(c, first: i == nameStart) else { throw error("invalid character in a group name") }
                    i += 1
                }
                guard peek() == 0x3E, i > nameStart else { throw error("unterminated or empty group name", at: nameStart) }
                i += 1
                groups += 1
                capture = groups
            default:
                let what = peek(1).flatMap(Unicode.Scalar.init).map { "(?\(Character($0))" } ?? "(?"
                throw error("\(what) is not an ECMA-262 group (only (?:, (?=, (?!, (?<=, (?<! and (?<name> are)", at: open)
            }
        } else {
            groups += 1
            capture = groups
        }
        let body = try disjunction()
        guard peek() == 0x29 else { throw error("missing ')' for the group", at: open) }
        i += 1
        if let look { return .lookaround(body, ahead: look.ahead, negative: look.negative) }
        return .group(body, capture: capture)
    }

    private func isNameScalar(_ c: UInt32, first: Bool) -> Bool {
        guard let scalar = Unicode.Scalar(c) else { return false }
        if c == 0x24 || c == 0x5F { return true }  // $ _
        return first ? scalar.properties.isIDStart : scalar.properties.isIDContinue
    }

    /// An escape outside a class: a backreference, a class escape or a single scalar.
    private mutating func atomEscape() throws(PatternError) -> PatternNode {
        let start = i
        guard let c = peek(1) else { throw error("'\\' at the end of the pattern") }
        if c >= 0x31, c <= 0x39 {  // \1 ... \9...
            i += 1
            var n = 0
            while let d = peek(), d >= 0x30, d <= 0x39, n < 100_000 { n = n * 10 + Int(d - 0x30); i += 1 }
            guard n <= groupCount else { throw error("backreference \\\(n) to a group that does not exist", at: start) }
            return .backreference(n)
        }
        if c == 0x6B {  // \k<name>
            i += 2
            guard let name = delimitedName(open: 0x3C, close: 0x3E) else { throw error("\\k must be followed by <name>", at: start) }
            guard let number = names[name] else { throw error("\\k<\(name)> names no group", at: start) }
            return .backreference(number)
        }
        switch try classEscape(inClass: false) {
        case .scalar(let v): return .scalar(v)
        case .set(let set): return .set(set)
        }
    }

    /// `<name>` or `{name}` at `i`: the name, with `i` past the closing delimiter; nil
    /// (and `i` unmoved) when there is none.
    private mutating func delimitedName(open: UInt32, close: UInt32) -> String? {
        guard peek() == open else { return nil }
        var end = i + 1
        while end < s.count, s[end] != close { end += 1 }
        guard end < s.count else { return nil }
        let name = String(String.UnicodeScalarView(s[(i + 1)..<end].compactMap(Unicode.Scalar.init)))
        i = end + 1
        return name
    }

    private enum Escaped { case scalar(UInt32), set(ScalarClass) }

    /// An escape at `i` (the backslash), inside or outside a class.
    private mutating func classEscape(inClass: Bool) throws(PatternError) -> Escaped {
        let start = i
        i += 1
        guard let c = peek() else { throw error("'\\' at the end of the pattern", at: start) }
        i += 1
        switch c {
        case 0x64: return .set(.digit)  // \d
        case 0x44: return .set(ScalarClass.digit.inverted)
        case 0x77: return .set(.word)  // \w
        case 0x57: return .set(ScalarClass.word.inverted)
        case 0x73: return .set(.space)  // \s
        case 0x53: return .set(ScalarClass.space.inverted)
        case 0x70, 0x50:  // \p{...} \P{...}
            guard let name = delimitedName(open: 0x7B, close: 0x7D) else { throw error("\\p must be followed by {property}", at: start) }
            guard let property = UnicodeProperty(name) else { throw error("unknown Unicode property '\(name)'", at: start) }
            let set = ScalarClass(property: property)
            return .set(c == 0x50 ? set.inverted : set)
        case 0x74: return .scalar(0x09)  // \t
        case 0x6E: return .scalar(0x0A)  // \n
        case 0x76: return .scalar(0x0B)  // \v
        case 0x66: return .scalar(0x0C)  // \f
        case 0x72: return .scalar(0x0D)  // \r
        case 0x62 where inClass: return .scalar(0x08)  // [\b] is backspace
        case 0x2D where inClass: return .scalar(0x2D)  // [\-]
        case 0x30:  // \0, not followed by a digit
            if let d = peek(), d >= 0x30, d <= 0x39 { throw error("octal escapes are not ECMA-262 with Unicode semantics", at: start) }
            return .scalar(0)
        case 0x63:  // \cX
            guard let letter = peek(), (0x41...0x5A).contains(letter) || (0x61...0x7A).contains(letter) else {
                throw error("\\c must be followed by a letter", at: start)
            }
            i += 1
            return .scalar(letter % 32)
        case 0x78:  // \xHH
            guard let value = hex(count: 2) else { throw error("\\x must be followed by two hex digits", at: start) }
            return .scalar(value)
        case 0x75:  // \uHHHH, \u{H...}, and a surrogate pair as two \u escapes
            if peek() == 0x7B {
                i += 1
                var value: UInt32 = 0
                let digitsStart = i
                while let d = peek(), let v = hexValue(d) {
                    value = value * 16 + v
                    i += 1
                    if value > 0x10FFFF { throw error("\\u{...} beyond U+10FFFF", at: start) }
                }
                guard peek() == 0x7D, i > digitsStart else { throw error("unterminated \\u{...}", at: start) }
                i += 1
                return .scalar(value)
            }
            guard let high = hex(count: 4) else { throw error("\\u must be followed by four hex digits or {...}", at: start) }
            if (0xD800...0xDBFF).contains(high), peek() == 0x5C, peek(1) == 0x75 {
                let save = i
                i += 2
                if let low = hex(count: 4), (0xDC00...0xDFFF).contains(low) {
                    return .scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
                }
                i = save
            }
            return .scalar(high)
        default:
            // Escaped punctuation stands for itself; an escaped letter or digit that means
            // nothing (\a, \e, \q) is an error, as in ECMA-262 with Unicode semantics.
            if c < 0x80, let scalar = Unicode.Scalar(c), !scalar.properties.isAlphabetic, !(0x30...0x39).contains(c) {
                return .scalar(c)
            }
            throw error("\\\(Unicode.Scalar(c).map { String($0) } ?? "?") is not an ECMA-262 escape", at: start)
        }
    }

    private func hexValue(_ d: UInt32) -> UInt32? {
        switch d {
        case 0x30...0x39: d - 0x30
        case 0x41...0x46: d - 0x41 + 10
        case 0x61...0x66: d - 0x61 + 10
        default: nil
        }
    }

    private mutating func hex(count: Int) -> UInt32? {
        var value: UInt32 = 0
        for k in 0..<count {
            guard let d = peek(k), let v = hexValue(d) else { return nil }
            value = value * 16 + v
        }
        i += count
        return value
    }

    /// `[...]` or `[^...]`: members, ranges and class escapes.
    private mutating func characterClass() throws(PatternError) -> ScalarClass {
        let open = i
        i += 1
        var negated = false
        if peek() == 0x5E { negated = true; i += 1 }
        var set = ScalarClass()
        while true {
            guard let c = peek() else { throw error("missing ']' for the character class", at: open) }
            if c == 0x5D { i += 1; break }
            let lowerAt = i
            let lower = try classAtom()
            if peek() == 0x2D, let after = peek(1), after != 0x5D {  // a range a-z
                i += 1
                let upperAt = i
                let upper = try classAtom()
                guard case .scalar(let a) = lower, case .scalar(let b) = upper else {
                    throw error("a class escape such as \\d cannot bound a range", at: lowerAt)
                }
                guard a <= b else { throw error("range out of order in character class", at: upperAt) }
                set.insert(a...b)
            } else {
                switch lower {
                case .scalar(let v): set.insert(v...v)
                case .set(let other): set.formUnion(other)
                }
            }
        }
        return negated ? set.inverted : set
    }

    private mutating func classAtom() throws(PatternError) -> Escaped {
        let c = s[i]
        if c == 0x5C { return try classEscape(inClass: true) }
        i += 1
        return .scalar(c)
    }
}
