import BulwarkJSON
@testable import BulwarkSchema
import Testing

/// The pattern engine: ECMA-262 syntax and meaning (against Swift's Regex where both read
/// a pattern alike), the linear bound on patterns that backtracking engines blow up on,
/// and the budget of the backtracker.
@Suite struct PatternEngineTests {
    static let patterns = [
        "^(a|b)+$", "(ab|a)(bc|c)", "^(?:x|yz)*$", "a|", "^(a+)+$", "^(a|a)*$", "(x+x+)+y", "^(\\w+\\s?)*$",
        "colou?r", "^[^aeiou]{2,3}$", "\\bcat\\b", "\\Bat", "^.*$", "^a{2}b{1,}c{0,1}$", "(?:a*)*b", "^$|^x$",
        "[\\d\\s]+", "[^\\W_]+", "^\\p{L}+$", "\\p{Lu}\\p{Ll}+", "^[\\u00e0-\\u00ff]+$", "\\u{1F600}", "^\\x41+",
        "a.c", "^(?:(a)|b)*$", "[a-c-e]", "}", "]", "a{2,1", "^\\.$", "é+",
    ]
    static let inputs = ["", "a", "ab", "abc", "abcabc", "aaaa", "aaaa!", "b", "ba", "xxy", "xxxx", "yz", "xyzyz",
                         "color", "colour", "colouur", "bcd", "cat", "concat", "a cat sat", "bat", "x\ny", "aabbc", "aac",
                         "12 34", "Word", "ÉcoLe", "école", "àé", "😀", "AAA", "a\u{2028}c", "abbc", "a{,3}", "}", "]",
                         "a{2,1", ".", "éé", "hello world ", "a-", "d"]

    static func regex(_ source: String) throws -> Regex<AnyRegexOutput> {
        try Regex(PatternTests.swiftSpelling(source)).matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWordCharacters()
    }

    @Test func agreesWithSwiftsRegex() throws {
        for source in Self.patterns {
            let pattern = try Pattern(source)
            guard let reference = try? Self.regex(source) else { continue }
            for input in Self.inputs {
                let expected = (try? reference.firstMatch(in: input)) != nil
                #expect(pattern.matches(input) == expected, "\(source) on \(input.debugDescription)")
            }
        }
    }

    /// The lazy DFA against the Pike VM it is built from, with room for its states and
    /// with so little that it hands over to the Pike VM after a step or two.
    @Test func theLazyDFAAgreesWithThePikeVM() throws {
        let anchors = ["^$", "a$|^b", "$^", "(a$)*", "^(?:a|$)+", "x*$", "^"]
        for source in Self.patterns + anchors {
            let pattern = try Pattern(source)
            let long = ["é" + String(repeating: "ab", count: 200), String(repeating: "aab", count: 120) + "c",
                        String(repeating: "word ", count: 80), String(repeating: "x", count: 400) + "y"]
            for input in Self.inputs + long {
                for limit in [2_000, 1, 3] {
                    let (pike, dfa) = pattern.matchers(input, stateLimit: limit)
                    guard let pike, let dfa else { continue }
                    #expect(pike == dfa, "\(source) on \(input.debugDescription), \(limit) states")
                    #expect(pattern.matches(input) == pike, "\(source) on \(input.debugDescription)")
                }
            }
        }
    }

    @Test func scalarsAreDecodedAsSwiftDoes() {
        for input in Self.inputs + ["a\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}z", String(repeating: "é😀x", count: 300)] {
            #expect(Pattern.scalars(input) == input.unicodeScalars.map(\.value), "\(input.debugDescription)")
        }
    }

    @Test func ecmaMeaningsSwiftReadsOtherwise() throws {
        // "." stops at every ECMA line terminator; "$" never matches before a final newline.
        #expect(try Pattern("^a.c$").matches("a\u{2028}c") == false)
        #expect(try Pattern("^abc$").matches("abc\n") == false)
        // \s is ECMA's WhiteSpace: U+FEFF and U+00A0 are in, U+200B is not.
        #expect(try Pattern("^\\s$").matches("\u{FEFF}"))
        #expect(try Pattern("^\\s$").matches("\u{200B}") == false)
        // [] matches nothing, [^] anything.
        #expect(try Pattern("a[]").matches("a") == false)
        #expect(try Pattern("^[^]$").matches("\n"))
        // \cC and [\b].
        #expect(try Pattern("^\\cC$").matches("\u{3}"))
        #expect(try Pattern("^[\\b]$").matches("\u{8}"))
        // A "{" that starts no quantifier is itself (Annex B); Swift reads {,3} as one.
        #expect(try Pattern("^a{,3}$").matches("a{,3}"))
        #expect(try Pattern("^a{,3}$").matches("aa") == false)
        // Two \u escapes that form a surrogate pair are one scalar.
        #expect(try Pattern("^\\uD83D\\uDE00$").matches("😀"))
    }

    @Test func backreferencesAndLookaroundBacktrack() throws {
        let cases: [(String, String, Bool)] = [
            ("^(a+)b\\1$", "aabaa", true), ("^(a+)b\\1$", "aaba", false), ("^(a+)b\\1$", "abaa", false),
            ("^(?<q>['\"]).*\\k<q>$", "'x'", true), ("^(?<q>['\"]).*\\k<q>$", "'x\"", false),
            ("^(?=.*\\d)(?=.*[A-Z]).{8,}$", "passw0rdX", true), ("^(?=.*\\d)(?=.*[A-Z]).{8,}$", "password1", false),
            ("^(?!tmp-).+$", "tmp-x", false), ("^(?!tmp-).+$", "data", true),
            ("(?<=\\$)\\d+", "cost $12", true), ("(?<=\\$)\\d+", "cost 12", false),
            ("(?<=a+)b", "aab", true), ("(?<!a)b", "ab", false), ("(?<!a)b", "cb", true),
            ("\\1(a)", "a", true),  // a backreference before its group matches empty
        ]
        for (source, input, expected) in cases {
            let pattern = try Pattern(source)
            #expect(pattern.usesBacktracking)
            #expect(pattern.test(input) == (expected ? .match : .noMatch), "\(source) on \(input.debugDescription)")
        }
    }

    /// The patterns that hang backtracking engines, on 100,000 characters: answered, and
    /// the work stays within instructions × (length + 1) state visits (twice, for the
    /// visits of the list step), which a backtracking matcher would not.
    @Test func catastrophicPatternsAreLinear() throws {
        let length = 100_000
        let cases: [(String, String, Bool)] = [
            ("^(a+)+$", String(repeating: "a", count: length) + "!", false),
            ("^(a|a)*$", String(repeating: "a", count: length) + "!", false),
            ("(x+x+)+y", String(repeating: "x", count: length), false),
            ("^(\\w+\\s?)*$", String(repeating: "word", count: length / 4) + "!", false),
            ("^(a+)+$", String(repeating: "a", count: length), true),
        ]
        for (source, input, expected) in cases {
            let pattern = try Pattern(source)
            #expect(!pattern.usesBacktracking)
            #expect(pattern.matches(input) == expected, "\(source)")
            let steps = try #require(pattern.linearSteps(input))
            #expect(steps <= 2 * pattern.instructionCount * (input.unicodeScalars.count + 1), "\(source): \(steps) steps")
        }
    }

    @Test func aBacktrackingSearchPastItsBudgetSaysSo() throws {
        // A backreference forces the backtracker; (a+)+ then explodes on the "!".
        let pattern = try Pattern("^(a+)+\\1!?$")
        let input = String(repeating: "a", count: 40) + "b"
        #expect(pattern.test(input) == .exhausted)
        let schema = try JSONSchema(["type": "object", "properties": ["name": ["type": "string", "pattern": "^(a+)+\\1!?$"]],
                                     "patternProperties": ["^(a+)+\\1!?$": ["type": "integer"]]])
        let result = schema.validate(["name": .string(input)])
        #expect(!result.isValid)
        #expect(result.errors.map(\.description).contains { $0.contains("could not be checked against the pattern ^(a+)+\\1!?$ within") })
        // In a property name, too: the validation fails, it does not let the member through.
        let named = schema.validate([input: "x"])
        #expect(!named.isValid)
        #expect(named.errors.map(\.description).contains { $0.contains("property name") && $0.contains("could not be checked") })
    }

    @Test func invalidPatternsAreNamed() {
        let cases: [(String, String)] = [
            ("\\a", "\\a is not an ECMA-262 escape at offset 0"),
            ("(?P<name>x)", "(?P is not an ECMA-262 group"),
            ("(?i)abc", "(?i is not an ECMA-262 group"),
            ("(?#comment)a", "(?# is not an ECMA-262 group"),
            ("(abc", "missing ')' for the group at offset 0"),
            ("abc)", "unmatched ')' at offset 3"),
            ("*a", "nothing to repeat"),
            ("a**", "a quantifier cannot follow a quantifier"),
            ("[z-a]", "range out of order"),
            ("a{3,1}", "numbers out of order"),
            ("(a)\\2", "backreference \\2 to a group that does not exist"),
            ("\\k<x>(?<y>a)", "\\k<x> names no group"),
            ("\\p{NoSuchProperty}", "unknown Unicode property 'NoSuchProperty'"),
            ("(a{1000}){1000}", "pattern too large"),
            (String(repeating: "(", count: 500) + String(repeating: ")", count: 500), "nested more than 200 deep"),
        ]
        for (source, reason) in cases {
            #expect(throws: PatternError.self, "\(source)") { try Pattern(source) }
            do {
                _ = try Pattern(source)
            } catch {
                #expect(error.description.contains(reason), "\(source): \(error.description)")
            }
        }
        // A schema names the keyword and the reason.
        #expect(throws: SchemaError.self) { try JSONSchema(["pattern": "(abc"]) }
    }
}
