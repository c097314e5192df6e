@testable import BulwarkSchema

/// Patterns: the first line is an ECMA-262 pattern, the rest a string to search. Any
/// pattern compiles or is a named error, and any search ends. Patterns over a small
/// alphabet that Swift's Regex reads the same way are matched by both, which must agree.
@Sendable func fuzzPattern(_ data: UnsafeRawBufferPointer) {
    guard let input = text(data) else { return }
    let parts = input.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
    let source = String(parts[0])
    let subject = parts.count > 1 ? String(parts[1]) : ""
    let pattern: Pattern
    do { pattern = try Pattern(source) } catch {
        guard !error.description.isEmpty else { violated("a pattern error without a message") }
        return
    }
    let outcome = pattern.test(subject)
    guard outcome == .match || outcome == .noMatch || outcome == .exhausted else { violated("no outcome") }
    // The comparison with Swift's Regex: only where both engines mean the same (no
    // escapes, classes, braces or line terminators, which ECMA and Swift read apart).
    let alphabet = Set("abc()|*+?^$.")
    guard source.count <= 24, subject.count <= 12, source.allSatisfy(alphabet.contains), !source.contains("(?"),
          subject.allSatisfy({ "abc".contains($0) }),
          let regex = try? Regex(source).matchingSemantics(.unicodeScalar) else { return }
    let expected = (try? regex.firstMatch(in: subject)) != nil
    guard outcome != .exhausted else { return }
    guard (outcome == .match) == expected else {
        violated("pattern \(source) on \(subject.debugDescription): ours \(outcome == .match), Swift's Regex \(expected)")
    }
}
