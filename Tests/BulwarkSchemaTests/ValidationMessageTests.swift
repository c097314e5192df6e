import BulwarkJSON
import BulwarkSchema
import Testing

/// Messages, locations and options, checked word for word.
@Suite struct ValidationMessageTests {
    static let pod: JSON = [
        "type": "object",
        "required": ["spec"],
        "properties": [
            "spec": [
                "type": "object",
                "properties": [
                    "containers": ["type": "array", "minItems": 1,
                                   "items": ["$ref": "#/$defs/container"]],
                    "restartPolicy": ["enum": ["Always", "OnFailure", "Never"]],
                ],
                "additionalProperties": false,
            ],
        ],
        "$defs": [
            "container": ["type": "object", "required": ["name", "image"],
                          "properties": ["name": ["type": "string", "pattern": "^[a-z0-9-]+$"],
                                         "image": ["type": "string", "minLength": 1]]],
        ],
    ]

    /// A `writeOnly` value (a password, a key) is described by its type alone, in every
    /// message that would otherwise show it.
    @Test func writeOnlyValuesAreNeverShown() throws {
        let schema = try JSONSchema([
            "type": "object",
            "properties": [
                "password": ["type": "string", "writeOnly": true],
                "pin": ["writeOnly": true, "enum": [1234], "minimum": 1000],
                "token": ["writeOnly": true, "const": "x"],
                "name": ["type": "string"],
            ],
        ])
        let errors = schema.validate(["password": 87654321987, "pin": 42, "token": "s3cr3t", "name": 99]).errors.map(\.description)
        #expect(errors == [
            "/password: expected a string, got integer (value hidden: writeOnly)",
            "/pin: must be 1234",
            "/pin: must be at least 1000, got a hidden value (writeOnly)",
            "/token: must be \"x\", got a hidden value (writeOnly)",
            "/name: expected a string, got integer 99",
        ])
        #expect(!errors.joined().contains("87654321987") && !errors.joined().contains("s3cr3t") && !errors.joined().contains("42"))
    }

    @Test func everyErrorWithBothLocations() throws {
        let schema = try JSONSchema(Self.pod)
        let result = schema.validate([
            "spec": ["containers": [["name": "Web_1", "image": nil], ["image": "nginx"]],
                     "restartPolicy": "Sometimes", "hostPID": true],
        ])
        #expect(result.errors.map(\.description) == [
            "/spec/containers/0/name: must match the pattern ^[a-z0-9-]+$",
            "/spec/containers/0/image: expected a string, got null",
            "/spec/containers/1: missing required property \"name\"",
            "/spec/restartPolicy: must be one of \"Always\", \"OnFailure\", \"Never\"; got \"Sometimes\"",
            "/spec: property \"hostPID\" is not allowed",
        ])
        #expect(result.errors[1].keywordLocation == "/properties/spec/properties/containers/items/$ref/properties/image/type")
        #expect(result.errors[1].instanceLocation == "/spec/containers/0/image")
    }

    @Test func stopAtFirstError() throws {
        let schema = try JSONSchema(Self.pod)
        let result = schema.validate(["spec": ["containers": [], "x": 1]], stopAtFirstError: true)
        #expect(result.errors.map(\.description) == ["/spec/containers: must have at least 1 items, got 0"])
        #expect(!schema.isValid(["spec": ["containers": []]]))
        #expect(schema.isValid(["spec": ["containers": [["name": "web", "image": "nginx"]]]]))
    }

    @Test func numbersAndStrings() throws {
        let schema = try JSONSchema(["properties": [
            "a": ["multipleOf": 0.01], "b": ["exclusiveMaximum": 10], "c": ["maxLength": 2],
            "d": ["type": ["string", "null"]], "e": ["type": "integer"], "f": ["const": ["x": 1]],
        ]])
        let result = schema.validate(["a": 0.123, "b": 10, "c": "äöü", "d": 1, "e": 1.5, "f": ["x": 2]])
        #expect(result.errors.map(\.description) == [
            "/a: must be a multiple of 0.01, got 0.123",
            "/b: must be less than 10, got 10",
            "/c: must be at most 2 characters long, got 3",
            "/d: expected a string or null, got integer 1",
            "/e: expected an integer, got number 1.5",
            "/f: must be {\"x\":1}, got {\"x\":2}",
        ])
        #expect(schema.isValid(["a": 0.12, "e": 2.0, "c": "äö"]))
    }

    @Test func draftFromSchemaKeyword() throws {
        let draft4 = try JSONSchema(["$schema": "http://json-schema.org/draft-04/schema#", "maximum": 5, "exclusiveMaximum": true])
        #expect(draft4.draft == .draft4)
        #expect(draft4.validate(5).errors.map(\.description) == ["(root): must be less than 5, got 5"])
        let draft7 = try JSONSchema(["$schema": "http://json-schema.org/draft-07/schema#", "$ref": "#/definitions/a",
                                     "type": "string", "definitions": ["a": ["type": "integer"]]])
        #expect(draft7.draft == .draft7)
        #expect(draft7.isValid(3))  // in draft 7, $ref hides its sibling "type"
        let fallback = try JSONSchema(["maximum": 5, "exclusiveMaximum": true], options: .init(defaultDraft: .draft4))
        #expect(fallback.draft == .draft4)
    }

    @Test func formatIsAnAnnotationUnlessAsserted() throws {
        let schema: JSON = ["format": "date-time"]
        #expect(try JSONSchema(schema).isValid("yesterday"))
        let asserting = try JSONSchema(schema, options: .init(assertFormat: true))
        #expect(asserting.validate("yesterday").errors.map(\.description) == ["(root): is not a valid date-time: \"yesterday\""])
        #expect(asserting.isValid("2026-11-22T01:53:26Z"))
    }

    @Test func compileErrorsNameTheKeyword() {
        #expect(throws: SchemaError(location: "/properties/a/$ref",
                                    message: "cannot resolve $ref #/$defs/missing: nothing at /$defs/missing in urn:bulwark:schema")) {
            try JSONSchema(["properties": ["a": ["$ref": "#/$defs/missing"]]])
        }
        #expect(throws: SchemaError(location: "/$ref",
                                    message: "cannot resolve $ref http://127.0.0.1:9/x.json: no document http://127.0.0.1:9/x.json is known (register it, or give a remotes directory)")) {
            try JSONSchema(["$ref": "http://127.0.0.1:9/x.json"])
        }
        let badPattern = Result { () throws(SchemaError) in try JSONSchema(["pattern": "(unclosed"]) }
        guard case .failure(let error) = badPattern else { Issue.record("expected an error"); return }
        #expect(error.location == "/pattern")
        #expect(error.message.hasPrefix("invalid regular expression (unclosed"))
    }

    @Test func registeredDocumentsResolve() throws {
        let schema = try JSONSchema(["$ref": "https://example.com/name.json"],
                                    options: .init(documents: ["https://example.com/name.json": ["type": "string"]]))
        #expect(schema.isValid("x"))
        #expect(!schema.isValid(1))
    }

    @Test func metaSchemaProblems() {
        #expect(JSONSchema.problems(with: ["type": "object"]).isEmpty)
        #expect(JSONSchema.problems(with: ["minLength": -1]) == ["/minLength: must be at least 0, got -1"])
        #expect(JSONSchema.problems(with: ["$schema": "http://json-schema.org/draft-04/schema#", "required": []])
            == ["/required: must have at least 1 items, got 0"])
    }

    @Test func recursiveSchemaOnDeepInstance() throws {
        let schema = try JSONSchema(["type": "array", "items": ["$ref": "#"]])
        var deep: JSON = []
        for _ in 0..<400 { deep = [deep] }
        #expect(schema.isValid(deep))
    }

    @Test func validatesFromManyThreadsAtOnce() async throws {
        let schema = try JSONSchema(Self.pod)
        let good: JSON = ["spec": ["containers": [["name": "web", "image": "nginx"]]]]
        let bad: JSON = ["spec": ["containers": [["name": "Web", "image": 1]]]]
        let results = await withTaskGroup(of: (Bool, Int).self) { group in
            for i in 0..<64 {
                group.addTask {
                    let r = schema.validate(i % 2 == 0 ? good : bad)
                    return (i % 2 == 0, r.errors.count)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 64)
        for (wasGood, count) in results { #expect(count == (wasGood ? 0 : 2)) }
    }
}

