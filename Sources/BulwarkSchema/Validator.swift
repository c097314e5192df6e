import BulwarkJSON

/// What in-place subschemas evaluated, for unevaluatedProperties/unevaluatedItems.
struct Annotations {
    var properties: Set<String> = []
    var allProperties = false
    var itemPrefix = 0
    var allItems = false
    var items: Set<Int> = []

    mutating func merge(_ other: Annotations) {
        properties.formUnion(other.properties)
        allProperties = allProperties || other.allProperties
        itemPrefix = max(itemPrefix, other.itemPrefix)
        allItems = allItems || other.allItems
        items.formUnion(other.items)
    }
}

enum PathToken {
    case key(String)
    case index(Int)

    var text: String {
        switch self {
        case .key(let k): JSONPointer.escape(k)
        case .index(let i): String(i)
        }
    }
}

/// One validation run: the errors so far, where we are, and the dynamic scope.
struct Evaluation {
    /// Dynamic anchors: name -> resource id -> node.
    let dynamicNodes: [String: [Int: SchemaNode]]
    let stopAtFirst: Bool
    var errors: [ValidationError] = []
    /// False while probing a subschema whose failure is not itself an error (anyOf, not,
    /// if, contains): no messages are made and evaluation stops at the first failure.
    var reporting = true
    var instancePath: [PathToken] = []
    var keywordPath: [String] = []
    /// Resource ids, outermost first.
    var dynamicScope: [Int] = []
    var depth = 0

    static let maxDepth = 1_000

    init(dynamicNodes: [String: [Int: SchemaNode]], stopAtFirst: Bool) {
        self.dynamicNodes = dynamicNodes
        self.stopAtFirst = stopAtFirst
    }

    // Paths are kept only while reporting: the fast path never builds them.
    @inline(__always) mutating func enterKeyword(_ name: String) { if reporting { keywordPath.append(name) } }
    @inline(__always) mutating func leaveKeyword() { if reporting { keywordPath.removeLast() } }
    @inline(__always) mutating func enterInstance(_ token: PathToken) { if reporting { instancePath.append(token) } }
    @inline(__always) mutating func leaveInstance() { if reporting { instancePath.removeLast() } }

    /// How many `writeOnly` schemas the evaluation is inside: within one, values are
    /// described by their type alone.
    var secrets = 0


    /// Stop evaluating the current schema after a failure?
    var shortCircuit: Bool { !reporting || (stopAtFirst && !errors.isEmpty) }

    /// Evaluate `node` against `instance` without reporting: is it valid?
    mutating func probe(_ node: SchemaNode, _ instance: JSON, annotations: inout Annotations, collect: Bool) -> Bool {
        let saved = reporting
        reporting = false
        defer { reporting = saved }
        return validate(node, instance, annotations: &annotations, collect: collect)
    }

    mutating func validate(_ node: SchemaNode, _ instance: JSON, annotations: inout Annotations, collect: Bool) -> Bool {
        if let constant = node.constant {
            if !constant { report2("no value is allowed here (the schema is false)") }
            return constant
        }
        depth += 1
        defer { depth -= 1 }
        if depth > Evaluation.maxDepth {
            report2("the schema recurses deeper than \(Evaluation.maxDepth) levels here")
            return false
        }
        // The dynamic scope is the chain of schema resources evaluation has entered, whether
        // at their root or, through a $ref, somewhere inside.
        if node.secret { secrets += 1 }
        defer { if node.secret { secrets -= 1 } }
        let entered = dynamicScope.last != node.resource
        if entered { dynamicScope.append(node.resource) }
        defer { if entered { dynamicScope.removeLast() } }
        let collect = collect || node.needsAnnotations
        var local = Annotations()
        var valid = true
        for keyword in node.keywords {
            enterKeyword(keyword.name)
            let ok = evaluate(keyword, instance, &local, collect)
            leaveKeyword()
            if !ok {
                valid = false
                if shortCircuit { return false }
            }
        }
        if valid, collect { annotations.merge(local) }
        return valid
    }

    /// Evaluate one keyword; `keywordPath` already ends with its name. Each applicator
    /// lives in a function of its own so that the frames of this recursion stay small.
    private mutating func evaluate(_ keyword: CompiledKeyword, _ instance: JSON, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        let hide = secrets > 0
        switch keyword.kind {
        case .ref(let target):
            return validate(target, instance, annotations: &ann, collect: collect)
        case .dynamicRef(let target, let anchor):
            return dynamicRef(target, anchor, instance, &ann, collect)
        case .type(let types):
            return types.matches(instance) || fail("expected \(types.description), got \(shownType(instance, hide))")
        case .enumeration(let values):
            return values.contains(instance) || enumFailure(values, instance)
        case .constant(let value):
            return instance == value || fail("must be \(describe(value)), got \(shown(instance, hide))")
        case .multipleOf, .maximum, .exclusiveMaximum, .minimum, .exclusiveMinimum:
            guard case .number(let n) = instance else { return true }
            return number(keyword.kind, n)
        case .maxLength, .minLength, .pattern, .format:
            guard case .string(let s) = instance else { return true }
            return string(keyword.kind, s)
        case .items(let node, let start):
            guard case .array(let items) = instance, items.count > start else { return true }
            return self.items(node, start, items, &ann, collect)
        case .tuple(let nodes):
            guard case .array(let items) = instance else { return true }
            return tuple(nodes, items, &ann, collect)
        case .contains(let node, let minimum, let maximum):
            guard case .array(let items) = instance else { return true }
            return contains(node, minimum, maximum, items, &ann, collect)
        case .maxItems(let limit):
            guard case .array(let items) = instance else { return true }
            return items.count <= limit || fail("must have at most \(limit) items, got \(items.count)")
        case .minItems(let limit):
            guard case .array(let items) = instance else { return true }
            return items.count >= limit || fail("must have at least \(limit) items, got \(items.count)")
        case .uniqueItems:
            guard case .array(let items) = instance, items.count > 1 else { return true }
            return unique(items)
        case .properties(let map):
            guard case .object(let object) = instance else { return true }
            return properties(map, object, &ann, collect)
        case .patternProperties(let patterns):
            guard case .object(let object) = instance else { return true }
            return patternProperties(patterns, object, &ann, collect)
        case .additionalProperties(let node, let known, let patterns):
            guard case .object(let object) = instance else { return true }
            return additionalProperties(node, known, patterns, object, &ann, collect)
        case .required(let names):
            guard case .object(let object) = instance else { return true }
            return required(names, object)
        case .dependentRequired(let dependencies):
            guard case .object(let object) = instance else { return true }
            return dependentRequired(dependencies, object)
        case .dependentSchemas(let dependencies):
            guard case .object(let object) = instance else { return true }
            return dependentSchemas(dependencies, object, instance, &ann, collect)
        case .propertyNames(let node):
            guard case .object(let object) = instance else { return true }
            return propertyNames(node, object)
        case .maxProperties(let limit):
            guard case .object(let object) = instance else { return true }
            return object.count <= limit || fail("must have at most \(limit) properties, got \(object.count)")
        case .minProperties(let limit):
            guard case .object(let object) = instance else { return true }
            return object.count >= limit || fail("must have at least \(limit) properties, got \(object.count)")
        case .allOf(let nodes):
            return allOf(nodes, instance, &ann, collect)
        case .anyOf(let nodes):
            return anyOf(nodes, instance, &ann, collect)
        case .oneOf(let nodes):
            return oneOf(nodes, instance, &ann, collect)
        case .not(let node):
            var ignored = Annotations()
            return !probe(node, instance, annotations: &ignored, collect: false) || fail("must not match the schema in not")
        case .conditional(let ifNode, let thenNode, let elseNode):
            return conditional(ifNode, thenNode, elseNode, instance, &ann, collect)
        case .unevaluatedProperties(let node):
            guard case .object(let object) = instance, !ann.allProperties else { return true }
            return unevaluatedProperties(node, object, &ann)
        case .unevaluatedItems(let node):
            guard case .array(let items) = instance, !ann.allItems else { return true }
            return unevaluatedItems(node, items, &ann)
        }
    }

    private mutating func fail(_ message: @autoclosure () -> String) -> Bool {
        report2(message())
        return false
    }

    private mutating func dynamicRef(_ target: SchemaNode, _ anchor: String?, _ instance: JSON, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var node = target
        if let anchor, let byResource = dynamicNodes[anchor] {
            for resource in dynamicScope {
                if let found = byResource[resource] { node = found; break }
            }
        }
        return validate(node, instance, annotations: &ann, collect: collect)
    }

    private mutating func enumFailure(_ values: [JSON], _ instance: JSON) -> Bool {
        let hide = secrets > 0
        return fail(values.count == 1 ? "must be \(describe(values[0]))"
             : "must be one of \(values.prefix(8).map(describe).joined(separator: ", "))\(values.count > 8 ? ", ..." : ""); got \(shown(instance, hide))")
    }

    private mutating func number(_ kind: Keyword, _ n: JSONNumber) -> Bool {
        let hide = secrets > 0
        return switch kind {
        case .multipleOf(let divisor): n.isMultiple(of: divisor) || fail("must be a multiple of \(divisor), got \(shown(.number(n), hide))")
        case .maximum(let limit): n <= limit || fail("must be at most \(limit), got \(shown(.number(n), hide))")
        case .exclusiveMaximum(let limit): n < limit || fail("must be less than \(limit), got \(shown(.number(n), hide))")
        case .minimum(let limit): n >= limit || fail("must be at least \(limit), got \(shown(.number(n), hide))")
        case .exclusiveMinimum(let limit): n > limit || fail("must be greater than \(limit), got \(shown(.number(n), hide))")
        default: true
        }
    }

    private mutating func string(_ kind: Keyword, _ s: String) -> Bool {
        switch kind {
        case .maxLength(let limit):
            let length = s.unicodeScalars.count
            return length <= limit || fail("must be at most \(limit) characters long, got \(length)")
        case .minLength(let limit):
            let length = s.unicodeScalars.count
            return length >= limit || fail("must be at least \(limit) characters long, got \(length)")
        case .pattern(let p):
            switch p.test(s) {
            case .match: return true
            case .noMatch: return fail("must match the pattern \(p.source)")
            case .exhausted: return fail(Pattern.exhaustedMessage(p.source))
            }
        case .format(let name, _):
            guard let message = Formats.check(name, .string(s)) else { return true }
            return fail(message)
        default:
            return true
        }
    }

    private mutating func items(_ node: SchemaNode, _ start: Int, _ items: [JSON], _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var valid = true
        for i in start..<items.count {
            enterInstance(.index(i))
            var ignored = Annotations()
            let ok = validate(node, items[i], annotations: &ignored, collect: false)
            leaveInstance()
            if !ok { valid = false; if shortCircuit { return false } }
        }
        if valid, collect { ann.allItems = true }
        return valid
    }

    private mutating func tuple(_ nodes: [SchemaNode], _ items: [JSON], _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var valid = true
        for (i, node) in nodes.enumerated() where i < items.count {
            enterInstance(.index(i))
            enterKeyword(String(i))
            var ignored = Annotations()
            let ok = validate(node, items[i], annotations: &ignored, collect: false)
            leaveKeyword()
            leaveInstance()
            if !ok { valid = false; if shortCircuit { return false } }
        }
        if valid, collect { ann.itemPrefix = max(ann.itemPrefix, min(nodes.count, items.count)) }
        return valid
    }

    private mutating func contains(_ node: SchemaNode, _ minimum: Int, _ maximum: Int?, _ items: [JSON], _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var matched: [Int] = []
        for (i, item) in items.enumerated() {
            var ignored = Annotations()
            if probe(node, item, annotations: &ignored, collect: false) {
                matched.append(i)
                if !collect, maximum == nil, matched.count >= minimum { break }
            }
        }
        if matched.count < minimum {
            return fail(minimum == 1 ? "must contain at least one item matching the contains schema"
                        : "must contain at least \(minimum) items matching the contains schema, got \(matched.count)")
        }
        if let maximum, matched.count > maximum {
            return fail("must contain at most \(maximum) items matching the contains schema, got \(matched.count)")
        }
        if collect { ann.items.formUnion(matched) }
        return true
    }

    private mutating func unique(_ items: [JSON]) -> Bool {
        var seen: [JSON: Int] = [:]
        for (i, item) in items.enumerated() {
            if let first = seen.updateValue(i, forKey: item) {
                return fail("items \(first) and \(i) are equal; items must be unique")
            }
        }
        return true
    }

    /// Properties are visited in the instance's order, so errors come in document order.
    private mutating func properties(_ map: NameMap<SchemaNode>, _ object: JSONObject, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var valid = true
        for (name, value) in object {
            guard let node = map[name] else { continue }
            if !property(name, value, node, &valid, &ann, collect) { return false }
        }
        return valid
    }

    private mutating func patternProperties(_ patterns: [(Pattern, SchemaNode)], _ object: JSONObject, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var valid = true
        for (pattern, node) in patterns {
            for (name, value) in object {
                switch pattern.test(name) {
                case .noMatch: continue
                case .exhausted:
                    valid = fail("property name \(name.debugDescription) \(Pattern.exhaustedMessage(pattern.source))")
                    if shortCircuit { return false }
                    continue
                case .match: break
                }
                enterKeyword(pattern.source)
                let go = property(name, value, node, &valid, &ann, collect, addKey: false)
                leaveKeyword()
                if !go { return false }
            }
        }
        return valid
    }

    private mutating func additionalProperties(_ node: SchemaNode, _ known: NameMap<Void>, _ patterns: [Pattern], _ object: JSONObject,
                                               _ ann: inout Annotations, _ collect: Bool) -> Bool {
        let extra = object.filter { member in known[member.key] == nil && !patterns.contains { $0.matches(member.key) } }
        if collect { ann.properties.formUnion(extra.map { $0.key }) }
        return leftoverProperties(node, extra, "is not allowed")
    }

    /// Validate each leftover property (additional or unevaluated) against `node`; a
    /// `false` schema names each property in one message instead of "false schema" errors.
    private mutating func leftoverProperties(_ node: SchemaNode, _ members: [JSONObject.Element], _ why: String) -> Bool {
        var valid = true
        for (name, value) in members {
            if node.constant == false {
                valid = false
                report2("property \"\(name)\" \(why)")
                if shortCircuit { return false }
                continue
            }
            enterInstance(.key(name))
            var ignored = Annotations()
            let ok = validate(node, value, annotations: &ignored, collect: false)
            leaveInstance()
            if !ok { valid = false; if shortCircuit { return false } }
        }
        return valid
    }

    private mutating func required(_ names: [String], _ object: JSONObject) -> Bool {
        var valid = true
        for name in names where !object.contains(name) {
            valid = false
            report2("missing required property \"\(name)\"")
            if shortCircuit { return false }
        }
        return valid
    }

    private mutating func dependentRequired(_ dependencies: [(String, [String])], _ object: JSONObject) -> Bool {
        var valid = true
        for (name, required) in dependencies where object.contains(name) {
            for other in required where !object.contains(other) {
                valid = false
                report2("property \"\(name)\" requires property \"\(other)\"")
                if shortCircuit { return false }
            }
        }
        return valid
    }

    private mutating func dependentSchemas(_ dependencies: [(String, SchemaNode)], _ object: JSONObject, _ instance: JSON,
                                           _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var valid = true
        for (name, node) in dependencies where object.contains(name) {
            enterKeyword(name)
            let ok = validate(node, instance, annotations: &ann, collect: collect)
            leaveKeyword()
            if !ok { valid = false; if shortCircuit { return false } }
        }
        return valid
    }

    private mutating func propertyNames(_ node: SchemaNode, _ object: JSONObject) -> Bool {
        var valid = true
        for name in object.keys {
            var ignored = Annotations()
            if !probe(node, .string(name), annotations: &ignored, collect: false) {
                valid = false
                report2("property name \"\(name)\" does not match the propertyNames schema")
                if shortCircuit { return false }
            }
        }
        return valid
    }

    private mutating func allOf(_ nodes: [SchemaNode], _ instance: JSON, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var valid = true
        for (i, node) in nodes.enumerated() {
            enterKeyword(String(i))
            let ok = validate(node, instance, annotations: &ann, collect: collect)
            leaveKeyword()
            if !ok { valid = false; if shortCircuit { return false } }
        }
        return valid
    }

    private mutating func anyOf(_ nodes: [SchemaNode], _ instance: JSON, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var any = false
        for (i, node) in nodes.enumerated() {
            enterKeyword(String(i))
            let ok = probe(node, instance, annotations: &ann, collect: collect)
            leaveKeyword()
            if ok {
                any = true
                if !collect { break }
            }
        }
        if any { return true }
        let summary = branchSummary(nodes, instance)
        return fail("does not match any of the \(nodes.count) schemas in anyOf (\(summary))")
    }

    private mutating func oneOf(_ nodes: [SchemaNode], _ instance: JSON, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var matching: [Int] = []
        var found = Annotations()
        for (i, node) in nodes.enumerated() {
            enterKeyword(String(i))
            var branch = Annotations()
            let ok = probe(node, instance, annotations: &branch, collect: collect)
            leaveKeyword()
            if ok {
                matching.append(i)
                found.merge(branch)
                if matching.count > 1 { break }
            }
        }
        if matching.count == 1 {
            if collect { ann.merge(found) }
            return true
        }
        let summary = matching.isEmpty ? branchSummary(nodes, instance) : ""
        return fail(matching.isEmpty ? "does not match any of the \(nodes.count) schemas in oneOf (\(summary))"
                    : "matches schemas \(matching[0]) and \(matching[1]) in oneOf; exactly one must match")
    }

    private mutating func conditional(_ ifNode: SchemaNode, _ thenNode: SchemaNode?, _ elseNode: SchemaNode?, _ instance: JSON,
                                      _ ann: inout Annotations, _ collect: Bool) -> Bool {
        var condition = Annotations()
        let holds = probe(ifNode, instance, annotations: &condition, collect: collect)
        if holds, collect { ann.merge(condition) }
        guard let branch = holds ? thenNode : elseNode else { return true }
        leaveKeyword()
        enterKeyword(holds ? "then" : "else")
        return validate(branch, instance, annotations: &ann, collect: collect)
    }

    private mutating func unevaluatedProperties(_ node: SchemaNode, _ object: JSONObject, _ ann: inout Annotations) -> Bool {
        let unevaluated = object.filter { !ann.properties.contains($0.key) }
        let valid = leftoverProperties(node, unevaluated, "is not allowed (it is not evaluated by any other keyword)")
        if valid { ann.allProperties = true }
        return valid
    }

    private mutating func unevaluatedItems(_ node: SchemaNode, _ items: [JSON], _ ann: inout Annotations) -> Bool {
        var valid = true
        for i in ann.itemPrefix..<max(ann.itemPrefix, items.count) where !ann.items.contains(i) {
            if node.constant == false {
                valid = false
                report2("item \(i) is not allowed (it is not evaluated by any other keyword)")
                if shortCircuit { return false }
                continue
            }
            enterInstance(.index(i))
            var ignored = Annotations()
            let ok = validate(node, items[i], annotations: &ignored, collect: false)
            leaveInstance()
            if !ok { valid = false; if shortCircuit { return false } }
        }
        if valid { ann.allItems = true }
        return valid
    }

    /// Why each alternative failed, for an anyOf/oneOf message: run only when reporting,
    /// after the fast check failed. At most two reasons per alternative.
    private mutating func branchSummary(_ nodes: [SchemaNode], _ instance: JSON) -> String {
        guard reporting else { return "" }
        let saved = (errors, instancePath, keywordPath)
        var parts: [String] = []
        for node in nodes {
            errors = []
            instancePath = []
            var ignored = Annotations()
            _ = validate(node, instance, annotations: &ignored, collect: false)
            let reasons = errors.prefix(2).map { $0.instanceLocation.isEmpty ? $0.message : "\($0.instanceLocation): \($0.message)" }
            parts.append(reasons.joined(separator: ", ") + (errors.count > 2 ? ", ..." : ""))
        }
        (errors, instancePath, keywordPath) = saved
        return parts.joined(separator: " | ")
    }

    /// Validate one property's value against `node`; returns false to stop at once.
    private mutating func property(_ name: String, _ value: JSON, _ node: SchemaNode, _ valid: inout Bool,
                                   _ ann: inout Annotations, _ collect: Bool, addKey: Bool = true) -> Bool {
        enterInstance(.key(name))
        if addKey { enterKeyword(name) }
        var ignored = Annotations()
        let ok = validate(node, value, annotations: &ignored, collect: false)
        if addKey { leaveKeyword() }
        leaveInstance()
        if collect { ann.properties.insert(name) }
        if !ok {
            valid = false
            if shortCircuit { return false }
        }
        return true
    }

    /// Report at the current keyword (its name is already on `keywordPath`).
    mutating func report2(_ message: @autoclosure () -> String) {
        guard reporting else { return }
        var instanceLocation = ""
        for token in instancePath {
            instanceLocation.append("/")
            instanceLocation.append(token.text)
        }
        var keywordLocation = ""
        for name in keywordPath {
            keywordLocation.append("/")
            keywordLocation.append(JSONPointer.escape(name))
        }
        errors.append(ValidationError(instanceLocation: instanceLocation, keywordLocation: keywordLocation, message: message()))
    }
}

func describeType(_ value: JSON) -> String {
    switch value {
    case .number(let n): n.isInteger ? "integer \(n)" : "number \(n)"
    case .string(let s): "string \(describe(.string(s)))"
    case .bool(let b): "boolean \(b)"
    case .null: "null"
    case .array: "an array"
    case .object: "an object"
    }
}

/// An instance value for a message; a secret's (`hide`) is never shown.
func shown(_ value: JSON, _ hide: Bool) -> String { hide ? "a hidden value (writeOnly)" : describe(value) }

func shownType(_ value: JSON, _ hide: Bool) -> String {
    guard hide else { return describeType(value) }
    return describeType(value).split(separator: " ").first.map { "\($0) (value hidden: writeOnly)" } ?? "a hidden value"
}

/// A short rendering of a value for messages.
func describe(_ value: JSON) -> String {
    let text = value.serialized()
    return text.count <= 60 ? text : String(text.prefix(57)) + "..."
}
