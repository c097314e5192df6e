import BulwarkJSON

/// Turns schema JSON into a graph of ``SchemaNode``s, resolving every `$ref` up front so
/// validation never touches the registry (and so needs no lock).
final class SchemaCompiler {
    let registry: SchemaRegistry
    let assertFormat: Bool
    private var nodes: [Location: SchemaNode] = [:]
    /// Dynamic anchors compiled so far: anchor name -> resource id -> node.
    private(set) var dynamicNodes: [String: [Int: SchemaNode]] = [:]
    /// Base URIs interned as small integers, so the dynamic scope compares integers.
    private var resourceIDs: [String: Int] = [:]

    private func resourceID(_ base: String) -> Int {
        if let id = resourceIDs[base] { return id }
        let id = resourceIDs.count + 1
        resourceIDs[base] = id
        return id
    }

    init(registry: SchemaRegistry, assertFormat: Bool) {
        self.registry = registry
        self.assertFormat = assertFormat
    }

    /// Every node compiled so far, for the schema to own (see ``SchemaNodes``).
    var allNodes: SchemaNodes { SchemaNodes(Array(nodes.values)) }

    /// Compile the schema at `location`, then every dynamic anchor any loaded document
    /// declares (they may be needed at validation time).
    func compileRoot(_ location: Location) throws(SchemaError) -> SchemaNode {
        let root = try compile(location)
        var done: Set<String> = []
        while let (key, anchorLocation) = registry.dynamicAnchors.first(where: { !done.contains($0.key) }) {
            done.insert(key)
            let hash = key.lastIndex(of: "#")!
            let name = String(key[key.index(after: hash)...])
            dynamicNodes[name, default: [:]][resourceID(String(key[..<hash]))] = try compile(anchorLocation)
        }
        return root
    }

    func compile(_ location: Location) throws(SchemaError) -> SchemaNode {
        if let node = nodes[location] { return node }
        let node = SchemaNode(location: location.text)
        nodes[location] = node
        guard let schema = JSONPointer.resolve(location.pointer, in: registry.documents[location.document]) else {
            throw SchemaError(location: location.text, message: "no schema at this location")
        }
        let info = registry.locationInfo(location)
        node.resource = resourceID(info.base)
        switch schema {
        case .bool(let b):
            node.constant = b
        case .object(let o):
            node.keywords = try keywords(o, location, info)
            node.secret = o["writeOnly"] == .bool(true)
            node.needsAnnotations = node.keywords.contains {
                if case .unevaluatedItems = $0.kind { return true }
                if case .unevaluatedProperties = $0.kind { return true }
                return false
            }
        default:
            throw SchemaError(location: location.text, message: "a schema must be an object or a boolean, got \(schema.typeName)")
        }
        return node
    }

    private func keywords(_ o: JSONObject, _ location: Location, _ info: LocationInfo) throws(SchemaError) -> [CompiledKeyword] {
        let draft = info.draft
        let vocab = info.vocabularies
        var out: [CompiledKeyword] = []
        func fail(_ keyword: String, _ message: String) -> SchemaError {
            SchemaError(location: JSONPointer.render(location.pointer + [keyword]), message: message)
        }
        func sub(_ tokens: String...) throws(SchemaError) -> SchemaNode {
            try compile(Location(document: location.document, pointer: location.pointer + tokens))
        }
        func count(_ keyword: String) throws(SchemaError) -> Int? {
            guard let value = o[keyword] else { return nil }
            guard let n = value.numberValue, n.isInteger, !n.isNegative else {
                throw fail(keyword, "\(keyword) must be a non-negative integer")
            }
            return n.intValue ?? Int.max
        }
        func number(_ keyword: String) throws(SchemaError) -> JSONNumber? {
            guard let value = o[keyword] else { return nil }
            guard let n = value.numberValue else { throw fail(keyword, "\(keyword) must be a number") }
            return n
        }
        func pattern(_ keyword: String, _ source: String) throws(SchemaError) -> Pattern {
            do { return try Pattern(source) } catch {
                throw fail(keyword, "invalid regular expression \(source): \(error)")
            }
        }
        func schemaArray(_ keyword: String) throws(SchemaError) -> [SchemaNode]? {
            guard let value = o[keyword] else { return nil }
            guard case .array(let items) = value else { throw fail(keyword, "\(keyword) must be an array of schemas") }
            var nodes: [SchemaNode] = []
            for i in items.indices { nodes.append(try sub(keyword, String(i))) }
            return nodes
        }
        func schemaMap(_ keyword: String) throws(SchemaError) -> [(String, SchemaNode)]? {
            guard let value = o[keyword] else { return nil }
            guard case .object(let map) = value else { throw fail(keyword, "\(keyword) must be an object of schemas") }
            var nodes: [(String, SchemaNode)] = []
            for (name, _) in map { nodes.append((name, try sub(keyword, name))) }
            return nodes
        }
        func add(_ name: String, _ kind: Keyword) { out.append(CompiledKeyword(name: name, kind: kind)) }

        // $ref: in drafts 4-7 it hides every sibling keyword.
        if let ref = o["$ref"] {
            guard let text = ref.stringValue else { throw fail("$ref", "$ref must be a string") }
            add("$ref", .ref(try resolve(text, base: info.base, draft: draft, at: location, keyword: "$ref")))
            if draft.isLegacy { return out }
        }
        if !draft.isLegacy, let ref = o["$dynamicRef"] {
            guard let text = ref.stringValue else { throw fail("$dynamicRef", "$dynamicRef must be a string") }
            let target = try resolve(text, base: info.base, draft: draft, at: location, keyword: "$dynamicRef")
            // The dynamic scope is searched only when the static target itself declares the
            // $dynamicAnchor named by the fragment ("bookending").
            let absolute = URIReference(info.base).resolving(URIReference(text))
            var anchor: String?
            if let fragment = absolute.fragment, !fragment.isEmpty, !fragment.hasPrefix("/"),
               registry.dynamicAnchors[absolute.withoutFragment.text + "#" + fragment] != nil {
                anchor = fragment
            }
            add("$dynamicRef", .dynamicRef(target, anchor: anchor))
        }

        if vocab.contains(.validation) {
            if let t = o["type"] {
                var set: TypeSet = []
                for name in t.arrayValue ?? [t] {
                    guard let s = name.stringValue, let one = TypeSet(name: s) else {
                        throw fail("type", "unknown type \(name) (expected null, boolean, object, array, number, string or integer)")
                    }
                    set.insert(one)
                }
                add("type", .type(set))
            }
            if let e = o["enum"] {
                guard case .array(let values) = e else { throw fail("enum", "enum must be an array") }
                add("enum", .enumeration(values))
            }
            if draft != .draft4, let c = o["const"] { add("const", .constant(c)) }
            if let m = try number("multipleOf") {
                guard !m.isNegative, !m.isZero else { throw fail("multipleOf", "multipleOf must be greater than 0") }
                add("multipleOf", .multipleOf(m))
            }
            if draft == .draft4 {
                if let m = try number("maximum") {
                    add("maximum", o["exclusiveMaximum"]?.boolValue == true ? .exclusiveMaximum(m) : .maximum(m))
                }
                if let m = try number("minimum") {
                    add("minimum", o["exclusiveMinimum"]?.boolValue == true ? .exclusiveMinimum(m) : .minimum(m))
                }
            } else {
                if let m = try number("maximum") { add("maximum", .maximum(m)) }
                if let m = try number("exclusiveMaximum") { add("exclusiveMaximum", .exclusiveMaximum(m)) }
                if let m = try number("minimum") { add("minimum", .minimum(m)) }
                if let m = try number("exclusiveMinimum") { add("exclusiveMinimum", .exclusiveMinimum(m)) }
            }
            if let n = try count("maxLength") { add("maxLength", .maxLength(n)) }
            if let n = try count("minLength") { add("minLength", .minLength(n)) }
            if let p = o["pattern"] {
                guard let s = p.stringValue else { throw fail("pattern", "pattern must be a string") }
                add("pattern", .pattern(try pattern("pattern", s)))
            }
            if let n = try count("maxItems") { add("maxItems", .maxItems(n)) }
            if let n = try count("minItems") { add("minItems", .minItems(n)) }
            if o["uniqueItems"]?.boolValue == true { add("uniqueItems", .uniqueItems) }
            if let n = try count("maxProperties") { add("maxProperties", .maxProperties(n)) }
            if let n = try count("minProperties") { add("minProperties", .minProperties(n)) }
            if let r = o["required"] {
                guard case .array(let names) = r, names.allSatisfy({ $0.stringValue != nil }) else {
                    throw fail("required", "required must be an array of strings")
                }
                add("required", .required(names.compactMap(\.stringValue)))
            }
            if !draft.isLegacy, case .object(let deps)? = o["dependentRequired"] {
                add("dependentRequired", .dependentRequired(deps.map { ($0.key, ($0.value.arrayValue ?? []).compactMap(\.stringValue)) }))
            }
        }
        if let f = o["format"]?.stringValue {
            let asserting = assertFormat || vocab.contains(.formatAssertion)
            // As an annotation, format checks nothing; only an asserting format is compiled.
            if asserting { add("format", .format(f, assert: true)) }
        }

        if vocab.contains(.applicator) {
            if let nodes = try schemaArray("allOf") { add("allOf", .allOf(nodes)) }
            if let nodes = try schemaArray("anyOf") { add("anyOf", .anyOf(nodes)) }
            if let nodes = try schemaArray("oneOf") { add("oneOf", .oneOf(nodes)) }
            if o["not"] != nil { add("not", .not(try sub("not"))) }
            if draft != .draft4, draft != .draft6, o["if"] != nil {
                let thenNode: SchemaNode? = o["then"] != nil ? try sub("then") : nil
                let elseNode: SchemaNode? = o["else"] != nil ? try sub("else") : nil
                add("if", .conditional(if: try sub("if"), then: thenNode, else: elseNode))
            }
            // Arrays.
            if draft.isLegacy || draft == .draft2019_09 {
                if case .array? = o["items"] {
                    let tuple = try schemaArray("items")!
                    add("items", .tuple(tuple))
                    if o["additionalItems"] != nil { add("additionalItems", .items(try sub("additionalItems"), start: tuple.count)) }
                } else if o["items"] != nil {
                    add("items", .items(try sub("items"), start: 0))
                }
            } else {
                let prefix = try schemaArray("prefixItems")
                if let prefix { add("prefixItems", .tuple(prefix)) }
                if o["items"] != nil { add("items", .items(try sub("items"), start: prefix?.count ?? 0)) }
            }
            if draft != .draft4, o["contains"] != nil {
                var minimum = 1
                var maximum: Int?
                if !draft.isLegacy, vocab.contains(.validation) {
                    minimum = try count("minContains") ?? 1
                    maximum = try count("maxContains")
                }
                add("contains", .contains(try sub("contains"), min: minimum, max: maximum))
            }
            // Objects.
            let properties = try schemaMap("properties")
            if let properties { add("properties", .properties(NameMap(properties))) }
            var patterns: [(Pattern, SchemaNode)] = []
            if let map = try schemaMap("patternProperties") {
                for (source, node) in map { patterns.append((try pattern("patternProperties", source), node)) }
                add("patternProperties", .patternProperties(patterns))
            }
            if o["additionalProperties"] != nil {
                add("additionalProperties", .additionalProperties(try sub("additionalProperties"),
                                                                  known: NameMap((properties ?? []).map { ($0.0, ()) }),
                                                                  patterns: patterns.map(\.0)))
            }
            // `dependencies` is drafts 4-7's; later drafts split it, and it is still honoured
            // there for compatibility, as most validators do.
            if case .object(let deps)? = o["dependencies"] {
                var required: [(String, [String])] = []
                var schemas: [(String, SchemaNode)] = []
                for (name, value) in deps {
                    if case .array(let names) = value {
                        required.append((name, names.compactMap(\.stringValue)))
                    } else {
                        schemas.append((name, try sub("dependencies", name)))
                    }
                }
                if !required.isEmpty { add("dependencies", .dependentRequired(required)) }
                if !schemas.isEmpty { add("dependencies", .dependentSchemas(schemas)) }
            }
            if !draft.isLegacy, let map = try schemaMap("dependentSchemas") { add("dependentSchemas", .dependentSchemas(map)) }
            if draft != .draft4, o["propertyNames"] != nil { add("propertyNames", .propertyNames(try sub("propertyNames"))) }
        }
        // unevaluated* look at what everything else evaluated, so they come last.
        if !draft.isLegacy, vocab.contains(.unevaluated) || (draft == .draft2019_09 && vocab.contains(.applicator)) {
            if o["unevaluatedItems"] != nil { add("unevaluatedItems", .unevaluatedItems(try sub("unevaluatedItems"))) }
            if o["unevaluatedProperties"] != nil { add("unevaluatedProperties", .unevaluatedProperties(try sub("unevaluatedProperties"))) }
        }
        return out
    }

    /// Resolve a reference against a base URI to a compiled node.
    func resolve(_ reference: String, base: String, draft: Draft, at location: Location, keyword: String) throws(SchemaError) -> SchemaNode {
        let absolute = URIReference(base).resolving(URIReference(reference))
        let resourceURI = absolute.withoutFragment.text
        let fragment = (absolute.fragment ?? "").percentDecoded
        func fail(_ message: String) -> SchemaError {
            SchemaError(location: JSONPointer.render(location.pointer + [keyword]), message: message)
        }
        guard let resource = try registry.resource(resourceURI, draft: draft) else {
            throw fail("cannot resolve \(keyword) \(reference): no document \(resourceURI) is known (register it, or give a remotes directory)")
        }
        if fragment.isEmpty { return try compile(resource) }
        if fragment.hasPrefix("/") {
            guard let tokens = JSONPointer.tokens(fragment) else { throw fail("malformed JSON Pointer in \(keyword) \(reference)") }
            let target = Location(document: resource.document, pointer: resource.pointer + tokens)
            guard JSONPointer.resolve(target.pointer, in: registry.documents[target.document]) != nil else {
                throw fail("cannot resolve \(keyword) \(reference): nothing at \(fragment) in \(resourceURI)")
            }
            return try compile(target)
        }
        guard let anchored = registry.anchors[resourceURI + "#" + fragment] else {
            throw fail("cannot resolve \(keyword) \(reference): no anchor \"\(fragment)\" in \(resourceURI)")
        }
        return try compile(anchored)
    }
}
