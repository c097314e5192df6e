import BulwarkJSON

/// How the CLI checks schemas that plugins publish. For now: a schema must be an object
/// or boolean (the loader checks that); full meta-schema validation arrives with the
/// JSON Schema module.
enum SchemaCheck {
    @Sendable static func check(_ schema: JSON) -> String? { nil }
}
