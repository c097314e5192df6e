/// Runs a ``PatternProgram`` without backreferences or lookaround as a set of NFA states
/// advanced one scalar at a time (Thompson's construction, Pike's VM without captures):
/// each state is visited at most once per position, so the time is at most
/// states × (input length + 1), whatever the pattern and input.
struct PikeVM: Sendable {
    /// The program lowered for this matcher: only states that consume a scalar, splits,
    /// assertions and the match; jumps, capture saves and loop guards (which mean nothing
    /// without backtracking) are followed at lowering time, so they cost no visits.
    private struct Op: Sendable {
        enum Kind: UInt8, Sendable { case scalar, set, split, assert, match }
        var kind: Kind
        var x: Int32
        var y: Int32
    }

    private let ops: [Op]
    private let start: Int32
    /// ASCII membership of each class, and the classes themselves for other scalars.
    private let asciiSets: [(UInt64, UInt64)]
    private let classes: [ScalarClass]
    private let anchoredStart: Bool

    init(_ program: PatternProgram) {
        let code = program.instructions
        // Where a state really starts: past jumps, saves and loop guards.
        func resolve(_ pc: Int) -> Int {
            var pc = pc
            for _ in 0...code.count {
                switch code[pc] {
                case .jump(let target): pc = target
                case .save, .loopEnter, .loopCheck: pc += 1
                default: return pc
                }
            }
            return pc  // a loop of jumps alone: cannot come from the compiler
        }
        var ops: [Op] = []
        ops.reserveCapacity(code.count)
        for instruction in code {
            switch instruction {
            case .scalar(let v): ops.append(Op(kind: .scalar, x: Int32(bitPattern: v), y: 0))
            case .set(let s): ops.append(Op(kind: .set, x: Int32(s), y: 0))
            case .split(let a, let b): ops.append(Op(kind: .split, x: Int32(resolve(a)), y: Int32(resolve(b))))
            case .assert(let a):
                let index: Int32 = switch a { case .start: 0; case .end: 1; case .wordBoundary: 2; case .notWordBoundary: 3 }
                ops.append(Op(kind: .assert, x: index, y: 0))
            case .match: ops.append(Op(kind: .match, x: 0, y: 0))
            case .jump, .save, .loopEnter, .loopCheck, .backreference, .look:
                // Never reached once resolved (and no backreference or look is compiled
                // for this matcher); kept so that indices stay those of the program.
                ops.append(Op(kind: .split, x: 0, y: 0))
            }
        }
        // A consuming state continues at the resolved next instruction: store it in y.
        for k in ops.indices where ops[k].kind == .scalar || ops[k].kind == .set || ops[k].kind == .assert {
            ops[k].y = Int32(resolve(k + 1))
        }
        self.ops = ops
        start = Int32(resolve(0))
        classes = program.classes
        asciiSets = program.classes.map { set in
            var bits: (UInt64, UInt64) = (0, 0)
            for v in UInt32(0)..<128 where set.contains(v) {
                if v < 64 { bits.0 |= 1 << UInt64(v) } else { bits.1 |= 1 << UInt64(v - 64) }
            }
            return bits
        }
        anchoredStart = program.anchoredStart
    }

    var stateCount: Int { ops.count }

    // MARK: What the lazy DFA builds on

    var startState: Int32 { start }
    var anchoredAtStart: Bool { anchoredStart }
    var hasWordBoundaries: Bool { ops.contains { $0.kind == .assert && $0.x >= 2 } }

    /// A set of live states: those that consume a scalar, `$` assertions waiting to learn
    /// whether the input ends here, and whether the match was reached. Sorted, no repeats.
    struct Closure {
        var consuming: [Int32] = []
        var waitingForEnd: [Int32] = []
        var matched = false
    }

    /// Every state reachable from `pcs` without consuming input, at a position that is the
    /// input's start or not, and (as far as `$` is concerned) not known to be its end.
    func closure(of pcs: [Int32], atStart: Bool) -> Closure {
        var result = Closure()
        var seen = Set<Int32>()
        var stack = pcs
        while let pc = stack.popLast() {
            guard seen.insert(pc).inserted else { continue }
            let op = ops[Int(pc)]
            switch op.kind {
            case .split: stack.append(op.y); stack.append(op.x)
            case .assert:
                if op.x == 0 { if atStart { stack.append(op.y) } } else { result.waitingForEnd.append(pc) }
            case .match: result.matched = true
            case .scalar, .set: result.consuming.append(pc)
            }
        }
        result.consuming.sort()
        result.waitingForEnd.sort()
        return result
    }

    /// Where the consuming states in `pcs` go on scalar `c`.
    func successors(of pcs: [Int32], on c: UInt32) -> [Int32] {
        pcs.compactMap { pc in
            let op = ops[Int(pc)]
            let accepts = op.kind == .scalar ? UInt32(bitPattern: op.x) == c : classes[Int(op.x)].contains(c)
            return accepts ? op.y : nil
        }
    }

    /// Whether `$` assertions waiting at the end of the input lead to the match.
    func reachesMatchAtEnd(_ waiting: [Int32], atStart: Bool) -> Bool {
        var seen = Set<Int32>()
        var stack = waiting.map { ops[Int($0)].y }
        while let pc = stack.popLast() {
            guard seen.insert(pc).inserted else { continue }
            let op = ops[Int(pc)]
            switch op.kind {
            case .split: stack.append(op.y); stack.append(op.x)
            case .assert: if op.x == 1 || atStart { stack.append(op.y) }
            case .match: return true
            case .scalar, .set: break
            }
        }
        return false
    }

    /// The rest of a search the lazy DFA began: `consuming` live at position `at`.
    func resume(consuming: [Int32], waitingForEnd: [Int32], matched: Bool, at: Int, _ input: UnsafeBufferPointer<UInt32>) -> Bool {
        if matched { return true }
        if at == input.count { return reachesMatchAtEnd(waitingForEnd, atStart: at == 0) }
        return run(input, from: at, seed: consuming).matched
    }

    /// Whether the program matches somewhere in `input`, and the state visits it took
    /// (what the linear bound is about).
    func search(_ input: UnsafeBufferPointer<UInt32>) -> (matched: Bool, visits: Int) {
        run(input, from: 0, seed: [])
    }

    /// The search from position `from`, with the states in `seed` live there (the lazy DFA
    /// hands over when it has made too many states).
    private func run(_ input: UnsafeBufferPointer<UInt32>, from: Int, seed: [Int32]) -> (matched: Bool, visits: Int) {
        let m = ops.count
        let n = input.count
        var visits = 0
        let matched = ops.withUnsafeBufferPointer { ops in
            asciiSets.withUnsafeBufferPointer { ascii in
                withUnsafeTemporaryAllocation(of: Int32.self, capacity: 5 * m + 1) { space in
                    // Two lists of states, "seen at generation" marks, and a stack for
                    // following splits.
                    var cur = UnsafeMutableBufferPointer(rebasing: space[0..<m])
                    var nxt = UnsafeMutableBufferPointer(rebasing: space[m..<(2 * m)])
                    let mark = UnsafeMutableBufferPointer(rebasing: space[(2 * m)..<(3 * m)])
                    let stack = UnsafeMutableBufferPointer(rebasing: space[(3 * m)..<(5 * m + 1)])
                    for k in 0..<m { mark[k] = -1 }
                    var currentCount = 0
                    var nextCount = 0
                    var generation: Int32 = 0

                    for pc in seed where mark[Int(pc)] != generation {
                        mark[Int(pc)] = generation
                        cur[currentCount] = pc
                        currentCount += 1
                    }
                    for pos in from...n {
                        // Unanchored search: a new attempt starts at every position.
                        if pos == 0 || !anchoredStart {
                            if PikeVM.add(start, pos, cur, &currentCount, ops, mark, stack, generation, &visits, input) { return true }
                        }
                        if currentCount == 0 {
                            if anchoredStart { return false }
                            generation &+= 1
                            continue
                        }
                        if pos == n { break }
                        let c = input[pos]
                        generation &+= 1
                        nextCount = 0
                        for k in 0..<currentCount {
                            let op = ops[Int(cur[k])]
                            visits += 1
                            let accepts: Bool
                            if op.kind == .scalar {
                                accepts = UInt32(bitPattern: op.x) == c
                            } else if c < 64 {
                                accepts = ascii[Int(op.x)].0 & (1 << UInt64(c)) != 0
                            } else if c < 128 {
                                accepts = ascii[Int(op.x)].1 & (1 << UInt64(c - 64)) != 0
                            } else {
                                accepts = classes[Int(op.x)].contains(c)
                            }
                            if accepts, PikeVM.add(op.y, pos + 1, nxt, &nextCount, ops, mark, stack, generation, &visits, input) { return true }
                        }
                        swap(&cur, &nxt)
                        currentCount = nextCount
                    }
                    return false
                }
            }
        }
        return (matched, visits)
    }

    /// Add `pc` and every state reachable from it without consuming input at position
    /// `pos` to `list`; true when that reaches the match. Everything is passed in, so that
    /// no captured variable costs a dynamic exclusivity check in the hot loop.
    @inline(__always)
    private static func add(_ pc: Int32, _ pos: Int, _ list: UnsafeMutableBufferPointer<Int32>, _ count: inout Int,
                            _ ops: UnsafeBufferPointer<Op>, _ mark: UnsafeMutableBufferPointer<Int32>,
                            _ stack: UnsafeMutableBufferPointer<Int32>, _ generation: Int32, _ visits: inout Int,
                            _ input: UnsafeBufferPointer<UInt32>) -> Bool {
        var top = 1
        stack[0] = pc
        while top > 0 {
            top -= 1
            let pc = Int(stack[top])
            if mark[pc] == generation { continue }
            mark[pc] = generation
            visits += 1
            let op = ops[pc]
            switch op.kind {
            case .split:
                stack[top] = op.y
                stack[top + 1] = op.x
                top += 2
            case .assert:
                if holds(Int(op.x), input, pos) {
                    stack[top] = op.y
                    top += 1
                }
            case .match:
                return true
            case .scalar, .set:
                list[count] = Int32(pc)
                count += 1
            }
        }
        return false
    }

    @inline(__always)
    private static func holds(_ assertion: Int, _ input: UnsafeBufferPointer<UInt32>, _ pos: Int) -> Bool {
        switch assertion {
        case 0: return pos == 0
        case 1: return pos == input.count
        default:
            let before = pos > 0 && PikeVM.isWord(input[pos - 1])
            let after = pos < input.count && PikeVM.isWord(input[pos])
            return (before != after) == (assertion == 2)
        }
    }

    @inline(__always)
    private static func isWord(_ c: UInt32) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || (c >= 0x61 && c <= 0x7A)
    }
}
