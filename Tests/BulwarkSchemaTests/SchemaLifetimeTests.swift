import BulwarkJSON
@testable import BulwarkSchema
import Testing

/// Compiled graphs are freed with their schema, cycles included (fuzzing under
/// LeakSanitizer found every recursive schema's graph leaked).
@Suite struct SchemaLifetimeTests {
    @Test func aRecursiveSchemaIsFreedWithItsLastCopy() throws {
        weak var root: SchemaNode?
        do {
            // The root refers to itself: a cycle.
            let schema = try JSONSchema(JSON.parse(##"{"type": "array", "items": {"$ref": "#"}}"##))
            root = schema.root
            let copy = schema
            #expect(copy.isValid(try JSON.parse("[[], [[]]]")))
            #expect(!copy.isValid(try JSON.parse("[[1]]")))
            #expect(root != nil)
        }
        #expect(root == nil, "the graph outlived its schema")
    }
}
