/// A pattern compiled to the instructions of a Thompson NFA, which ``PikeVM`` runs in time
/// linear in the input and ``Backtracker`` runs with a step budget (for backreferences and
/// lookaround, which no automaton can match).
struct PatternProgram: Sendable {
    enum Instruction: Sendable {
        case scalar(UInt32)
        case set(Int)
        /// Try `first`, then `second`.
        case split(Int, Int)
        case jump(Int)
        case assert(PatternAssertion)
        /// Record the position in capture slot n (2 × group, +1 for its end).
        case save(Int)
        /// Guards of a loop whose body can match empty: an iteration must move on
        /// (ECMA-262 rejects an empty iteration). Only the backtracker needs them.
        case loopEnter(Int)
        case loopCheck(Int)
        case backreference(Int)
        /// A zero-width look at the sub-program starting at `start`.
        case look(start: Int, ahead: Bool, negative: Bool)
        case match
    }

    /// Bounded so that `(a{1000}){1000}` is refused rather than built.
    static let maximumInstructions = 100_000

    private(set) var instructions: [Instruction] = []
    private(set) var classes: [ScalarClass] = []
    /// Capture slots then loop slots.
    private(set) var slots = 0
    let groups: Int
    let needsBacktracking: Bool
    /// Whether every match must start at position 0 (the pattern begins with `^`).
    let anchoredStart: Bool

    init(_ node: PatternNode, groups: Int) throws(PatternError) {
        self.groups = groups
        needsBacktracking = node.needsBacktracking
        anchoredStart = PatternProgram.startsAnchored(node)
        slots = 2 * (groups + 1)
        var looks: [(at: Int, node: PatternNode)] = []
        try emit(node, &looks)
        try append(.match)
        // Lookaround bodies follow the main program, each ending in its own match; a body
        // may hold looks of its own, so this runs until none are left.
        while let pending = looks.popLast() {
            let start = instructions.count
            guard case .look(_, let ahead, let negative) = instructions[pending.at] else { continue }
            instructions[pending.at] = .look(start: start, ahead: ahead, negative: negative)
            try emit(pending.node, &looks)
            try append(.match)
        }
    }

    private static func startsAnchored(_ node: PatternNode) -> Bool {
        switch node {
        case .assertion(.start): true
        case .concat(let nodes): nodes.first.map(startsAnchored) ?? false
        case .group(let inner, _): startsAnchored(inner)
        case .alternation(let nodes): nodes.allSatisfy(startsAnchored)
        default: false
        }
    }

    private mutating func append(_ instruction: Instruction) throws(PatternError) {
        guard instructions.count < Self.maximumInstructions else {
            throw PatternError(offset: 0, reason: "pattern too large: its repetitions expand to more than \(Self.maximumInstructions) steps")
        }
        instructions.append(instruction)
    }

    private mutating func emit(_ node: PatternNode, _ looks: inout [(at: Int, node: PatternNode)]) throws(PatternError) {
        switch node {
        case .empty: break
        case .scalar(let v): try append(.scalar(v))
        case .set(let set):
            classes.append(set)
            try append(.set(classes.count - 1))
        case .concat(let nodes):
            for n in nodes { try emit(n, &looks) }
        case .alternation(let nodes):
            // split L1, next; L1: a; jump end; next: split L2, ...; last alternative.
            var jumps: [Int] = []
            for (k, n) in nodes.enumerated() {
                if k == nodes.count - 1 {
                    try emit(n, &looks)
                } else {
                    let split = instructions.count
                    try append(.split(split + 1, -1))
                    try emit(n, &looks)
                    jumps.append(instructions.count)
                    try append(.jump(-1))
                    instructions[split] = .split(split + 1, instructions.count)
                }
            }
            for j in jumps { instructions[j] = .jump(instructions.count) }
        case .group(let inner, let capture):
            if let capture { try append(.save(2 * capture)) }
            try emit(inner, &looks)
            if let capture { try append(.save(2 * capture + 1)) }
        case .repetition(let inner, let min, let max, let greedy):
            try repetition(inner, min: min, max: max, greedy: greedy, &looks)
        case .assertion(let a): try append(.assert(a))
        case .backreference(let n): try append(.backreference(n))
        case .lookaround(let inner, let ahead, let negative):
            looks.append((instructions.count, inner))
            try append(.look(start: -1, ahead: ahead, negative: negative))
        }
    }

    private mutating func repetition(_ inner: PatternNode, min: Int, max: Int?, greedy: Bool,
                                     _ looks: inout [(at: Int, node: PatternNode)]) throws(PatternError) {
        if min > Self.maximumInstructions || (max ?? 0) > Self.maximumInstructions {
            throw PatternError(offset: 0, reason: "pattern too large: a repetition count above \(Self.maximumInstructions)")
        }
        for _ in 0..<min { try emit(inner, &looks) }
        func split(_ at: Int, body: Int, out: Int) -> Instruction { greedy ? .split(body, out) : .split(out, body) }
        if let max {
            // Each optional copy: split body, end.
            var splits: [Int] = []
            for _ in min..<Swift.max(min, max) {
                splits.append(instructions.count)
                try append(.split(-1, -1))
                try emit(inner, &looks)
            }
            for s in splits { instructions[s] = split(s, body: s + 1, out: instructions.count) }
            return
        }
        // L: split body, out; body; jump L — with a guard when the body can match empty.
        let guarded = inner.canBeEmpty
        let loopSlot = slots
        if guarded { slots += 1 }
        let top = instructions.count
        try append(.split(-1, -1))
        if guarded { try append(.loopEnter(loopSlot)) }
        try emit(inner, &looks)
        if guarded { try append(.loopCheck(loopSlot)) }
        try append(.jump(top))
        instructions[top] = split(top, body: top + 1, out: instructions.count)
    }

    /// Whether the position between `before` and `after` (nil at either end) satisfies `a`.
    @inline(__always)
    static func holds(_ a: PatternAssertion, before: UInt32?, after: UInt32?) -> Bool {
        switch a {
        case .start: return before == nil
        case .end: return after == nil
        case .wordBoundary, .notWordBoundary:
            let w1 = before.map(ScalarClass.word.contains) ?? false
            let w2 = after.map(ScalarClass.word.contains) ?? false
            return (w1 != w2) == (a == .wordBoundary)
        }
    }
}
