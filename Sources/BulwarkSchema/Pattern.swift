/// A compiled `pattern` / `patternProperties` regular expression, ECMA-262 as JSON Schema
/// specifies it (unanchored search, Unicode semantics, ASCII-only `\d`, `\w`, `\b`).
///
/// No input can make a pattern slow. Patterns without backreferences or lookaround (all
/// but a few) run on ``PikeVM``, in time linear in the input; the rest run on
/// ``Backtracker`` with a step budget, and a search that exhausts it is an
/// ``Outcome/exhausted`` outcome the validator reports, never a hang. Runs of character
/// classes with quantifiers (`^[a-z0-9-]+$`, most schema patterns) also have a
/// ``SimplePattern`` that matches ASCII strings on bytes, the common case made cheap.
struct Pattern: Sendable {
    enum Outcome: Sendable, Equatable { case match, noMatch, exhausted }

    let source: String
    private let program: PatternProgram
    private let simple: SimplePattern?
    /// The linear matcher, for every pattern that needs no backtracking.
    private let linear: PikeVM?
    /// The same automaton as a lazy DFA, where the pattern allows (no `\\b` or `\\B`).
    private let dfa: LazyDFA?

    init(_ source: String) throws(PatternError) {
        self.source = source
        let (node, groups) = try PatternParser.parse(source)
        program = try PatternProgram(node, groups: groups)
        simple = program.needsBacktracking ? nil : SimplePattern(source)
        linear = program.needsBacktracking ? nil : PikeVM(program)
        dfa = linear.flatMap { LazyDFA($0) }
    }

    /// Whether the pattern matches; a search past the backtracking budget counts as no
    /// match (callers that must tell the two apart use ``test(_:)``).
    func matches(_ string: String) -> Bool { test(string) == .match }

    func test(_ string: String) -> Outcome {
        if let simple, let result = simple.matches(string) { return result ? .match : .noMatch }
        let scalars = Pattern.scalars(string)
        guard let linear else { return Backtracker.search(program, scalars) }
        // The DFA's tables cost more to set up than a short string takes to match.
        if let dfa, scalars.count > 256 { return scalars.withUnsafeBufferPointer { dfa.search($0) } ? .match : .noMatch }
        return scalars.withUnsafeBufferPointer { linear.search($0).matched } ? .match : .noMatch
    }

    /// Work the linear matcher does on `string`, in state visits (for tests of the bound).
    func linearSteps(_ string: String) -> Int? {
        guard let linear else { return nil }
        let scalars = Pattern.scalars(string)
        return scalars.withUnsafeBufferPointer { linear.search($0).visits }
    }

    /// What a validation error says when the budget ran out.
    static func exhaustedMessage(_ source: String) -> String {
        "could not be checked against the pattern \(source) within \(Backtracker.defaultBudget) steps "
            + "(a pattern with backreferences or lookaround is matched by backtracking, with a budget)"
    }

    /// The string's scalar values, decoded from its UTF-8 directly (several times faster
    /// than mapping `unicodeScalars`; a Swift string is always valid UTF-8).
    static func scalars(_ string: String) -> [UInt32] {
        var string = string
        return string.withUTF8 { bytes in
            [UInt32](unsafeUninitializedCapacity: bytes.count) { out, count in
                var i = 0
                var k = 0
                let n = bytes.count
                while i < n {
                    let b = UInt32(bytes[i])
                    if b < 0x80 {
                        out[k] = b
                        i += 1
                    } else if b < 0xE0 {
                        out[k] = (b & 0x1F) << 6 | UInt32(bytes[i + 1] & 0x3F)
                        i += 2
                    } else if b < 0xF0 {
                        out[k] = (b & 0x0F) << 12 | UInt32(bytes[i + 1] & 0x3F) << 6 | UInt32(bytes[i + 2] & 0x3F)
                        i += 3
                    } else {
                        out[k] = (b & 0x07) << 18 | UInt32(bytes[i + 1] & 0x3F) << 12 | UInt32(bytes[i + 2] & 0x3F) << 6
                            | UInt32(bytes[i + 3] & 0x3F)
                        i += 4
                    }
                    k += 1
                }
                count = k
            }
        }
    }

    /// Whether `string` matches by the Pike VM alone and by the lazy DFA with at most
    /// `stateLimit` states (for tests that the matchers agree).
    func matchers(_ string: String, stateLimit: Int) -> (pike: Bool?, dfa: Bool?) {
        guard let linear else { return (nil, nil) }
        let scalars = Pattern.scalars(string)
        return scalars.withUnsafeBufferPointer { input in
            (linear.search(input).matched, LazyDFA(linear, stateLimit: stateLimit)?.search(input))
        }
    }

    var instructionCount: Int { program.instructions.count }
    var usesBacktracking: Bool { program.needsBacktracking }
}

/// A pattern that is a sequence of single-character atoms (a literal, an escape such as
/// `\d`, `.` or a class `[...]`), each with an optional greedy quantifier, between an
/// optional `^` and `$`: no groups, alternation, lazy quantifiers, backreferences or
/// lookaround. Matches ASCII strings by tracking the set of positions each atom can end
/// at, so no input makes it backtrack.
struct SimplePattern: Sendable {
    struct Atom: Sendable {
        /// Which ASCII bytes match: bit b of word b / 64.
        var set: (UInt64, UInt64)
        var min: Int
        var max: Int

        func contains(_ byte: UInt8) -> Bool {
            byte < 64 ? set.0 & (1 << UInt64(byte)) != 0 : set.1 & (1 << UInt64(byte - 64)) != 0
        }
    }

    let atoms: [Atom]
    let anchoredStart: Bool
    let anchoredEnd: Bool

    /// nil when the pattern is not of this simple form.
    init?(_ source: String) {
        var bytes = Array(source.utf8)
        guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
        var start = 0
        anchoredStart = bytes.first == UInt8(ascii: "^")
        if anchoredStart { start = 1 }
        var end = bytes.count
        // A final "$" that is not escaped (an even number of backslashes before it).
        var endAnchor = false
        if end > start, bytes[end - 1] == UInt8(ascii: "$") {
            var backslashes = 0
            var k = end - 2
            while k >= start, bytes[k] == UInt8(ascii: "\\") { backslashes += 1; k -= 1 }
            if backslashes % 2 == 0 { endAnchor = true; end -= 1 }
        }
        anchoredEnd = endAnchor
        bytes = Array(bytes[start..<end])
        var atoms: [Atom] = []
        var i = 0
        while i < bytes.count {
            guard let (set, next) = SimplePattern.atom(bytes, i) else { return nil }
            i = next
            var (low, high) = (1, 1)
            if i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "?"): (low, high) = (0, 1); i += 1
                case UInt8(ascii: "*"): (low, high) = (0, Int.max); i += 1
                case UInt8(ascii: "+"): (low, high) = (1, Int.max); i += 1
                case UInt8(ascii: "{"):
                    guard let (m, n, after) = SimplePattern.braces(bytes, i) else { return nil }
                    (low, high) = (m, n)
                    i = after
                default: break
                }
                // A lazy or possessive quantifier, or a quantifier on a quantifier.
                if i < bytes.count, [UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{")].contains(bytes[i]) {
                    return nil
                }
            }
            atoms.append(Atom(set: set, min: low, max: high))
        }
        self.atoms = atoms
    }

    /// One atom at `i`: its byte set and where it ends.
    private static func atom(_ b: [UInt8], _ i: Int) -> ((UInt64, UInt64), Int)? {
        let c = b[i]
        switch c {
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "|"), UInt8(ascii: "^"), UInt8(ascii: "$"),
             UInt8(ascii: "?"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "]"):
            return nil
        case UInt8(ascii: "."):
            // Any character but a line terminator.
            var set = ByteSet.all
            set.remove(10)
            set.remove(13)
            return (set.bits, i + 1)
        case UInt8(ascii: "\\"):
            guard i + 1 < b.count, let set = escape(b[i + 1]) else { return nil }
            return (set.bits, i + 2)
        case UInt8(ascii: "["):
            return characterClass(b, i)
        default:
            var set = ByteSet()
            set.insert(c)
            return (set.bits, i + 1)
        }
    }

    /// `\d`, `\w`, `\s` (ASCII members: the input is ASCII), their negations, and escaped
    /// punctuation; nil for anything else (\b, \1, \u...).
    private static func escape(_ e: UInt8) -> ByteSet? {
        var set = ByteSet()
        switch e {
        case UInt8(ascii: "d"), UInt8(ascii: "D"):
            for d in UInt8(ascii: "0")...UInt8(ascii: "9") { set.insert(d) }
        case UInt8(ascii: "w"), UInt8(ascii: "W"):
            for d in UInt8(ascii: "0")...UInt8(ascii: "9") { set.insert(d) }
            for l in UInt8(ascii: "a")...UInt8(ascii: "z") { set.insert(l); set.insert(l - 32) }
            set.insert(UInt8(ascii: "_"))
        case UInt8(ascii: "s"), UInt8(ascii: "S"):
            for w in [9, 10, 11, 12, 13, 32] as [UInt8] { set.insert(w) }
        case UInt8(ascii: "t"): set.insert(9); return set
        case UInt8(ascii: "n"): set.insert(10); return set
        case UInt8(ascii: "r"): set.insert(13); return set
        default:
            // Escaped punctuation stands for itself.
            guard e < 0x80, !(e >= 0x30 && e <= 0x39), !(e | 0x20 >= 0x61 && e | 0x20 <= 0x7a) else { return nil }
            set.insert(e)
            return set
        }
        return e >= UInt8(ascii: "a") ? set : set.inverted
    }

    /// `[...]` at `i` (`[^...]` inverted over ASCII): members, ranges and escapes.
    private static func characterClass(_ b: [UInt8], _ i: Int) -> ((UInt64, UInt64), Int)? {
        var j = i + 1
        let negated = j < b.count && b[j] == UInt8(ascii: "^")
        if negated { j += 1 }
        // ECMA's "[]" matches nothing and "[^]" anything: rare, left to Regex.
        guard j < b.count, b[j] != UInt8(ascii: "]") else { return nil }
        var set = ByteSet()
        while j < b.count {
            var c = b[j]
            if c == UInt8(ascii: "]") { break }
            if c == UInt8(ascii: "[") { return nil }  // [[:alpha:]] or a nested class
            var single: UInt8?
            if c == UInt8(ascii: "\\") {
                guard j + 1 < b.count, let escaped = escape(b[j + 1]) else { return nil }
                j += 2
                if escaped.count == 1 { single = escaped.first } else { set.formUnion(escaped); continue }
            } else {
                single = c
                j += 1
            }
            c = single!
            // A range a-z (a "-" before "]" is a literal).
            if j + 1 < b.count, b[j] == UInt8(ascii: "-"), b[j + 1] != UInt8(ascii: "]") {
                var upper = b[j + 1]
                j += 2
                if upper == UInt8(ascii: "\\") {
                    guard j < b.count, let escaped = escape(b[j]), escaped.count == 1 else { return nil }
                    upper = escaped.first!
                    j += 1
                }
                guard upper >= c else { return nil }
                for x in c...upper { set.insert(x) }
            } else {
                set.insert(c)
            }
        }
        guard j < b.count, b[j] == UInt8(ascii: "]") else { return nil }
        return ((negated ? set.inverted : set).bits, j + 1)
    }

    /// `{m}`, `{m,}` or `{m,n}` at `i`.
    private static func braces(_ b: [UInt8], _ i: Int) -> (Int, Int, Int)? {
        var j = i + 1
        func number() -> Int? {
            let start = j
            var value = 0
            while j < b.count, b[j] >= 48, b[j] <= 57, value < 1_000_000 { value = value * 10 + Int(b[j] - 48); j += 1 }
            return j > start ? value : nil
        }
        guard let m = number() else { return nil }
        var n = m
        if j < b.count, b[j] == UInt8(ascii: ",") {
            j += 1
            n = number() ?? Int.max
        }
        guard j < b.count, b[j] == UInt8(ascii: "}"), n >= m else { return nil }
        return (m, n, j + 1)
    }

    /// Whether the pattern matches somewhere in `string`; nil when `string` is not ASCII.
    func matches(_ string: String) -> Bool? {
        let result: Bool?? = string.utf8.withContiguousStorageIfAvailable { bytes in
            for b in bytes where b >= 0x80 { return nil }
            return match(bytes)
        }
        return result ?? nil
    }

    /// Positions each atom can end at, from the positions the previous one ended at.
    private func match(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = s.count
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: 2 * (n + 1)) { space in
            var current = UnsafeMutableBufferPointer(rebasing: space[0...n])
            var next = UnsafeMutableBufferPointer(rebasing: space[(n + 1)...])
            for p in 0...n { current[p] = !anchoredStart || p == 0 }
            for atom in atoms {
                var any = false
                for p in 0...n { next[p] = false }
                // An unbounded atom reaches nothing new from a position an earlier scan
                // already ran through: skipping those keeps `.*` linear.
                var scannedTo = -1
                for p in 0...n where current[p] {
                    if atom.max == Int.max, p <= scannedTo { continue }
                    var length = 0
                    var q = p
                    while true {
                        if length >= atom.min {
                            next[q] = true
                            any = true
                        }
                        if length == atom.max || q == n || !atom.contains(s[q]) { break }
                        length += 1
                        q += 1
                    }
                    scannedTo = max(scannedTo, q)
                }
                if !any { return false }
                swap(&current, &next)
            }
            return anchoredEnd ? current[n] : true
        }
    }
}

/// A set of ASCII bytes.
struct ByteSet {
    var bits: (UInt64, UInt64) = (0, 0)

    static var all: ByteSet { ByteSet(bits: (~0, ~0)) }

    mutating func insert(_ b: UInt8) {
        if b < 64 { bits.0 |= 1 << UInt64(b) } else if b < 128 { bits.1 |= 1 << UInt64(b - 64) }
    }

    mutating func remove(_ b: UInt8) {
        if b < 64 { bits.0 &= ~(1 << UInt64(b)) } else if b < 128 { bits.1 &= ~(1 << UInt64(b - 64)) }
    }

    mutating func formUnion(_ other: ByteSet) { bits = (bits.0 | other.bits.0, bits.1 | other.bits.1) }

    var inverted: ByteSet { ByteSet(bits: (~bits.0, ~bits.1)) }
    var count: Int { bits.0.nonzeroBitCount + bits.1.nonzeroBitCount }
    var first: UInt8? {
        if bits.0 != 0 { return UInt8(bits.0.trailingZeroBitCount) }
        if bits.1 != 0 { return UInt8(64 + bits.1.trailingZeroBitCount) }
        return nil
    }
}
