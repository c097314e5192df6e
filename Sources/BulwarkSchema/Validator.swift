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
        let entered = dynamicScope.last != node.resource
        if entered { dynamicScope.append(node.resource) }
        defer { if entered { dynamicScope.removeLast() } }
        let collect = collect || node.needsAnnotations
        var local = Annotations()
        var valid = true
        for keyword in node.keywords {
            keywordPath.append(keyword.name)
            let ok = evaluate(keyword, instance, &local, collect)
            keywordPath.removeLast()
            if !ok {
                valid = false
                if shortCircuit { return false }
            }
        }
        if valid, collect { annotations.merge(local) }
        return valid
    }

    /// Evaluate one keyword; `keywordPath` already ends with its name.
    private mutating func evaluate(_ keyword: CompiledKeyword, _ instance: JSON, _ ann: inout Annotations, _ collect: Bool) -> Bool {
        func fail(_ message: @autoclosure () -> String) -> Bool {
            report2(message())
            return false
        }
        switch keyword.kind {
        case .ref(let target):
            return validate(target, instance, annotations: &ann, collect: collect)

        case .dynamicRef(let target, let anchor):
            var node = target
            if let anchor, let byResource = dynamicNodes[anchor] {
                for resource in dynamicScope {
                    if let found = byResource[resource] { node = found; break }
                }
            }
            return validate(node, instance, annotations: &ann, collect: collect)

        case .type(let types):
            return types.matches(instance) || fail("expected \(types.description), got \(describeType(instance))")

        case .enumeration(let values):
            return values.contains(instance) || fail(values.count == 1 ? "must be \(describe(values[0]))"
                : "must be one of \(values.prefix(8).map(describe).joined(separator: ", "))\(values.count > 8 ? ", ..." : ""); got \(describe(instance))")

        case .constant(let value):
            return instance == value || fail("must be \(describe(value)), got \(describe(instance))")

        case .multipleOf(let divisor):
            guard case .number(let n) = instance else { return true }
            return n.isMultiple(of: divisor) || fail("must be a multiple of \(divisor), got \(n)")
        case .maximum(let limit):
            guard case .number(let n) = instance else { return true }
            return n <= limit || fail("must be at most \(limit), got \(n)")
        case .exclusiveMaximum(let limit):
            guard case .number(let n) = instance else { return true }
            return n < limit || fail("must be less than \(limit), got \(n)")
        case .minimum(let limit):
            guard case .number(let n) = instance else { return true }
            return n >= limit || fail("must be at least \(limit), got \(n)")
        case .exclusiveMinimum(let limit):
            guard case .number(let n) = instance else { return true }
            return n > limit || fail("must be greater than \(limit), got \(n)")

        case .maxLength(let limit):
            guard case .string(let s) = instance else { return true }
            let length = s.unicodeScalars.count
            return length <= limit || fail("must be at most \(limit) characters long, got \(length)")
        case .minLength(let limit):
            guard case .string(let s) = instance else { return true }
            let length = s.unicodeScalars.count
            return length >= limit || fail("must be at least \(limit) characters long, got \(length)")
        case .pattern(let p):
            guard case .string(let s) = instance else { return true }
            return p.matches(s) || fail("must match the pattern \(p.source)")
        case .format(let name, _):
            guard let message = Formats.check(name, instance) else { return true }
            return fail(message)

        case .items(let node, let start):
            guard case .array(let items) = instance, items.count > start else { return true }
            var valid = true
            for i in start..<items.count {
                instancePath.append(.index(i))
                var ignored = Annotations()
                let ok = validate(node, items[i], annotations: &ignored, collect: false)
                instancePath.removeLast()
                if !ok { valid = false; if shortCircuit { return false } }
            }
            if valid, collect { ann.allItems = true }
            return valid
        case .tuple(let nodes):
            guard case .array(let items) = instance else { return true }
            var valid = true
            for (i, node) in nodes.enumerated() where i < items.count {
                instancePath.append(.index(i))
                keywordPath.append(String(i))
                var ignored = Annotations()
                let ok = validate(node, items[i], annotations: &ignored, collect: false)
                keywordPath.removeLast()
                instancePath.removeLast()
                if !ok { valid = false; if shortCircuit { return false } }
            }
            if valid, collect { ann.itemPrefix = max(ann.itemPrefix, min(nodes.count, items.count)) }
            return valid
        case .contains(let node, let minimum, let maximum):
            guard case .array(let items) = instance else { return true }
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
        case .maxItems(let limit):
            guard case .array(let items) = instance else { return true }
            return items.count <= limit || fail("must have at most \(limit) items, got \(items.count)")
        case .minItems(let limit):
            guard case .array(let items) = instance else { return true }
            return items.count >= limit || fail("must have at least \(limit) items, got \(items.count)")
        case .uniqueItems:
            guard case .array(let items) = instance, items.count > 1 else { return true }
            var seen: [JSON: Int] = [:]
            for (i, item) in items.enumerated() {
                if let first = seen.updateValue(i, forKey: item) {
                    return fail("items \(first) and \(i) are equal; items must be unique")
                }
            }
            return true

        case .properties(let map):
            guard case .object(let object) = instance else { return true }
            var valid = true
            // Walk whichever side is smaller.
            if map.count <= object.count {
                for (name, node) in map {
                    guard let value = object[name] else { continue }
                    if !property(name, value, node, &valid, &ann, collect) { return false }
                }
            } else {
                for (name, value) in object {
                    guard let node = map[name] else { continue }
                    if !property(name, value, node, &valid, &ann, collect) { return false }
                }
            }
            return valid
        case .patternProperties(let patterns):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for (pattern, node) in patterns {
                keywordPath.append(pattern.source)
                defer { keywordPath.removeLast() }
                for (name, value) in object where pattern.matches(name) {
                    keywordPath.removeLast()
                    let go = property(name, value, node, &valid, &ann, collect)
                    keywordPath.append(pattern.source)
                    if !go { return false }
                }
            }
            return valid
        case .additionalProperties(let node, let known, let patterns):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for (name, value) in object where !known.contains(name) && !patterns.contains(where: { $0.matches(name) }) {
                if node.constant == false {
                    valid = false
                    report2("property \"\(name)\" is not allowed")
                    if shortCircuit { return false }
                    continue
                }
                instancePath.append(.key(name))
                var ignored = Annotations()
                let ok = validate(node, value, annotations: &ignored, collect: false)
                instancePath.removeLast()
                if !ok { valid = false; if shortCircuit { return false } }
                if collect { ann.properties.insert(name) }
            }
            return valid
        case .required(let names):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for name in names where !object.contains(name) {
                valid = false
                report2("missing required property \"\(name)\"")
                if shortCircuit { return false }
            }
            return valid
        case .dependentRequired(let dependencies):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for (name, required) in dependencies where object.contains(name) {
                for other in required where !object.contains(other) {
                    valid = false
                    report2("property \"\(name)\" requires property \"\(other)\"")
                    if shortCircuit { return false }
                }
            }
            return valid
        case .dependentSchemas(let dependencies):
            guard case .object(let object) = instance else { return true }
            var valid = true
            for (name, node) in dependencies where object.contains(name) {
                keywordPath.append(name)
                let ok = validate(node, instance, annotations: &ann, collect: collect)
                keywordPath.removeLast()
                if !ok { valid = false; if shortCircuit { return false } }
            }
            return valid
        case .propertyNames(let node):
            guard case .object(let object) = instance else { return true }
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
        case .maxProperties(let limit):
            guard case .object(let object) = instance else { return true }
            return object.count <= limit || fail("must have at most \(limit) properties, got \(object.count)")
        case .minProperties(let limit):
            guard case .object(let object) = instance else { return true }
            return object.count >= limit || fail("must have at least \(limit) properties, got \(object.count)")

        case .allOf(let nodes):
            var valid = true
            for (i, node) in nodes.enumerated() {
                keywordPath.append(String(i))
                let ok = validate(node, instance, annotations: &ann, collect: collect)
                keywordPath.removeLast()
                if !ok { valid = false; if shortCircuit { return false } }
            }
            return valid
        case .anyOf(let nodes):
            var any = false
            for (i, node) in nodes.enumerated() {
                keywordPath.append(String(i))
                let ok = probe(node, instance, annotations: &ann, collect: collect)
                keywordPath.removeLast()
                if ok {
                    any = true
                    if !collect { break }
                }
            }
            return any || fail("does not match any of the \(nodes.count) schemas in anyOf")
        case .oneOf(let nodes):
            var matching: [Int] = []
            var found = Annotations()
            for (i, node) in nodes.enumerated() {
                keywordPath.append(String(i))
                var branch = Annotations()
                let ok = probe(node, instance, annotations: &branch, collect: collect)
                keywordPath.removeLast()
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
            return fail(matching.isEmpty ? "does not match any of the \(nodes.count) schemas in oneOf"
                        : "matches schemas \(matching[0]) and \(matching[1]) in oneOf; exactly one must match")
        case .not(let node):
            var ignored = Annotations()
            return !probe(node, instance, annotations: &ignored, collect: false) || fail("must not match the schema in not")
        case .conditional(let ifNode, let thenNode, let elseNode):
            var condition = Annotations()
            let holds = probe(ifNode, instance, annotations: &condition, collect: collect)
            if holds, collect { ann.merge(condition) }
            guard let branch = holds ? thenNode : elseNode else { return true }
            keywordPath.removeLast()
            keywordPath.append(holds ? "then" : "else")
            return validate(branch, instance, annotations: &ann, collect: collect)

        case .unevaluatedProperties(let node):
            guard case .object(let object) = instance, !ann.allProperties else { return true }
            var valid = true
            for (name, value) in object where !ann.properties.contains(name) {
                if node.constant == false {
                    valid = false
                    report2("property \"\(name)\" is not allowed (it is not evaluated by any other keyword)")
                    if shortCircuit { return false }
                    continue
                }
                instancePath.append(.key(name))
                var ignored = Annotations()
                let ok = validate(node, value, annotations: &ignored, collect: false)
                instancePath.removeLast()
                if !ok { valid = false; if shortCircuit { return false } }
            }
            if valid { ann.allProperties = true }
            return valid
        case .unevaluatedItems(let node):
            guard case .array(let items) = instance, !ann.allItems else { return true }
            var valid = true
            for i in ann.itemPrefix..<max(ann.itemPrefix, items.count) where !ann.items.contains(i) {
                if node.constant == false {
                    valid = false
                    report2("item \(i) is not allowed (it is not evaluated by any other keyword)")
                    if shortCircuit { return false }
                    continue
                }
                instancePath.append(.index(i))
                var ignored = Annotations()
                let ok = validate(node, items[i], annotations: &ignored, collect: false)
                instancePath.removeLast()
                if !ok { valid = false; if shortCircuit { return false } }
            }
            if valid { ann.allItems = true }
            return valid
        }
    }

    /// Validate one property's value against `node`; returns false to stop at once.
    private mutating func property(_ name: String, _ value: JSON, _ node: SchemaNode, _ valid: inout Bool,
                                   _ ann: inout Annotations, _ collect: Bool) -> Bool {
        instancePath.append(.key(name))
        keywordPath.append(name)
        var ignored = Annotations()
        let ok = validate(node, value, annotations: &ignored, collect: false)
        keywordPath.removeLast()
        instancePath.removeLast()
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
        errors.append(ValidationError(
            instanceLocation: instancePath.map { "/" + $0.text }.joined(),
            keywordLocation: keywordPath.map { "/" + JSONPointer.escape($0) }.joined(),
            message: message()))
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

/// A short rendering of a value for messages.
func describe(_ value: JSON) -> String {
    let text = value.serialized()
    return text.count <= 60 ? text : String(text.prefix(57)) + "..."
}
