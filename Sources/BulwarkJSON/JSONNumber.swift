/// An exact JSON number.
///
/// JSON numbers are decimal and unbounded; a `Double` loses integers beyond 2^53 and
/// decimals such as 0.1. This type keeps the exact value: small integers as `Int64`, and
/// everything else as a normalised decimal `±digits × 10^exponent`. Equal values compare
/// equal whatever their spelling (`1`, `1.0` and `10e-1` are one number).
public struct JSONNumber: Sendable, Hashable {
    enum Storage: Sendable, Hashable {
        case int(Int64)
        /// Never zero, never an integer that fits `Int64`; `digits` are 0...9 with no
        /// leading or trailing zeros.
        case decimal(negative: Bool, digits: [UInt8], exponent: Int)
    }

    let storage: Storage

    public init(_ value: Int) { storage = .int(Int64(value)) }
    public init(_ value: Int64) { storage = .int(value) }

    /// The shortest decimal that reads back as `value`. Non-finite values become 0 (JSON
    /// has no infinities).
    public init(_ value: Double) {
        guard value.isFinite else { self.init(0); return }
        if value == value.rounded(), abs(value) < 9.2e18 { self.init(Int64(value)); return }
        self = JSONNumber(parsing: "\(value)") ?? JSONNumber(0)
    }

    /// Build from sign, decimal digits (values 0...9) and a power of ten, normalising.
    init(negative: Bool, digits: [UInt8], exponent: Int) {
        var start = 0
        while start < digits.count, digits[start] == 0 { start += 1 }
        var end = digits.count
        var exponent = exponent
        while end > start, digits[end - 1] == 0 { end -= 1; exponent += 1 }
        if start == end { storage = .int(0); return }
        let significant = Array(digits[start..<end])
        // An integer that fits Int64 takes the fast representation.
        if exponent >= 0, significant.count + exponent <= 18 {
            var value: Int64 = 0
            for d in significant { value = value * 10 + Int64(d) }
            for _ in 0..<exponent { value *= 10 }
            storage = .int(negative ? -value : value)
            return
        }
        if exponent >= 0, significant.count + exponent == 19 {
            var value: Int64 = 0
            var overflow = false
            for d in significant + [UInt8](repeating: 0, count: exponent) {
                let (m, o1) = value.multipliedReportingOverflow(by: 10)
                let (a, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
                if o1 || o2 { overflow = true; break }
                value = a
            }
            if !overflow { storage = .int(value); return }
        }
        storage = .decimal(negative: negative, digits: significant, exponent: exponent)
    }

    /// Parse JSON number text (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`); nil if
    /// it is not one. Also accepts the `Double` spellings Swift prints (e.g. `1e-05`).
    public init?(parsing text: String) {
        var bytes = Array(text.utf8)
        guard let n = bytes.withUnsafeMutableBufferPointer({ JSONNumber.parse($0.baseAddress!, count: $0.count) }) else {
            return nil
        }
        self = n
    }

    /// The largest power of ten a number may have, either way. Beyond it a number is
    /// refused rather than clamped: a clamped exponent would not read back as written,
    /// and arithmetic on such numbers (`multipleOf`) must stay bounded.
    public static let exponentLimit = 1_000_000_000

    static func parse(_ p: UnsafePointer<UInt8>, count: Int) -> JSONNumber? {
        if case .number(let n) = parseText(p, count: count) { return n }
        return nil
    }

    enum ParseOutcome {
        case number(JSONNumber)
        case invalid
        /// Number text whose value's exponent is beyond ``exponentLimit``.
        case outOfRange
    }

    static func parseText(_ p: UnsafePointer<UInt8>, count: Int) -> ParseOutcome {
        var i = 0
        var negative = false
        if i < count, p[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var digits: [UInt8] = []
        var exponent = 0
        let intStart = i
        while i < count, p[i] >= 48, p[i] <= 57 { digits.append(p[i] - 48); i += 1 }
        if i == intStart { return .invalid }
        if i < count, p[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < count, p[i] >= 48, p[i] <= 57 { digits.append(p[i] - 48); i += 1 }
            if i == fracStart { return .invalid }
            exponent -= i - fracStart
        }
        var saturated = false
        if i < count, p[i] == UInt8(ascii: "e") || p[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < count, p[i] == UInt8(ascii: "+") || p[i] == UInt8(ascii: "-") {
                expNegative = p[i] == UInt8(ascii: "-"); i += 1
            }
            let expStart = i
            var e = 0
            while i < count, p[i] >= 48, p[i] <= 57 {
                // Exactly, up to far past the limit; past that the number is out of range
                // whatever its digits (they move the exponent by at most their count).
                if e < 1_000_000_000_000_000 { e = e * 10 + Int(p[i] - 48) } else { saturated = true }
                i += 1
            }
            if i == expStart { return .invalid }
            exponent += expNegative ? -e : e
        }
        if i != count { return .invalid }
        if saturated { return .outOfRange }
        let number = JSONNumber(negative: negative, digits: digits, exponent: exponent)
        // The limit applies to the normalised value, so what is written reads back.
        if case .decimal(_, _, let normalised) = number.storage, abs(normalised) > exponentLimit { return .outOfRange }
        return .number(number)
    }

    /// Whether the value is a whole number (`1.0` is).
    public var isInteger: Bool {
        switch storage {
        case .int: true
        case .decimal(_, _, let exponent): exponent >= 0
        }
    }

    public var isNegative: Bool {
        switch storage {
        case .int(let v): v < 0
        case .decimal(let negative, _, _): negative
        }
    }

    public var isZero: Bool { storage == .int(0) }

    /// The value as `Int64` when it is an integer that fits.
    public var int64Value: Int64? {
        if case .int(let v) = storage { return v }
        return nil
    }

    /// The value as `Int` when it is an integer that fits.
    public var intValue: Int? { int64Value.map { Int($0) } }

    /// The nearest `Double` (may be infinite for huge values).
    public var doubleValue: Double {
        switch storage {
        case .int(let v): return Double(v)
        case .decimal: return Double(description) ?? .nan
        }
    }

    /// Sign, digits and exponent of the value, whatever its storage.
    var decimalParts: (negative: Bool, digits: [UInt8], exponent: Int) {
        switch storage {
        case .decimal(let negative, let digits, let exponent):
            return (negative, digits, exponent)
        case .int(let v):
            if v == 0 { return (false, [], 0) }
            var magnitude = v.magnitude
            var digits: [UInt8] = []
            while magnitude > 0 { digits.append(UInt8(magnitude % 10)); magnitude /= 10 }
            var exponent = 0
            var start = 0
            while digits[start] == 0 { start += 1; exponent += 1 }
            return (v < 0, Array(digits[start...].reversed()), exponent)
        }
    }
}

extension JSONNumber: Comparable {
    public static func < (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if case .int(let a) = lhs.storage, case .int(let b) = rhs.storage { return a < b }
        let a = lhs.decimalParts
        let b = rhs.decimalParts
        let aSign = a.digits.isEmpty ? 0 : (a.negative ? -1 : 1)
        let bSign = b.digits.isEmpty ? 0 : (b.negative ? -1 : 1)
        if aSign != bSign { return aSign < bSign }
        if aSign == 0 { return false }
        let magnitudeOrder = compareMagnitude(a.digits, a.exponent, b.digits, b.exponent)
        return aSign > 0 ? magnitudeOrder < 0 : magnitudeOrder > 0
    }

    /// -1, 0, 1 comparing |a| with |b| (both non-zero, normalised).
    static func compareMagnitude(_ ad: [UInt8], _ ae: Int, _ bd: [UInt8], _ be: Int) -> Int {
        // The position of the leading digit decides first.
        let aLead = ad.count + ae
        let bLead = bd.count + be
        if aLead != bLead { return aLead < bLead ? -1 : 1 }
        let n = max(ad.count, bd.count)
        for i in 0..<n {
            let x = i < ad.count ? ad[i] : 0
            let y = i < bd.count ? bd[i] : 0
            if x != y { return x < y ? -1 : 1 }
        }
        return 0
    }
}

extension JSONNumber {
    /// Whether `self` is an integer multiple of `divisor` (which must be positive),
    /// exactly, with no floating point rounding.
    public func isMultiple(of divisor: JSONNumber) -> Bool {
        if case .int(let a) = storage, case .int(let b) = divisor.storage, b != 0 {
            return a % b == 0
        }
        let a = decimalParts
        let b = divisor.decimalParts
        if a.digits.isEmpty { return true }
        if b.digits.isEmpty { return false }
        // a = A × 10^ea and b = B × 10^eb, with A and B free of trailing zeros. When
        // ea < eb, a / b = A / (B × 10^(eb-ea)) needs 10 | A: never. Else a / b is an
        // integer exactly when B | A × 10^k, k = ea - eb. Write B = 2^x 5^y C with C prime
        // to 10: that holds when C | A and 2^x, 5^y divide A × 10^k, which for every
        // k ≥ max(x, y) is the same as for k = max(x, y); x and y are below 4 × B's digit
        // count, so k is capped there and the work is bounded by the digits alone.
        if a.exponent < b.exponent { return false }
        let zeros = min(a.exponent - b.exponent, 4 * b.digits.count + 4)
        if b.digits.count <= 19 {
            var m: UInt64 = 0
            for d in b.digits { m = m * 10 + UInt64(d) }
            var r: UInt64 = 0
            func push(_ d: UInt8) {
                let (high, low) = r.multipliedFullWidth(by: 10)
                let (sum, carry) = low.addingReportingOverflow(UInt64(d))
                r = m.dividingFullWidth((high + (carry ? 1 : 0), sum)).remainder
            }
            for d in a.digits { push(d) }
            for _ in 0..<zeros where r != 0 { push(0) }
            return r == 0
        }
        return Self.remainderIsZero(a.digits + [UInt8](repeating: 0, count: zeros), b.digits)
    }

    /// Schoolbook long division on decimal digit arrays; only for divisors beyond 64 bits.
    static func remainderIsZero(_ dividend: [UInt8], _ divisor: [UInt8]) -> Bool {
        var remainder: [UInt8] = []
        for d in dividend {
            remainder.append(d)
            while let first = remainder.first, first == 0, remainder.count > 1 { remainder.removeFirst() }
            while compareMagnitude(remainder, 0, divisor, 0) >= 0 {
                remainder = subtract(remainder, divisor)
            }
        }
        return remainder.allSatisfy { $0 == 0 }
    }

    static func subtract(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        var result = a
        var borrow = 0
        for i in 0..<result.count {
            let ai = result.count - 1 - i
            let bi = b.count - 1 - i
            var v = Int(result[ai]) - borrow - (bi >= 0 ? Int(b[bi]) : 0)
            borrow = 0
            if v < 0 { v += 10; borrow = 1 }
            result[ai] = UInt8(v)
        }
        while let first = result.first, first == 0, result.count > 1 { result.removeFirst() }
        return result
    }
}

extension JSONNumber: CustomStringConvertible {
    /// JSON text for the number: integers plainly unless they end in more than 21 zeros,
    /// other values plainly when short and in exponent form (`1.5e+300`) otherwise.
    public var description: String {
        switch storage {
        case .int(let v):
            return String(v)
        case .decimal(let negative, let digits, let exponent):
            let ds = String(decoding: digits.map { $0 + 48 }, as: UTF8.self)
            let sign = negative ? "-" : ""
            let pointPosition = digits.count + exponent  // digits before the point
            if exponent >= 0, exponent <= 21 {
                return sign + ds + String(repeating: "0", count: exponent)
            }
            if exponent < 0, pointPosition > 0 {
                let index = ds.index(ds.startIndex, offsetBy: pointPosition)
                return sign + ds[..<index] + "." + ds[index...]
            }
            if exponent < 0, pointPosition > -6 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + ds
            }
            let mantissa = digits.count == 1 ? ds : String(ds.prefix(1)) + "." + ds.dropFirst()
            let e = pointPosition - 1
            return sign + mantissa + (e < 0 ? "e-" : "e+") + String(e.magnitude)
        }
    }
}
