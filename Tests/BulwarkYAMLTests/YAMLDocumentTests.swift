import BulwarkJSON
import BulwarkYAML
import Testing

@Suite struct YAMLDocumentTests {
    @Test func typesAndPositions() throws {
        let doc = try YAMLDocument.parse("""
            id: 7b1a
            enabled: true
            count: 12
            ratio: 0.5
            hex: 0x1F
            none: ~
            quoted: "true"
            plugins:
              - name: noop
                options: {a: 1}
              - name: other
            """)
        #expect(doc.json == [
            "id": "7b1a", "enabled": true, "count": 12, "ratio": 0.5, "hex": 31, "none": nil, "quoted": "true",
            "plugins": [["name": "noop", "options": ["a": 1]], ["name": "other"]],
        ])
        #expect(doc.positions["/plugins/1/name"] == SourcePosition(line: 11, column: 11))
        #expect(doc.position(of: "/plugins/0/options/a") == SourcePosition(line: 10, column: 18))
        #expect(doc.position(of: "/plugins/0/missing") == SourcePosition(line: 9, column: 5))
    }

    @Test func anchorsAndAliases() throws {
        let doc = try YAMLDocument.parse("base: &b {x: 1}\ncopy: *b\n")
        #expect(doc.json == ["base": ["x": 1], "copy": ["x": 1]])
    }

    @Test func errorsSayWhere() {
        #expect(throws: YAMLError(message: "duplicate key \"a\"", position: SourcePosition(line: 2, column: 1))) {
            try YAMLDocument.parse("a: 1\na: 2\n")
        }
        #expect(throws: YAMLError(message: "did not find expected ',' or ']' (while parsing a flow sequence)", position: SourcePosition(line: 2, column: 1))) {
            try YAMLDocument.parse("a: [1, 2\n")
        }
        #expect(throws: YAMLError(message: ".inf has no JSON equivalent; quote it to make it a string", position: SourcePosition(line: 1, column: 4))) {
            try YAMLDocument.parse("a: .inf\n")
        }
        #expect(throws: YAMLError(message: "more than one YAML document; a file holds one", position: SourcePosition(line: 2, column: 1))) {
            try YAMLDocument.parse("a: 1\n---\nb: 2\n")
        }
    }

    @Test func billionLaughsIsRefused() {
        var text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
            previous = name
        }
        #expect(throws: YAMLError(message: "more than 100000 values (are aliases expanding without end?)", position: SourcePosition(line: 5, column: 36))) {
            try YAMLDocument.parse(text)
        }
    }

    @Test func emptyAndJSON() throws {
        #expect(try YAMLDocument.parse("").json == nil)
        #expect(try YAMLDocument.parse(#"{"a": [1, "b", null]}"#).json == ["a": [1, "b", nil]])
    }
}

@Suite struct YAMLMergeKeyTests {
    @Test func mergeKeysFillInWhatIsNotWrittenOut() throws {
        let doc = try YAMLDocument.parse("""
            base: &base {a: 1, b: 2}
            more: &more {c: 3}
            one: {<<: *base, b: 20}
            two:
              <<: [*base, *more]
              d: 4
            quoted: {"<<": x}
            """)
        #expect(doc.json["one"] == ["a": 1, "b": 20])
        #expect(doc.json["two"] == ["a": 1, "b": 2, "c": 3, "d": 4])
        #expect(doc.json["quoted"] == ["<<": "x"])
        #expect(throws: YAMLError.self) { try YAMLDocument.parse("x: {<<: 5}") }
    }
}
