/// A compiled `pattern` / `patternProperties` regular expression (ECMA-262 dialect, as
/// JSON Schema specifies, approximated with Swift's Regex: unanchored search, Unicode
/// scalar semantics, ASCII-only `\d` and `\w`).
struct Pattern: @unchecked Sendable {
    let source: String
    private let regex: Regex<AnyRegexOutput>

    init(_ source: String) throws {
        self.source = source
        regex = try Regex(Pattern.translate(source))
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyDigits()
            .asciiOnlyWordCharacters()
    }

    func matches(_ string: String) -> Bool {
        (try? regex.firstMatch(in: string)) != nil
    }

    /// ECMA-262 spellings Swift's Regex reads differently.
    static func translate(_ source: String) -> String {
        // \cX control escapes, \p{L} with ECMA's names, and "\/" are read alike; "\Z"-style
        // PCRE anchors do not occur in ECMA patterns. Only "$" differs: ECMA's matches at
        // the very end, never before a final newline.
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
}
