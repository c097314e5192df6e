/// Runs a ``PatternProgram`` that needs backtracking (backreferences, lookaround) by trying
/// choices in ECMA-262's order, with an explicit stack (no recursion on the input) and a
/// budget of steps: a pattern and input that would take longer give up instead of tying
/// up a thread. See docs/decisions.md "Patterns in linear time".
struct Backtracker {
    /// Steps allowed per search, shared by every start position and look.
    static let defaultBudget = 1_000_000

    private let code: [PatternProgram.Instruction]
    private let classes: [ScalarClass]
    private let input: [UInt32]
    private var budget: Int
    private var slots: [Int]
    private var undo: [(slot: Int, old: Int)] = []

    init(_ program: PatternProgram, _ input: [UInt32], budget: Int = Backtracker.defaultBudget) {
        code = program.instructions
        classes = program.classes
        self.input = input
        self.budget = budget
        slots = Array(repeating: -1, count: program.slots)
    }

    static func search(_ program: PatternProgram, _ input: [UInt32], budget: Int = defaultBudget) -> Pattern.Outcome {
        var machine = Backtracker(program, input, budget: budget)
        let last = program.anchoredStart ? 0 : input.count
        for start in 0...last {
            switch machine.run(from: 0, at: start, mustEndAt: nil) {
            case true: return .match
            case false: continue
            case nil: return .exhausted
            }
        }
        return .noMatch
    }

    private mutating func set(_ slot: Int, _ value: Int) {
        undo.append((slot, slots[slot]))
        slots[slot] = value
    }

    private mutating func rollBack(to depth: Int) {
        while undo.count > depth {
            let (slot, old) = undo.removeLast()
            slots[slot] = old
        }
    }

    /// true: matched (slots hold its captures); false: no match from here (slots as they
    /// were); nil: the budget ran out.
    private mutating func run(from pc0: Int, at pos0: Int, mustEndAt end: Int?) -> Bool? {
        var choices: [(pc: Int, pos: Int, undo: Int)] = []
        let base = undo.count
        var pc = pc0
        var pos = pos0
        let n = input.count
        while true {
            budget -= 1
            if budget < 0 { rollBack(to: base); return nil }
            var advance = true
            switch code[pc] {
            case .scalar(let v):
                if pos < n, input[pos] == v { pos += 1; pc += 1 } else { advance = false }
            case .set(let s):
                if pos < n, classes[s].contains(input[pos]) { pos += 1; pc += 1 } else { advance = false }
            case .split(let a, let b):
                choices.append((b, pos, undo.count))
                pc = a
            case .jump(let target):
                pc = target
            case .assert(let a):
                let before: UInt32? = pos > 0 ? input[pos - 1] : nil
                let after: UInt32? = pos < n ? input[pos] : nil
                if PatternProgram.holds(a, before: before, after: after) { pc += 1 } else { advance = false }
            case .save(let slot), .loopEnter(let slot):
                set(slot, pos)
                pc += 1
            case .loopCheck(let slot):
                if slots[slot] == pos { advance = false } else { pc += 1 }
            case .backreference(let group):
                let (from, to) = (slots[2 * group], slots[2 * group + 1])
                // A group that has not taken part matches the empty string.
                if from < 0 || to < from { pc += 1; break }
                let length = to - from
                budget -= length
                if pos + length <= n, (0..<length).allSatisfy({ input[from + $0] == input[pos + $0] }) {
                    pos += length
                    pc += 1
                } else {
                    advance = false
                }
            case .look(let start, let ahead, let negative):
                let mark = undo.count
                var matched = false
                if ahead {
                    guard let result = run(from: start, at: pos, mustEndAt: nil) else { rollBack(to: base); return nil }
                    matched = result
                } else {
                    // A lookbehind holds when its body matches some stretch ending here.
                    var from = pos
                    while from >= 0 {
                        guard let result = run(from: start, at: from, mustEndAt: pos) else { rollBack(to: base); return nil }
                        if result { matched = true; break }
                        from -= 1
                    }
                }
                // Lookarounds are atomic; a negative one keeps no captures.
                if negative { rollBack(to: mark) }
                if matched != negative { pc += 1 } else { advance = false }
            case .match:
                if end == nil || pos == end { return true }
                advance = false
            }
            if !advance {
                guard let choice = choices.popLast() else { rollBack(to: base); return false }
                rollBack(to: choice.undo)
                pc = choice.pc
                pos = choice.pos
            }
        }
    }
}
