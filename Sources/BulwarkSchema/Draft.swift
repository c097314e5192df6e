/// The JSON Schema dialects the validator understands.
public enum Draft: String, Sendable, CaseIterable, CustomStringConvertible {
    case draft4 = "4"
    case draft6 = "6"
    case draft7 = "7"
    case draft2019_09 = "2019-09"
    case draft2020_12 = "2020-12"

    /// The draft a `$schema` URI names, or nil for any other URI.
    public init?(metaSchemaURI uri: String) {
        var u = uri
        if u.hasSuffix("#") { u.removeLast() }
        if u.hasPrefix("https://") { u = "http://" + u.dropFirst(8) }
        switch u {
        case "http://json-schema.org/draft-04/schema", "http://json-schema.org/schema": self = .draft4
        case "http://json-schema.org/draft-06/schema": self = .draft6
        case "http://json-schema.org/draft-07/schema": self = .draft7
        case "http://json-schema.org/draft/2019-09/schema": self = .draft2019_09
        case "http://json-schema.org/draft/2020-12/schema": self = .draft2020_12
        default: return nil
        }
    }

    /// The draft's own meta-schema URI.
    public var metaSchemaURI: String {
        switch self {
        case .draft4: "http://json-schema.org/draft-04/schema#"
        case .draft6: "http://json-schema.org/draft-06/schema#"
        case .draft7: "http://json-schema.org/draft-07/schema#"
        case .draft2019_09: "https://json-schema.org/draft/2019-09/schema"
        case .draft2020_12: "https://json-schema.org/draft/2020-12/schema"
        }
    }

    public var description: String { "draft \(rawValue)" }

    /// Drafts before 2019-09: `$ref` hides its siblings, `items` may be an array,
    /// `definitions` and `dependencies`.
    var isLegacy: Bool { self == .draft4 || self == .draft6 || self == .draft7 }
    var idKeyword: String { self == .draft4 ? "id" : "$id" }
}

/// Groups of keywords that a 2019-09/2020-12 meta-schema can switch off with
/// `$vocabulary`. Earlier drafts always have all of them.
struct Vocabularies: OptionSet, Hashable {
    let rawValue: Int
    static let applicator = Vocabularies(rawValue: 1)
    static let validation = Vocabularies(rawValue: 2)
    static let unevaluated = Vocabularies(rawValue: 4)
    static let formatAssertion = Vocabularies(rawValue: 8)
    static let all: Vocabularies = [.applicator, .validation, .unevaluated]

    /// Vocabularies of a meta-schema's `$vocabulary` object; nil when one it requires is
    /// unknown (the schema must then be refused).
    init?(vocabulary: JSONObjectLike) {
        var v: Vocabularies = []
        for (uri, required) in vocabulary {
            let name = uri.split(separator: "/").last.map(String.init) ?? ""
            let known = uri.hasPrefix("https://json-schema.org/draft/2020-12/vocab/") || uri.hasPrefix("https://json-schema.org/draft/2019-09/vocab/")
            switch (known, name) {
            case (true, "applicator"): v.insert(.applicator)
            case (true, "validation"): v.insert(.validation)
            case (true, "unevaluated"): v.insert(.unevaluated)
            case (true, "format-assertion"): v.insert(.formatAssertion)
            case (true, _): break
            default: if required { return nil }
            }
        }
        // 2019-09 puts unevaluated* in the applicator vocabulary.
        if v.contains(.applicator), vocabulary.contains(where: { $0.0.hasPrefix("https://json-schema.org/draft/2019-09/") }) {
            v.insert(.unevaluated)
        }
        self = v
    }

    init(rawValue: Int) { self.rawValue = rawValue }
}

typealias JSONObjectLike = [(String, Bool)]
