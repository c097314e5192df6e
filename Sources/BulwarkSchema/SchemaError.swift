/// A schema that cannot be compiled: not a schema, an unresolvable `$ref`, a bad pattern.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// JSON Pointer to the offending place in the schema ("" is its root).
    public var location: String
    public var message: String

    public init(location: String, message: String) {
        self.location = location
        self.message = message
    }

    public var description: String {
        location.isEmpty ? "schema: \(message)" : "schema at \(location): \(message)"
    }
}
