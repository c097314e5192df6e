/// A set of Unicode scalars a pattern atom matches: sorted ranges, Unicode properties and
/// nested classes (for `[\P{L}x]` and the like), possibly negated. ASCII membership is a
/// bitmap, since most input is ASCII.
struct ScalarClass: Sendable {
    /// Sorted, disjoint, non-adjacent ranges.
    private(set) var ranges: [ClosedRange<UInt32>] = []
    private var properties: [UnicodeProperty] = []
    private var nested: [ScalarClass] = []
    private var negated = false
    /// Membership of the 128 ASCII scalars, kept current by every change.
    private var ascii: (UInt64, UInt64) = (0, 0)

    init() {}

    init(_ ranges: [ClosedRange<UInt32>]) {
        for r in ranges { insert(r) }
    }

    init(property: UnicodeProperty) {
        properties = [property]
        refreshASCII()
    }

    /// ECMA's `.`: anything but a line terminator.
    static let dot = ScalarClass([0x0A...0x0A, 0x0D...0x0D, 0x2028...0x2029]).inverted
    static let digit = ScalarClass([0x30...0x39])
    static let word = ScalarClass([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])
    /// ECMA's WhiteSpace and LineTerminator.
    static let space = ScalarClass([0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A,
                                    0x2028...0x2029, 0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF])

    func contains(_ v: UInt32) -> Bool {
        if v < 64 { return ascii.0 & (1 << UInt64(v)) != 0 }
        if v < 128 { return ascii.1 & (1 << UInt64(v - 64)) != 0 }
        return slowContains(v)
    }

    private func slowContains(_ v: UInt32) -> Bool {
        var found = false
        // Binary search for the last range starting at or before v.
        var low = 0
        var high = ranges.count
        while low < high {
            let mid = (low + high) / 2
            if ranges[mid].lowerBound <= v { low = mid + 1 } else { high = mid }
        }
        if low > 0, ranges[low - 1].contains(v) { found = true }
        if !found, !properties.isEmpty, let scalar = Unicode.Scalar(v) {
            found = properties.contains { $0.test(scalar) }
        }
        if !found { found = nested.contains { $0.slowContains(v) } }
        return found != negated
    }

    mutating func insert(_ r: ClosedRange<UInt32>) {
        var merged = r
        var out: [ClosedRange<UInt32>] = []
        out.reserveCapacity(ranges.count + 1)
        var placed = false
        for existing in ranges {
            if existing.upperBound &+ 1 < merged.lowerBound {
                out.append(existing)
            } else if merged.upperBound &+ 1 < existing.lowerBound {
                if !placed { out.append(merged); placed = true }
                out.append(existing)
            } else {
                merged = min(existing.lowerBound, merged.lowerBound)...max(existing.upperBound, merged.upperBound)
            }
        }
        if !placed { out.append(merged) }
        ranges = out
        refreshASCII()
    }

    mutating func formUnion(_ other: ScalarClass) {
        if other.properties.isEmpty, other.nested.isEmpty, !other.negated {
            for r in other.ranges { insert(r) }
        } else {
            nested.append(other)
            refreshASCII()
        }
    }

    /// The complement; plain ranges are complemented directly, so `\D` stays a bitmap and
    /// a short list of ranges.
    var inverted: ScalarClass {
        if properties.isEmpty, nested.isEmpty, !negated {
            var complement = ScalarClass()
            var next: UInt32 = 0
            for r in ranges {
                if r.lowerBound > next { complement.ranges.append(next...(r.lowerBound - 1)) }
                next = r.upperBound &+ 1
            }
            if next <= 0x10FFFF, !(ranges.last?.upperBound == 0x10FFFF) { complement.ranges.append(next...0x10FFFF) }
            complement.refreshASCII()
            return complement
        }
        var copy = self
        copy.negated.toggle()
        copy.refreshASCII()
        return copy
    }

    private mutating func refreshASCII() {
        var bits: (UInt64, UInt64) = (0, 0)
        for v in UInt32(0)..<128 where slowContains(v) {
            if v < 64 { bits.0 |= 1 << UInt64(v) } else { bits.1 |= 1 << UInt64(v - 64) }
        }
        ascii = bits
    }
}

/// A `\p{...}` property: a general category, a binary property, or (for scripts and
/// anything else Swift knows by name) Swift's own `\p{...}` test, one scalar at a time.
struct UnicodeProperty: Sendable {
    let test: @Sendable (Unicode.Scalar) -> Bool

    init?(_ name: String) {
        var key = name
        var value: String?
        if let eq = name.firstIndex(of: "=") {
            key = String(name[..<eq])
            value = String(name[name.index(after: eq)...])
        }
        if let value {
            guard key == "General_Category" || key == "gc" else {
                guard let swift = UnicodeProperty.swiftRegex(name) else { return nil }
                test = swift
                return
            }
            key = value
        }
        if let categories = UnicodeProperty.categories[key] {
            test = { categories.contains($0.properties.generalCategory) }
            return
        }
        switch key {
        case "Any": test = { _ in true }
        case "ASCII": test = { $0.value < 0x80 }
        case "Assigned": test = { $0.properties.generalCategory != .unassigned }
        case "Alphabetic", "Alpha": test = { $0.properties.isAlphabetic }
        case "White_Space", "space": test = { $0.properties.isWhitespace }
        case "Uppercase", "Upper": test = { $0.properties.isUppercase }
        case "Lowercase", "Lower": test = { $0.properties.isLowercase }
        case "Emoji": test = { $0.properties.isEmoji }
        case "Ideographic", "Ideo": test = { $0.properties.isIdeographic }
        case "Hex_Digit", "Hex": test = { $0.properties.isHexDigit }
        case "ASCII_Hex_Digit", "AHex": test = { $0.properties.isASCIIHexDigit }
        case "ID_Start", "IDS": test = { $0.properties.isIDStart }
        case "ID_Continue", "IDC": test = { $0.properties.isIDContinue }
        case "Math": test = { $0.properties.isMath }
        case "Dash": test = { $0.properties.isDash }
        case "Diacritic", "Dia": test = { $0.properties.isDiacritic }
        case "Noncharacter_Code_Point", "NChar": test = { $0.properties.isNoncharacterCodePoint }
        default:
            guard let swift = UnicodeProperty.swiftRegex(name) else { return nil }
            test = swift
        }
    }

    /// Anything else Swift's Regex reads as `\p{name}` (scripts, `Script=Greek`): compiled
    /// once, then asked about one scalar at a time, which keeps matching linear.
    private static func swiftRegex(_ name: String) -> (@Sendable (Unicode.Scalar) -> Bool)? {
        guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "=" || $0 == " " || $0 == "-" }),
              let regex = try? Regex("^\\p{\(name)}$").matchingSemantics(.unicodeScalar) else { return nil }
        let box = RegexBox(regex: regex)
        return { scalar in (try? box.regex.wholeMatch(in: String(Character(scalar)))) != nil }
    }

    private struct RegexBox: @unchecked Sendable {
        // Regex is a value whose compiled program is immutable once built.
        let regex: Regex<AnyRegexOutput>
    }

    private static let categories: [String: Set<Unicode.GeneralCategory>] = {
        let table: [([String], [Unicode.GeneralCategory])] = [
            (["L", "Letter"], [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter]),
            (["LC", "Cased_Letter"], [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter]),
            (["Lu", "Uppercase_Letter"], [.uppercaseLetter]), (["Ll", "Lowercase_Letter"], [.lowercaseLetter]),
            (["Lt", "Titlecase_Letter"], [.titlecaseLetter]), (["Lm", "Modifier_Letter"], [.modifierLetter]),
            (["Lo", "Other_Letter"], [.otherLetter]),
            (["M", "Mark", "Combining_Mark"], [.nonspacingMark, .spacingMark, .enclosingMark]),
            (["Mn", "Nonspacing_Mark"], [.nonspacingMark]), (["Mc", "Spacing_Mark"], [.spacingMark]),
            (["Me", "Enclosing_Mark"], [.enclosingMark]),
            (["N", "Number"], [.decimalNumber, .letterNumber, .otherNumber]),
            (["Nd", "Decimal_Number", "digit"], [.decimalNumber]), (["Nl", "Letter_Number"], [.letterNumber]),
            (["No", "Other_Number"], [.otherNumber]),
            (["P", "Punctuation", "punct"], [.connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                                             .initialPunctuation, .finalPunctuation, .otherPunctuation]),
            (["Pc", "Connector_Punctuation"], [.connectorPunctuation]), (["Pd", "Dash_Punctuation"], [.dashPunctuation]),
            (["Ps", "Open_Punctuation"], [.openPunctuation]), (["Pe", "Close_Punctuation"], [.closePunctuation]),
            (["Pi", "Initial_Punctuation"], [.initialPunctuation]), (["Pf", "Final_Punctuation"], [.finalPunctuation]),
            (["Po", "Other_Punctuation"], [.otherPunctuation]),
            (["S", "Symbol"], [.mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol]),
            (["Sm", "Math_Symbol"], [.mathSymbol]), (["Sc", "Currency_Symbol"], [.currencySymbol]),
            (["Sk", "Modifier_Symbol"], [.modifierSymbol]), (["So", "Other_Symbol"], [.otherSymbol]),
            (["Z", "Separator"], [.spaceSeparator, .lineSeparator, .paragraphSeparator]),
            (["Zs", "Space_Separator"], [.spaceSeparator]), (["Zl", "Line_Separator"], [.lineSeparator]),
            (["Zp", "Paragraph_Separator"], [.paragraphSeparator]),
            (["C", "Other"], [.control, .format, .surrogate, .privateUse, .unassigned]),
            (["Cc", "Control", "cntrl"], [.control]), (["Cf", "Format"], [.format]), (["Cs", "Surrogate"], [.surrogate]),
            (["Co", "Private_Use"], [.privateUse]), (["Cn", "Unassigned"], [.unassigned]),
        ]
        var map: [String: Set<Unicode.GeneralCategory>] = [:]
        for (names, categories) in table { for n in names { map[n] = Set(categories) } }
        return map
    }()
}
