@testable import BulwarkSchema
import Testing

/// The ASCII fast matcher (SimplePattern) against Swift's Regex, which it stands in for.
@Suite struct PatternTests {
    static let simple = [
        "^[A-Za-z0-9_.-]+$", "^[a-z][-a-z0-9]*$",
        "^a*$", "a+", "^\\d{2,4}$", "^\\w+\\s?\\w*$", "x.y", "^[^/]+$", "[x\\d-]", "^\\$[0-9]+\\.[0-9]{2}$",
        "^[a-]$", "^.{3}$", "^a{2,}$", "^$", "\\.json$", "^[\\]a]+$",
        "^\\S+$", "^\\D*$", "^\\W$", "b*c", "^-?[0-9]+m?$",
    ]
    static let complex = ["^(a|b)$", "a*?", "\\bword", "[]", "a{,3}", "^\\p{L}+$", "(?=a)b", "(a)\\1"]
    static let inputs = ["", "a", "aa", "abc", "x.y", "xzy", "12", "123", "12345", "web-01", "Web_01.data", "a b", "a  b", "/etc",
                         "$12.50", "$12.5", "a-", "-", "]a]", "config.json", "json", "tab\there", "line\nbreak", "bbbc", "c",
                         "-12m", "12", "ab-", "x", "_", " ", "é", "naïve-1"]

    @Test(arguments: simple)
    func simplePatternsAgreeWithRegex(_ source: String) throws {
        let fast = try #require(SimplePattern(source), "\(source) should take the fast matcher")
        let regex = try Regex(Self.swiftSpelling(source)).matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWordCharacters()
        for input in Self.inputs {
            let expected = (try? regex.firstMatch(in: input)) != nil
            if input.utf8.allSatisfy({ $0 < 0x80 }) {
                #expect(fast.matches(input) == expected, "pattern \(source) on \(input.debugDescription)")
            } else {
                #expect(fast.matches(input) == nil, "non-ASCII input goes to Regex")
            }
            #expect(try Pattern(source).matches(input) == expected, "pattern \(source) on \(input.debugDescription)")
        }
    }

    @Test(arguments: complex)
    func otherPatternsAreLeftToRegex(_ source: String) {
        #expect(SimplePattern(source) == nil, "\(source) is beyond the fast matcher")
    }

    /// ECMA-262 spellings Swift's Regex reads differently: only "$", which in ECMA matches
    /// at the very end, never before a final newline.
    static func swiftSpelling(_ source: String) -> String {
        var out = ""
        var escaped = false
        var inClass = false
        for c in source {
            if escaped { out.append(c); escaped = false; continue }
            switch c {
            case "\\": out.append(c); escaped = true
            case "[": inClass = true; out.append(c)
            case "]": inClass = false; out.append(c)
            case "$" where !inClass: out += "\\z"
            default: out.append(c)
            }
        }
        return out
    }

    @Test func longInputsStayLinear() throws {
        let pattern = try #require(SimplePattern("a.*b.*c$"))
        let input = String(repeating: "ab", count: 50_000) + "x"
        #expect(pattern.matches(input) == false)
        #expect(pattern.matches(input + "c") == true)
    }
}
