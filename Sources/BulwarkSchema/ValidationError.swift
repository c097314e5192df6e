/// One way an instance fails a schema.
public struct ValidationError: Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer to the failing value in the instance ("" is the whole instance).
    public var instanceLocation: String
    /// JSON Pointer through the schema, following `$ref`s, to the keyword that failed.
    public var keywordLocation: String
    /// What is wrong, for a person: "expected a string, got null".
    public var message: String

    public init(instanceLocation: String, keywordLocation: String, message: String) {
        self.instanceLocation = instanceLocation
        self.keywordLocation = keywordLocation
        self.message = message
    }

    /// `/spec/containers/0/image: expected a string, got null`; the whole instance is
    /// shown as `(root)`.
    public var description: String {
        "\(instanceLocation.isEmpty ? "(root)" : instanceLocation): \(message)"
    }
}
