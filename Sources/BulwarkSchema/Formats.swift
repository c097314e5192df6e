import BulwarkJSON

/// `format` checks, used when formats are assertions. Each returns nil for a valid value
/// (or a value of another type) and a message otherwise. Unknown formats pass.
enum Formats {
    static func check(_ format: String, _ value: JSON) -> String? {
        guard case .string(let s) = value else { return nil }
        let ok: Bool
        switch format {
        case "date-time": ok = isDateTime(s)
        case "date": ok = isDate(s)
        case "time": ok = isTime(s)
        case "email", "idn-email": ok = isEmail(s)
        case "hostname", "idn-hostname": ok = isHostname(s)
        case "ipv4": ok = isIPv4(s)
        case "ipv6": ok = isIPv6(s)
        case "uri": ok = isURI(s, requireScheme: true)
        case "uri-reference", "iri-reference": ok = isURI(s, requireScheme: false)
        case "iri": ok = isURI(s, requireScheme: true)
        case "uuid": ok = isUUID(s)
        case "regex": ok = (try? Pattern(s)) != nil
        case "json-pointer": ok = isJSONPointer(s)
        case "relative-json-pointer": ok = isRelativeJSONPointer(s)
        case "duration": ok = isDuration(s)
        default: return nil
        }
        return ok ? nil : "is not a valid \(format): \(describe(value))"
    }

    static func digits(_ s: Substring, _ count: Int) -> Int? {
        guard s.count == count, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }

    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let y = digits(parts[0], 4), let m = digits(parts[1], 2), let d = digits(parts[2], 2),
              (1...12).contains(m), d >= 1 else { return false }
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return d <= days[m - 1]
    }

    static func isTime(_ s: String) -> Bool {
        // hh:mm:ss[.frac](Z|±hh:mm), leap second only at 23:59:60 UTC.
        let u = Array(s.uppercased())
        guard u.count >= 9, u[2] == ":", u[5] == ":",
              let h = Int(String(u[0..<2])), let m = Int(String(u[3..<5])), let sec = Int(String(u[6..<8])),
              u[0..<8].filter(\.isNumber).count == 6 else { return false }
        var i = 8
        if i < u.count, u[i] == "." {
            i += 1
            let start = i
            while i < u.count, u[i].isASCII, u[i].isNumber { i += 1 }
            if i == start { return false }
        }
        guard i < u.count else { return false }
        var offsetMinutes = 0
        if u[i] == "Z" {
            guard i + 1 == u.count else { return false }
        } else if u[i] == "+" || u[i] == "-" {
            let rest = u[(i + 1)...]
            guard rest.count == 5, rest[rest.startIndex + 2] == ":",
                  let oh = Int(String(rest.prefix(2))), let om = Int(String(rest.suffix(2))),
                  rest.filter(\.isNumber).count == 4, oh <= 23, om <= 59 else { return false }
            offsetMinutes = (oh * 60 + om) * (u[i] == "+" ? 1 : -1)
        } else {
            return false
        }
        guard h <= 23, m <= 59, sec <= 60 else { return false }
        if sec == 60 {
            let utc = ((h * 60 + m - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    static func isDateTime(_ s: String) -> Bool {
        guard let t = s.firstIndex(where: { $0 == "T" || $0 == "t" }) else { return false }
        return isDate(String(s[..<t])) && isTime(String(s[s.index(after: t)...]))
    }

    static func isEmail(_ s: String) -> Bool {
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        guard !local.isEmpty, !domain.isEmpty else { return false }
        if local.hasPrefix("\""), local.hasSuffix("\""), local.count >= 2 {
            // A quoted local part may hold dots and spaces, but no bare quote.
            guard !local.dropFirst().dropLast().contains("\"") else { return false }
        } else {
            guard !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
                  !local.contains(where: { $0 == " " || $0 == "@" || $0 == "\"" || $0 == "," }) else { return false }
        }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            let inner = domain.dropFirst().dropLast()
            if inner.lowercased().hasPrefix("ipv6:") { return isIPv6(String(inner.dropFirst(5))) }
            return isIPv4(String(inner))
        }
        return isHostname(String(domain))
    }

    /// RFC 1123 host names, ASCII only (internationalised names must arrive as A-labels;
    /// their Punycode is not decoded).
    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 253, s.allSatisfy(\.isASCII) else { return false }
        for label in s.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 63, !label.hasPrefix("-"), !label.hasSuffix("-") else { return false }
            guard label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return false }
        }
        return true
    }

    static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard (1...3).contains(p.count), p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(p), v <= 255 else { return false }
            if p.count > 1, p.hasPrefix("0") { return false }
        }
        return true
    }

    static func isIPv6(_ s: String) -> Bool {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII }), !s.contains("%") else { return false }
        var text = Substring(s)
        var groupsNeeded = 8
        // An embedded IPv4 address counts as two groups.
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard isIPv4(String(text[text.index(after: lastColon)...])) else { return false }
            text = text[...lastColon]
            if !text.hasSuffix("::") { text = text.dropLast() }
            groupsNeeded = 6
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return false }
        func groups(_ part: Substring) -> Int? {
            if part.isEmpty { return 0 }
            var n = 0
            for g in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(g.count), g.allSatisfy(\.isHexDigit) else { return nil }
                n += 1
            }
            return n
        }
        if halves.count == 2 {
            guard let a = groups(halves[0]), let b = groups(halves[1]) else { return false }
            return a + b < groupsNeeded
        }
        return groups(text) == groupsNeeded
    }

    static func isURI(_ s: String, requireScheme: Bool) -> Bool {
        guard !s.isEmpty || !requireScheme else { return false }
        for c in s.unicodeScalars {
            if c.value <= 0x20 || "<>\"{}|\\^`".unicodeScalars.contains(c) { return false }
        }
        let reference = URIReference(s)
        if requireScheme {
            guard let scheme = reference.scheme, let first = scheme.first, first.isLetter else { return false }
            if let authority = reference.authority, authority.contains("["), !authority.contains("]") { return false }
        }
        // Percent escapes must be complete.
        let bytes = Array(s.utf8)
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "%") {
            guard i + 2 < bytes.count, Character(Unicode.Scalar(bytes[i + 1])).isHexDigit,
                  Character(Unicode.Scalar(bytes[i + 2])).isHexDigit else { return false }
        }
        if !requireScheme, reference.scheme == nil, let colon = s.firstIndex(of: ":"),
           !s[..<colon].contains("/"), !s[..<colon].contains("?"), !s[..<colon].contains("#") {
            return false
        }
        return true
    }

    static func isUUID(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        return parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    static func isJSONPointer(_ s: String) -> Bool {
        if s.isEmpty { return true }
        guard s.hasPrefix("/") else { return false }
        var chars = s[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if c == "~" {
                guard let next = chars.first, next == "0" || next == "1" else { return false }
                chars = chars.dropFirst()
            }
        }
        return true
    }

    static func isRelativeJSONPointer(_ s: String) -> Bool {
        let digitsPart = s.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digitsPart.isEmpty, digitsPart == "0" || !digitsPart.hasPrefix("0") else { return false }
        let rest = s.dropFirst(digitsPart.count)
        return rest == "#" || isJSONPointer(String(rest))
    }

    /// RFC 3339 appendix A durations: P, then Y/M/D parts that are contiguous (no "P1Y1D"),
    /// then T and H/M/S parts that are contiguous; or weeks alone.
    static func isDuration(_ s: String) -> Bool {
        var chars = Array(s)
        guard chars.first == "P", chars.count > 1 else { return false }
        chars.removeFirst()
        if chars.last == "W" {
            return chars.count > 1 && chars.dropLast().allSatisfy { $0.isASCII && $0.isNumber }
        }
        func contiguous(_ part: ArraySlice<Character>, _ order: [Character]) -> Bool {
            var designators: [Character] = []
            var digits = 0
            for c in part {
                if c.isASCII, c.isNumber { digits += 1; continue }
                guard digits > 0 else { return false }
                designators.append(c)
                digits = 0
            }
            guard digits == 0, !designators.isEmpty, let first = order.firstIndex(of: designators[0]),
                  first + designators.count <= order.count else { return false }
            return Array(order[first..<(first + designators.count)]) == designators
        }
        let t = chars.firstIndex(of: "T")
        let datePart = chars[..<(t ?? chars.count)]
        if !datePart.isEmpty, !contiguous(datePart, ["Y", "M", "D"]) { return false }
        if let t {
            return contiguous(chars[(t + 1)...], ["H", "M", "S"])
        }
        return !datePart.isEmpty
    }
}

extension Substring {
    func components(separatedBy separator: String) -> [Substring] {
        var result: [Substring] = []
        var rest = self
        while let range = rest.range(of: separator) {
            result.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        result.append(rest)
        return result
    }
}
