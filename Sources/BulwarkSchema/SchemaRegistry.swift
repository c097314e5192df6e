import BulwarkJSON

/// A place in one of the registry's documents.
struct Location: Hashable {
    var document: Int
    var pointer: [String]
    var text: String { JSONPointer.render(pointer) }
}

/// What the walk learned about a schema location.
struct LocationInfo {
    var base: String
    var draft: Draft
    var vocabularies: Vocabularies
    /// This location starts a schema resource (a document root or a subschema with `$id`).
    var isResource: Bool
}

/// Every schema document the compiler has seen, and the identifiers they declare:
/// resources by absolute URI, anchors and dynamic anchors by `URI#name`, and each
/// subschema's base URI and dialect.
///
/// Only subschemas in schema positions are walked (never the inside of `enum`, `const` or
/// unknown keywords), as the specification says.
final class SchemaRegistry {
    var documents: [JSON] = []
    var resources: [String: Location] = [:]
    var anchors: [String: Location] = [:]
    var dynamicAnchors: [String: Location] = [:]
    var info: [Location: LocationInfo] = [:]
    let loadRemote: (String) throws(SchemaError) -> JSON?
    let defaultDraft: Draft

    init(defaultDraft: Draft, loadRemote: @escaping (String) throws(SchemaError) -> JSON?) {
        self.defaultDraft = defaultDraft
        self.loadRemote = loadRemote
    }

    /// Add a document retrieved from `uri`; returns its root location.
    @discardableResult
    func add(_ document: JSON, uri: String, draft: Draft? = nil) throws(SchemaError) -> Location {
        let base = URIReference(uri).withoutFragment.text
        if let existing = resources[base] { return existing }
        let id = documents.count
        documents.append(document)
        let root = Location(document: id, pointer: [])
        resources[base] = root
        try walk(document, at: root, base: base, draft: draft ?? defaultDraft, vocabularies: .all, isRoot: true)
        return root
    }

    /// The resource at an absolute URI (without fragment), loading it when needed.
    func resource(_ uri: String, draft: Draft) throws(SchemaError) -> Location? {
        if let found = resources[uri] { return found }
        guard let document = try loadRemote(uri) else { return nil }
        return try add(document, uri: uri, draft: draft)
    }

    /// The dialect and vocabularies a `$schema` value selects.
    func dialect(_ metaSchema: String, at location: Location) throws(SchemaError) -> (Draft, Vocabularies) {
        if let draft = Draft(metaSchemaURI: metaSchema) { return (draft, .all) }
        // A custom meta-schema: its own $schema gives the draft, its $vocabulary the keywords.
        let uri = URIReference(metaSchema).withoutFragment.text
        guard let metaLocation = try resource(uri, draft: defaultDraft),
              let meta = JSONPointer.resolve(metaLocation.pointer, in: documents[metaLocation.document]) else {
            throw SchemaError(location: location.text, message: "unknown meta-schema \(metaSchema) in $schema (no such document is registered)")
        }
        let draft = meta["$schema"]?.stringValue.flatMap { Draft(metaSchemaURI: $0) } ?? defaultDraft
        guard case .object(let vocabulary)? = meta["$vocabulary"] else { return (draft, .all) }
        let entries = vocabulary.map { ($0.key, $0.value.boolValue ?? false) }
        guard let vocabularies = Vocabularies(vocabulary: entries) else {
            throw SchemaError(location: location.text, message: "meta-schema \(metaSchema) requires a vocabulary this validator does not know")
        }
        return (draft, vocabularies)
    }

    private func walk(_ schema: JSON, at location: Location, base: String, draft: Draft, vocabularies: Vocabularies,
                      isRoot: Bool) throws(SchemaError) {
        guard case .object(let o) = schema else {
            info[location] = LocationInfo(base: base, draft: draft, vocabularies: vocabularies, isResource: isRoot)
            return
        }
        var base = base
        var draft = draft
        var vocabularies = vocabularies
        var isResource = isRoot
        let idKeyword = draft.idKeyword
        let hasID = o[idKeyword]?.stringValue != nil && !(draft.isLegacy && o["$ref"] != nil)
        if isRoot || hasID, let metaSchema = o["$schema"]?.stringValue {
            (draft, vocabularies) = try dialect(metaSchema, at: location)
        }
        if let id = o[draft.idKeyword]?.stringValue, !(draft.isLegacy && o["$ref"] != nil) {
            if draft.isLegacy, id.hasPrefix("#") {
                // A plain-name fragment id is an anchor in drafts 4-7.
                anchors[base + "#" + String(id.dropFirst())] = location
            } else {
                let resolved = URIReference(base).resolving(URIReference(id))
                let newBase = resolved.withoutFragment.text
                base = newBase
                isResource = true
                if resources[newBase] == nil { resources[newBase] = location }
                if let fragment = resolved.fragment, !fragment.isEmpty, !fragment.hasPrefix("/") {
                    anchors[newBase + "#" + fragment] = location
                }
            }
        }
        if !draft.isLegacy {
            if let anchor = o["$anchor"]?.stringValue { anchors[base + "#" + anchor] = location }
            if let anchor = o["$dynamicAnchor"]?.stringValue {
                anchors[base + "#" + anchor] = location
                dynamicAnchors[base + "#" + anchor] = location
            }
        }
        info[location] = LocationInfo(base: base, draft: draft, vocabularies: vocabularies, isResource: isResource)

        func child(_ tokens: String...) -> Location {
            Location(document: location.document, pointer: location.pointer + tokens)
        }
        for (keyword, value) in o {
            switch keyword {
            case "additionalProperties", "additionalItems", "contains", "propertyNames", "not", "if", "then", "else",
                 "unevaluatedItems", "unevaluatedProperties", "contentSchema":
                try walk(value, at: child(keyword), base: base, draft: draft, vocabularies: vocabularies, isRoot: false)
            case "items":
                if case .array(let items) = value {
                    for (i, item) in items.enumerated() {
                        try walk(item, at: child(keyword, String(i)), base: base, draft: draft, vocabularies: vocabularies, isRoot: false)
                    }
                } else {
                    try walk(value, at: child(keyword), base: base, draft: draft, vocabularies: vocabularies, isRoot: false)
                }
            case "allOf", "anyOf", "oneOf", "prefixItems":
                for (i, item) in (value.arrayValue ?? []).enumerated() {
                    try walk(item, at: child(keyword, String(i)), base: base, draft: draft, vocabularies: vocabularies, isRoot: false)
                }
            case "properties", "patternProperties", "definitions", "$defs", "dependentSchemas", "dependencies":
                for (name, sub) in value.objectValue ?? JSONObject() {
                    if keyword == "dependencies", case .array = sub { continue }
                    try walk(sub, at: child(keyword, name), base: base, draft: draft, vocabularies: vocabularies, isRoot: false)
                }
            default:
                break
            }
        }
    }

    /// Information on any location: walked ones directly; others (pointers into unknown
    /// keywords) inherit from their nearest walked ancestor.
    func locationInfo(_ location: Location) -> LocationInfo {
        if let known = info[location] { return known }
        var pointer = location.pointer
        while !pointer.isEmpty {
            pointer.removeLast()
            if let ancestor = info[Location(document: location.document, pointer: pointer)] {
                var inherited = ancestor
                inherited.isResource = false
                // An unwalked subschema with its own $id still starts a resource.
                if let schema = JSONPointer.resolve(location.pointer, in: documents[location.document]),
                   let id = schema[ancestor.draft.idKeyword]?.stringValue, !id.hasPrefix("#") {
                    inherited.base = URIReference(ancestor.base).resolving(URIReference(id)).withoutFragment.text
                    inherited.isResource = true
                }
                return inherited
            }
        }
        return LocationInfo(base: "", draft: defaultDraft, vocabularies: .all, isResource: false)
    }
}
