/// A scheduled operation's `operation_definition`, checked the same way by the API and
/// the CLI: the keys Karbor's two operation types take, and nothing else (a misspelt
/// retention key would otherwise be a policy silently not applied).
public enum OperationDefinition {
    public static let keys: Set<String> = Set(["provider_id", "plan_id"] + RetentionPolicy.karborKeys + RetentionPolicy.gfsKeys)

    /// Check `definition` for operation type `type` (`protect` or `retention_protect`).
    /// Errors name the key.
    public static func check(type: String, _ definition: [String: String]) throws(PropertyError) {
        for key in definition.keys.sorted() where !keys.contains(key) {
            throw PropertyError(key, "is not a key of an operation definition; they are \(keys.sorted().joined(separator: ", "))")
        }
        for key in ["provider_id", "plan_id"] where (definition[key] ?? "").isEmpty {
            throw PropertyError(key, "is missing")
        }
        let policy = try RetentionPolicy(definition: definition)
        if policy != nil, type == "protect", let key = definition.keys.sorted().first(where: { !["provider_id", "plan_id"].contains($0) }) {
            throw PropertyError(key, "is a retention key: it needs operation_type retention_protect")
        }
    }
}
