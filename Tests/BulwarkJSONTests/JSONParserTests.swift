import BulwarkJSON
import Testing

@Suite struct JSONParserTests {
    @Test func scalarsAndStructure() throws {
        let json = try JSON.parse(#" {"a": [1, -2.5, true, false, null, "x"], "b": {}} "#)
        #expect(json == ["a": [1, -2.5, true, false, nil, "x"], "b": [:]])
        #expect(json.serialized() == #"{"a":[1,-2.5,true,false,null,"x"],"b":{}}"#)
    }

    @Test func exactIntegersBeyondDoublePrecision() throws {
        let big = try JSON.parse("[9007199254740993, 123456789012345678901234567890, -9223372036854775808]")
        #expect(big.serialized() == "[9007199254740993,123456789012345678901234567890,-9223372036854775808]")
        #expect(big[0]?.numberValue?.int64Value == 9_007_199_254_740_993)
        #expect(big[0] != (try JSON.parse("9007199254740992")))
    }

    @Test func decimalsAreExact() throws {
        #expect(try JSON.parse("1.0") == JSON.parse("1"))
        #expect(try JSON.parse("10e-1") == JSON.parse("1"))
        #expect(try JSON.parse("0.1").serialized() == "0.1")
        #expect(try JSON.parse("1e400").serialized() == "1e+400")
        #expect(try JSON.parse("-0.000001").serialized() == "-0.000001")
        let a = try #require(JSON.parse("0.3").numberValue)
        let b = try #require(JSON.parse("0.1").numberValue)
        #expect(a.isMultiple(of: b))
        #expect(try #require(JSON.parse("0.0075").numberValue).isMultiple(of: JSONNumber(parsing: "0.0001")!))
        #expect(!(try #require(JSON.parse("0.00751").numberValue).isMultiple(of: JSONNumber(parsing: "0.0001")!)))
        #expect(!(try #require(JSON.parse("1e308").numberValue).isMultiple(of: JSONNumber(parsing: "0.123456789")!)))
        #expect(JSONNumber(parsing: "1e-5")! < JSONNumber(parsing: "0.0001")!)
        #expect(JSONNumber(parsing: "-1e400")! < JSONNumber(-5))
        #expect(JSONNumber(parsing: "123456789012345678901")! > JSONNumber(Int64.max))
    }

    /// Powers of ten past ±10^9 are refused by name (found by fuzzing: they used to be
    /// clamped, so the number written did not read back); up to it they round-trip.
    @Test func exponentsBeyondTheLimitAreRefused() throws {
        for text in ["1e1000000000", "-1.5e-1000000000", "123e999999998", "1e1000000000.0e0"] {
            if let value = try? JSON.parse(text) {
                #expect(try JSON.parse(value.serialized()) == value, "\(text) reads back")
            }
        }
        #expect(try JSON.parse("1e1000000000").serialized() == "1e+1000000000")
        #expect(throws: JSONParseError(message: "number out of range: its power of ten is beyond ±1000000000", line: 1, column: 2, offset: 1)) {
            try JSON.parse("[1e1000000001]")
        }
        #expect(throws: JSONParseError.self) { try JSON.parse("10e1000000000") }
        #expect(throws: JSONParseError.self) { try JSON.parse("999999999393145299999e9999999999999314514529999999999999999993145224192920") }
        #expect(throws: JSONParseError.self) { try JSON.parse("1e-1000000001") }
        #expect(JSONNumber(parsing: "1e1000000001") == nil)
    }

    /// `multipleOf` is exact for any exponent and costs no more than the digits: a huge
    /// power of ten is never spelt out.
    @Test func multiplesWithHugeExponentsAreExactAndBounded() throws {
        func n(_ text: String) throws -> JSONNumber { try #require(JSONNumber(parsing: text)) }
        #expect(try !n("1e-999999999").isMultiple(of: n("0.01")))
        #expect(try n("1e999999999").isMultiple(of: n("0.01")))
        #expect(try n("1e999999999").isMultiple(of: n("2")))
        #expect(try !n("1e999999999").isMultiple(of: n("7")))
        #expect(try n("1e9").isMultiple(of: n("1.6")))
        #expect(try !n("1e2").isMultiple(of: n("1.6")))
        // 2^70, beyond 64 bits: 10^100 is a multiple of it, 10^60 is not.
        #expect(try n("1e100").isMultiple(of: n("1180591620717411303424")))
        #expect(try !n("1e60").isMultiple(of: n("1180591620717411303424")))
        #expect(try n("1e999999999").isMultiple(of: n("1180591620717411303424")))
        #expect(try n("3e999999999").isMultiple(of: n("1180591620717411303424e3")))
    }

    @Test func escapesAndSurrogatePairs() throws {
        let s = try JSON.parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#)
        #expect(s == .string("a\"b\\c/d\u{8}\u{c}\n\r\té😀"))
        #expect(JSON.string("a\"\n\u{1}").serialized() == #""a\"\n\u0001""#)
    }

    @Test func errorsSayWhere() {
        #expect(throws: JSONParseError(message: "unexpected '}'; expected a value", line: 3, column: 8, offset: 19)) {
            try JSON.parse("{\n  \"a\": 1,\n  \"b\": }")
        }
        #expect(throws: JSONParseError(message: "duplicate key \"a\" in an object", line: 1, column: 10, offset: 9)) {
            try JSON.parse(#"{"a": 1, "a": 2}"#)
        }
        #expect(throws: JSONParseError(message: "lone high surrogate \\uD800 (a \\uDC00-\\uDFFF escape must follow)", line: 1, column: 2, offset: 1)) {
            try JSON.parse(#""\ud800x""#)
        }
        #expect(throws: JSONParseError(message: "invalid number: leading zeros are not allowed", line: 1, column: 1, offset: 0)) {
            try JSON.parse("012")
        }
        #expect(throws: JSONParseError(message: "unexpected 'x' after the JSON value", line: 1, column: 3, offset: 2)) {
            try JSON.parse("1 x")
        }
        #expect(throws: JSONParseError(message: "control character U+000A must be escaped in a string", line: 1, column: 3, offset: 2)) {
            try JSON.parse("\"a\nb\"")
        }
        #expect(throws: JSONParseError(message: "the document is empty; expected a JSON value", line: 1, column: 3, offset: 2)) {
            try JSON.parse("  ")
        }
    }

    @Test func duplicateKeysCanBeAllowed() throws {
        let json = try JSON.parse(#"{"a": 1, "a": 2}"#, options: .init(duplicateKeys: .lastWins))
        #expect(json == ["a": 2])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError(message: "nesting deeper than 512 levels", line: 1, column: 513, offset: 512)) {
            try JSON.parse(deep)
        }
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect((try? JSON.parse(ok)) != nil)
    }

    @Test func objectsCompareWithoutOrderButKeepIt() throws {
        let a = try JSON.parse(#"{"z": 1, "a": 2}"#)
        let b = try JSON.parse(#"{"a": 2, "z": 1}"#)
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a.serialized() == #"{"z":1,"a":2}"#)
        #expect(a.serialized(.init(sortedKeys: true)) == #"{"a":2,"z":1}"#)
        #expect(JSON.object(JSONObject()).serialized(.init(pretty: true)) == "{}")
        #expect(b.serialized(.init(pretty: true)) == "{\n  \"a\": 2,\n  \"z\": 1\n}")
    }

    @Test func invalidUTF8IsRejected() {
        let bytes: [UInt8] = [0x22, 0xFF, 0x22]
        #expect(throws: JSONParseError(message: "invalid UTF-8 in a string", line: 1, column: 2, offset: 1)) {
            try JSON.parse(bytes: bytes)
        }
    }
}
