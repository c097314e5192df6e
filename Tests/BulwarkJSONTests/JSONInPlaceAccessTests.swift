import BulwarkJSON
import Testing

/// The in-place views validators walk documents with.
@Suite struct JSONInPlaceAccessTests {
    @Test func membersAndItemsAreSeenInPlaceAndInOrder() throws {
        let document = try JSON.parse(#"{"b": [1, "two", {"c": null}], "a": true, "a-much-longer-key-than-fifteen-bytes": 3}"#)
        withUnsafePointer(to: document) { root in
            let members = JSON.unsafeMembers(at: root)
            #expect(members?.map(\.key) == ["b", "a", "a-much-longer-key-than-fifteen-bytes"])
            #expect(JSON.unsafeItems(at: root) == nil, "an object has no items")
            guard let members else { return }
            withUnsafePointer(to: members[0].value) { b in
                let items = JSON.unsafeItems(at: b)
                #expect(items?.count == 3)
                #expect(items?[1] == "two")
                #expect(JSON.unsafeMembers(at: b) == nil, "an array has no members")
            }
        }
        withUnsafePointer(to: JSON.string("x")) { #expect(JSON.unsafeMembers(at: $0) == nil && JSON.unsafeItems(at: $0) == nil) }
    }
}
