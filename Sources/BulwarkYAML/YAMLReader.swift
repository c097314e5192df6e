import BulwarkJSON
import CYAML

/// Builds JSON from libyaml's event stream.
struct YAMLReader {
    let text: String
    var positions: [String: SourcePosition] = [:]
    var anchors: [String: JSON] = [:]
    /// How many values each anchored node holds: an alias counts as all of them.
    var anchorSizes: [String: Int] = [:]
    var valueCount = 0
    static let maxValues = 100_000
    static let maxDepth = 512

    init(text: String) { self.text = text }

    mutating func read() throws(YAMLError) -> YAMLDocument {
        // The parser lives at a fixed address for as long as the events are read.
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLError(message: "cannot initialise the YAML parser", position: SourcePosition(line: 1, column: 1))
        }
        defer { yaml_parser_delete(parser) }
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(YAMLError) -> YAMLDocument in
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            var events = EventStream(parser: parser)
            // STREAM-START, then DOCUMENT-START (or STREAM-END for an empty file).
            _ = try events.next()
            let first = try events.next()
            if first.type == YAML_STREAM_END_EVENT {
                return YAMLDocument(json: .null, positions: ["": SourcePosition(line: 1, column: 1)])
            }
            let value = try readNode(&events, pointer: "", depth: 0)
            let end = try events.next()  // DOCUMENT-END
            _ = end
            let after = try events.next()
            if after.type == YAML_DOCUMENT_START_EVENT {
                throw YAMLError(message: "more than one YAML document; a file holds one", position: after.position)
            }
            return YAMLDocument(json: value, positions: positions)
        }
    }

    mutating func readNode(_ events: inout EventStream, pointer: String, depth: Int) throws(YAMLError) -> JSON {
        let event = try events.next()
        return try readNode(event, &events, pointer: pointer, depth: depth)
    }

    mutating func readNode(_ event: Event, _ events: inout EventStream, pointer: String, depth: Int) throws(YAMLError) -> JSON {
        let countBefore = valueCount
        valueCount += 1
        if event.type == YAML_ALIAS_EVENT { valueCount += anchorSizes[event.anchor ?? ""] ?? 0 }
        if valueCount > Self.maxValues {
            throw YAMLError(message: "more than \(Self.maxValues) values (are aliases expanding without end?)", position: event.position)
        }
        if depth > Self.maxDepth {
            throw YAMLError(message: "nesting deeper than \(Self.maxDepth) levels", position: event.position)
        }
        positions[pointer] = event.position
        let value: JSON
        switch event.type {
        case YAML_ALIAS_EVENT:
            guard let anchored = anchors[event.anchor ?? ""] else {
                throw YAMLError(message: "unknown alias *\(event.anchor ?? "")", position: event.position)
            }
            return anchored
        case YAML_SCALAR_EVENT:
            value = try scalar(event)
        case YAML_SEQUENCE_START_EVENT:
            var items: [JSON] = []
            while true {
                let next = try events.next()
                if next.type == YAML_SEQUENCE_END_EVENT { break }
                items.append(try readNode(next, &events, pointer: pointer + "/" + String(items.count), depth: depth + 1))
            }
            value = .array(items)
        case YAML_MAPPING_START_EVENT:
            var object = JSONObject()
            var merged: [JSONObject] = []
            while true {
                let keyEvent = try events.next()
                if keyEvent.type == YAML_MAPPING_END_EVENT { break }
                if keyEvent.type == YAML_SCALAR_EVENT, !keyEvent.quoted, keyEvent.value == "<<" {
                    // YAML 1.1 merge key (`<<: *defaults`): the mapping's (or mappings')
                    // entries, under those written out here.
                    switch try readNode(&events, pointer: pointer + "/<<", depth: depth + 1) {
                    case .object(let o): merged.append(o)
                    case .array(let list) where list.allSatisfy({ $0.objectValue != nil }): merged += list.compactMap(\.objectValue)
                    default: throw YAMLError(message: "a merge key (<<) takes a mapping or a list of mappings", position: keyEvent.position)
                    }
                    continue
                }
                guard keyEvent.type == YAML_SCALAR_EVENT || keyEvent.type == YAML_ALIAS_EVENT else {
                    throw YAMLError(message: "a mapping key must be a plain value, not a list or a mapping", position: keyEvent.position)
                }
                let key: String
                if keyEvent.type == YAML_ALIAS_EVENT {
                    guard let k = anchors[keyEvent.anchor ?? ""]?.stringValue else {
                        throw YAMLError(message: "alias *\(keyEvent.anchor ?? "") used as a key is not a string", position: keyEvent.position)
                    }
                    key = k
                } else {
                    key = keyEvent.value
                }
                if object.contains(key) {
                    throw YAMLError(message: "duplicate key \"\(key)\"", position: keyEvent.position)
                }
                let childPointer = pointer + "/" + key.replacingTokens()
                object[key] = try readNode(&events, pointer: childPointer, depth: depth + 1)
                if positions[childPointer] == nil { positions[childPointer] = keyEvent.position }
            }
            for source in merged {
                for (key, v) in source where !object.contains(key) { object[key] = v }
            }
            value = .object(object)
        default:
            throw YAMLError(message: "unexpected YAML event", position: event.position)
        }
        if let anchor = event.anchor {
            anchors[anchor] = value
            anchorSizes[anchor] = valueCount - countBefore
        }
        return value
    }

    func scalar(_ event: Event) throws(YAMLError) -> JSON {
        let s = event.value
        if event.quoted { return .string(s) }
        if let tag = event.tag {
            switch tag {
            case "tag:yaml.org,2002:str": return .string(s)
            case "tag:yaml.org,2002:null": return .null
            case "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float": break
            default: break
            }
        }
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", ".nan", ".NaN", ".NAN":
            throw YAMLError(message: "\(s) has no JSON equivalent; quote it to make it a string", position: event.position)
        default: break
        }
        if s.hasPrefix("0x"), let v = Int64(s.dropFirst(2), radix: 16) { return .number(JSONNumber(v)) }
        if s.hasPrefix("0o"), let v = Int64(s.dropFirst(2), radix: 8) { return .number(JSONNumber(v)) }
        var numeric = s
        if numeric.hasPrefix("+") { numeric.removeFirst() }
        if numeric.first.map({ $0.isNumber || $0 == "-" || $0 == "." }) == true {
            // YAML allows ".5" and "1." where JSON does not.
            var normalised = numeric
            if normalised.hasPrefix(".") { normalised = "0" + normalised }
            if normalised.hasPrefix("-.") { normalised = "-0" + normalised.dropFirst() }
            if normalised.hasSuffix(".") { normalised += "0" }
            normalised = normalised.replacingOccurrences(of: ".e", with: ".0e").replacingOccurrences(of: ".E", with: ".0E")
            if let n = JSONNumber(parsing: normalised) { return .number(n) }
        }
        return .string(s)
    }
}

extension String {
    /// JSON Pointer token escaping.
    func replacingTokens() -> String {
        guard contains("~") || contains("/") else { return self }
        var out = ""
        for c in self {
            switch c {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.append(c)
            }
        }
        return out
    }

    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let r = rest.firstRange(of: target) {
            result += rest[..<r.lowerBound] + replacement
            rest = rest[r.upperBound...]
        }
        return result + rest
    }
}

/// One libyaml event, copied into Swift values.
struct Event {
    var type: yaml_event_type_t
    var position: SourcePosition
    var value = ""
    var anchor: String?
    var tag: String?
    var quoted = false
}

/// Pulls events from a libyaml parser, turning its errors into ``YAMLError``s.
struct EventStream {
    let parser: UnsafeMutablePointer<yaml_parser_t>

    init(parser: UnsafeMutablePointer<yaml_parser_t>) { self.parser = parser }

    mutating func next() throws(YAMLError) -> Event {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            let p = parser.pointee
            let mark = p.problem_mark
            var message = p.problem.map { String(cString: $0) } ?? "invalid YAML"
            if let context = p.context.map({ String(cString: $0) }) { message = "\(message) (\(context))" }
            throw YAMLError(message: message, position: SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1))
        }
        defer { yaml_event_delete(&event) }
        var result = Event(type: event.type,
                           position: SourcePosition(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1))
        switch event.type {
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            result.value = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            result.anchor = s.anchor.map { String(cString: $0) }
            result.tag = s.tag.map { String(cString: $0) }
            result.quoted = s.style == YAML_SINGLE_QUOTED_SCALAR_STYLE || s.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE
                || s.style == YAML_LITERAL_SCALAR_STYLE || s.style == YAML_FOLDED_SCALAR_STYLE
        case YAML_ALIAS_EVENT:
            result.anchor = event.data.alias.anchor.map { String(cString: $0) }
        case YAML_SEQUENCE_START_EVENT:
            result.anchor = event.data.sequence_start.anchor.map { String(cString: $0) }
        case YAML_MAPPING_START_EVENT:
            result.anchor = event.data.mapping_start.anchor.map { String(cString: $0) }
        default:
            break
        }
        return result
    }
}
