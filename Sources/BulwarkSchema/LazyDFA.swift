/// The NFA of a ``PikeVM`` run as a DFA built while it searches (a lazy DFA, as RE2 and
/// Rust's `regex` do): each set of live NFA states becomes one DFA state the first time the
/// search reaches it, and its transition on an ASCII scalar is computed once, then read
/// from a table. The search stays linear (at most as much work as the Pike VM) and most
/// positions cost one table read instead of a visit per live state.
///
/// Only for patterns without `\b` or `\B`, whose truth depends on the scalars on both
/// sides; `^` and `$` hold only at the ends of the input, which the DFA treats apart.
struct LazyDFA {
    private let vm: PikeVM
    /// DFA states past this many make the search finish on the Pike VM instead (memory
    /// stays bounded whatever the pattern).
    private let stateLimit: Int

    /// One DFA state: NFA states that consume a scalar, and `$` assertions waiting for the
    /// end of the input.
    private struct State {
        var consuming: [Int32]
        var waitingForEnd: [Int32]
        var matched: Bool
    }

    init?(_ vm: PikeVM, stateLimit: Int = 2_000) {
        guard !vm.hasWordBoundaries else { return nil }
        self.vm = vm
        self.stateLimit = stateLimit
    }

    func search(_ input: UnsafeBufferPointer<UInt32>) -> Bool {
        var states: [State] = []
        var index: [[Int32]: Int32] = [:]
        // transitions[state * 128 + scalar] for ASCII scalars; -1 until computed.
        var transitions: [Int32] = []
        var other: [UInt64: Int32] = [:]
        // Per state: 0 go on, 1 matched, 2 dead (nothing live and no new start).
        var stops: [UInt8] = []
        // The closure of the start at a position other than 0, added at each position of an
        // unanchored search.
        let restart = vm.closure(of: [vm.startState], atStart: false)

        func intern(_ s: PikeVM.Closure) -> Int32 {
            var key = s.consuming
            key.append(-1)
            key.append(contentsOf: s.waitingForEnd)
            key.append(s.matched ? 1 : 0)
            if let known = index[key] { return known }
            let id = Int32(states.count)
            states.append(State(consuming: s.consuming, waitingForEnd: s.waitingForEnd, matched: s.matched))
            // What the loop asks of every state, kept apart so that it copies no arrays.
            stops.append(s.matched ? 1 : (s.consuming.isEmpty && s.waitingForEnd.isEmpty && vm.anchoredAtStart ? 2 : 0))
            transitions.append(contentsOf: repeatElement(-1, count: 128))
            index[key] = id
            return id
        }

        func step(_ from: Int32, _ c: UInt32) -> Int32 {
            var targets = vm.successors(of: states[Int(from)].consuming, on: c)
            if !vm.anchoredAtStart { targets.append(contentsOf: restart.consuming) }
            var next = vm.closure(of: targets, atStart: false)
            if !vm.anchoredAtStart {
                next.waitingForEnd.append(contentsOf: restart.waitingForEnd)
                next.matched = next.matched || restart.matched
            }
            next.consuming = Array(Set(next.consuming)).sorted()
            next.waitingForEnd = Array(Set(next.waitingForEnd)).sorted()
            return intern(next)
        }

        var current = intern(vm.closure(of: [vm.startState], atStart: true))
        var pos = 0
        let n = input.count
        while pos < n {
            switch stops[Int(current)] {
            case 1: return true
            case 2: return false
            default: break
            }
            let c = input[pos]
            var next: Int32
            if c < 128 {
                next = transitions[Int(current) * 128 + Int(c)]
                if next < 0 {
                    next = step(current, c)
                    transitions[Int(current) * 128 + Int(c)] = next
                }
            } else {
                let key = UInt64(current) << 32 | UInt64(c)
                if let known = other[key] { next = known } else {
                    next = step(current, c)
                    other[key] = next
                }
            }
            if states.count > stateLimit {
                // Too many states: finish from here on the Pike VM.
                let state = states[Int(next)]
                return vm.resume(consuming: state.consuming, waitingForEnd: state.waitingForEnd, matched: state.matched,
                                 at: pos + 1, input)
            }
            current = next
            pos += 1
        }
        let last = states[Int(current)]
        return last.matched || vm.reachesMatchAtEnd(last.waitingForEnd, atStart: n == 0)
    }
}
