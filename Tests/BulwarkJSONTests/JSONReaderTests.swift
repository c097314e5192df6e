import BulwarkJSON
import Testing

/// The reader's reuse (scratch stacks, cache of short strings) and the parser's
/// word-at-a-time string scanning, checked against plainly built values.
@Suite struct JSONReaderTests {
    /// Strings of every length around the scanner's 8-byte words and the cache's 16-byte
    /// limit, with the byte that ends a run (quote, backslash, control) at every position.
    @Test func stringsOfEveryLengthAndEndingByteParseExactly() throws {
        let reader = JSONReader()
        for length in 0...40 {
            let plain = String((0..<length).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) })
            // Parsed twice by one reader: once made, once from its cache.
            for _ in 0..<2 {
                #expect(try reader.parse(bytes: Array("\"\(plain)\"".utf8)) == .string(plain))
                #expect(try JSON.parse("\"\(plain)\"") == .string(plain))
            }
            // The same text at the end of the buffer (no bytes after the closing quote) and
            // with a long tail after it.
            #expect(try reader.parse(bytes: Array("[\"\(plain)\"]".utf8)) == [.string(plain)])
            #expect(try reader.parse(bytes: Array("[\"\(plain)\",                \"x\"]".utf8)) == [.string(plain), "x"])
            for position in 0..<length {
                var escaped = Array(plain.utf8)
                escaped.replaceSubrange(position..<(position + 1), with: Array(#"\""#.utf8))
                var expected = Array(plain.utf8)
                expected[position] = UInt8(ascii: "\"")
                #expect(try reader.parse(bytes: [0x22] + escaped + [0x22]) == .string(String(decoding: expected, as: UTF8.self)))

                var control = Array(plain.utf8)
                control[position] = 0x01
                #expect(throws: JSONParseError(message: "control character U+0001 must be escaped in a string",
                                               line: 1, column: position + 2, offset: position + 1)) {
                    try reader.parse(bytes: [0x22] + control + [0x22])
                }
            }
        }
    }

    /// Two strings that share their first (or last) eight bytes, or differ only in
    /// length, are never taken for one another by the cache.
    @Test func theStringCacheTellsSimilarStringsApart() throws {
        let reader = JSONReader()
        let names = ["a", "b", "ab", "abcdefgh", "abcdefghi", "abcdefghj", "xbcdefghi", "abcdefgh12345678",
                     "abcdefgh1234567", "bcdefgh12345678", "abcdefgh123456789", "\u{0}", "é", "ée", "12345678é"]
        var text = "["
        for round in 0..<3 {
            for name in names {
                text += JSON.string(name).serialized() + ","
                _ = round
            }
        }
        text += "0]"
        let parsed = try reader.parse(bytes: Array(text.utf8))
        let again = try reader.parse(bytes: Array(text.utf8))
        let expected = JSON.array(Array(repeating: names.map { JSON.string($0) }, count: 3).flatMap { $0 } + [0])
        #expect(parsed == expected)
        #expect(again == expected)
        guard case .array(let items) = again else { return }
        for (item, name) in zip(items, names + names + names) {
            #expect(item.stringValue.map { Array($0.unicodeScalars) } == Array(name.unicodeScalars))
        }
    }

    /// A reader goes on after a document it refused, with nothing of it left behind.
    @Test func aReaderRecoversFromAnError() throws {
        let reader = JSONReader()
        let bad = Array(#"{"a": [1, 2, {"b": [3, {"c": "#.utf8)
        #expect(throws: JSONParseError.self) { try reader.parse(bytes: bad) }
        #expect(throws: JSONParseError.self) { try reader.parse(bytes: Array(#"{"a": 1, "a": 2}"#.utf8)) }
        #expect(try reader.parse(bytes: Array(#"{"x": [1, {"y": 2}], "z": []}"#.utf8)) == ["x": [1, ["y": 2]], "z": []])
    }

    /// Duplicate names are found in objects small (scanned) and large (hashed), and
    /// `lastWins` keeps the first position with the last value.
    @Test func duplicateKeysInObjectsOfEverySize() throws {
        for size in [2, 8, 15, 16, 17, 40, 300] {
            let members = (0..<size).map { "\"k\($0)\": \($0)" }
            for duplicate in [0, size / 2, size - 1] {
                let text = "{" + (members + ["\"k\(duplicate)\": -1"]).joined(separator: ", ") + "}"
                let keyOffset = text.utf8.count - "\"k\(duplicate)\": -1}".utf8.count
                #expect(throws: JSONParseError(message: "duplicate key \"k\(duplicate)\" in an object",
                                               line: 1, column: keyOffset + 1, offset: keyOffset)) {
                    try JSON.parse(text)
                }
                let kept = try #require(JSON.parse(text, options: .init(duplicateKeys: .lastWins)).objectValue)
                #expect(kept.count == size)
                #expect(kept.keys == (0..<size).map { "k\($0)" })
                #expect(kept["k\(duplicate)"] == -1)
                #expect(kept["k\((duplicate + 1) % size)"] == .number(JSONNumber((duplicate + 1) % size)))
            }
            let distinct = try #require(JSON.parse("{" + members.joined(separator: ", ") + "}").objectValue)
            #expect(distinct.count == size)
            for i in 0..<size { #expect(distinct["k\(i)"] == .number(JSONNumber(i))) }
            #expect(distinct["k\(size)"] == nil)
        }
    }

    /// Names that differ only by Unicode normalisation are two names (JSON compares code
    /// points), in small and large objects alike.
    @Test func namesAreComparedByCodePoints() throws {
        let small = try #require(JSON.parse(#"{"\u00e9": 1, "e\u0301": 2}"#).objectValue)
        #expect(small.count == 2)
        let filler = (0..<20).map { "\"f\($0)\": 0" }.joined(separator: ", ")
        let large = try #require(JSON.parse(#"{"# + filler + #", "\u00e9": 1, "e\u0301": 2}"#).objectValue)
        #expect(large.count == 22)
        #expect(large["\u{e9}"] == 1)
        #expect(large["e\u{301}"] == 2)
    }

    /// Deep nesting on the shared stacks: arrays in objects in arrays, each level's
    /// elements kept apart from its parent's.
    @Test func nestedContainersKeepTheirOwnElements() throws {
        var text = "0"
        var expected: JSON = 0
        for depth in 1...200 {
            text = depth % 2 == 0 ? "[\(depth), \(text), \"s\(depth)\"]" : "{\"d\": \(depth), \"in\": \(text)}"
            expected = depth % 2 == 0 ? [.number(JSONNumber(depth)), expected, .string("s\(depth)")]
                                      : ["d": .number(JSONNumber(depth)), "in": expected]
        }
        let reader = JSONReader()
        #expect(try reader.parse(bytes: Array(text.utf8)) == expected)
        #expect(try reader.parse(bytes: Array(text.utf8)) == expected)
    }
}
