import BulwarkJSON

/// Options for compiling a schema.
public struct SchemaOptions: Sendable {
    /// The dialect of a schema without `$schema` (default 2020-12).
    public var defaultDraft: Draft = .draft2020_12
    /// Treat `format` as an assertion instead of an annotation.
    public var assertFormat = false
    /// Documents `$ref` may name, by their URI.
    public var documents: [String: JSON] = [:]
    /// A local directory standing in for remote references: `http://host/a/b.json` is read
    /// from `<directory>/a/b.json`. Nothing is ever fetched from the network.
    public var remotesDirectory: String?
    /// The URI the schema was retrieved from: relative references resolve against it.
    public var baseURI: String = "urn:bulwark:schema"

    public init(defaultDraft: Draft = .draft2020_12, assertFormat: Bool = false, documents: [String: JSON] = [:],
                remotesDirectory: String? = nil, baseURI: String = "urn:bulwark:schema") {
        self.defaultDraft = defaultDraft
        self.assertFormat = assertFormat
        self.documents = documents
        self.remotesDirectory = remotesDirectory
        self.baseURI = baseURI
    }
}

/// The result of validating one instance.
public struct ValidationResult: Sendable {
    public var errors: [ValidationError]
    public var isValid: Bool { errors.isEmpty }
}

/// A compiled JSON Schema (draft 4, 6, 7, 2019-09 or 2020-12, chosen by `$schema`).
///
/// Compile once, then validate any number of instances from any number of threads: the
/// compiled form is immutable and every `$ref` is resolved at compile time.
public struct JSONSchema: Sendable {
    let root: SchemaNode
    /// The valid-instance fast path (FastPath.swift); nil when the schema needs the full
    /// evaluator even to say yes (dynamic references, unevaluated*).
    let fast: FastPath?
    let dynamicNodes: [String: [Int: SchemaNode]]
    /// Owns the graph, and frees its cycles once the schema is gone.
    let nodes: SchemaNodes
    /// The dialect the schema's root uses.
    public let draft: Draft

    public init(_ schema: JSON, options: SchemaOptions = .init()) throws(SchemaError) {
        let documents = options.documents
        let remotes = options.remotesDirectory
        let registry = SchemaRegistry(defaultDraft: options.defaultDraft) { (uri: String) throws(SchemaError) -> JSON? in
            if let document = documents[uri] ?? documents[uri + "#"] { return document }
            return try RemoteDocuments.load(uri, remotesDirectory: remotes)
        }
        try MetaSchemaDocuments.register(in: registry)
        let location = try registry.add(schema, uri: options.baseURI)
        let compiler = SchemaCompiler(registry: registry, assertFormat: options.assertFormat)
        do {
            root = try compiler.compileRoot(location)
        } catch {
            _ = compiler.allNodes  // made and dropped at once: a half-compiled graph is freed too
            throw error
        }
        nodes = compiler.allNodes
        fast = FastPathBuilder.build(root)
        dynamicNodes = compiler.dynamicNodes
        draft = registry.locationInfo(location).draft
    }

    /// Parse and compile schema text.
    public init(text: String, options: SchemaOptions = .init()) throws(SchemaError) {
        let json: JSON
        do { json = try JSON.parse(text) } catch {
            throw SchemaError(location: "", message: "not valid JSON: \(error)")
        }
        try self.init(json, options: options)
    }

    /// Every way `instance` fails the schema (or only the first, when asked).
    public func validate(_ instance: JSON, stopAtFirstError: Bool = false) -> ValidationResult {
        // Most instances are valid: check fast first, and build messages only on failure.
        if isValid(instance) { return ValidationResult(errors: []) }
        return ValidationResult(errors: reportedErrors(instance, stopAtFirstError: stopAtFirstError))
    }

    /// The reporting evaluator alone, without the fast path first (tests compare the two).
    func reportedErrors(_ instance: JSON, stopAtFirstError: Bool = false) -> [ValidationError] {
        var evaluation = Evaluation(dynamicNodes: dynamicNodes, stopAtFirst: stopAtFirstError)
        var annotations = Annotations()
        _ = evaluation.validate(root, instance, annotations: &annotations, collect: false)
        return evaluation.errors
    }

    /// Whether `instance` is valid, as fast as possible (no messages are made).
    public func isValid(_ instance: JSON) -> Bool {
        if let fast { return fast.isValid(instance) }
        var evaluation = Evaluation(dynamicNodes: dynamicNodes, stopAtFirst: true)
        evaluation.reporting = false
        var annotations = Annotations()
        return evaluation.validate(root, instance, annotations: &annotations, collect: false)
    }
}

/// The official meta-schemas, parsed once per process.
enum MetaSchemaDocuments {
    static let parsed: [(String, JSON)] = MetaSchemas.documents.map { uri, text in
        (uri, try! JSON.parse(text))
    }

    static func register(in registry: SchemaRegistry) throws(SchemaError) {
        for (uri, document) in parsed {
            try registry.add(document, uri: uri, draft: Draft(metaSchemaURI: document["$schema"]?.stringValue ?? uri) ?? .draft2020_12)
        }
    }
}

extension JSONSchema {
    /// Why `schema` is not a valid JSON Schema, or nil when it is: it must validate
    /// against its draft's meta-schema (by `$schema`, else `options.defaultDraft`) and
    /// compile (every `$ref` resolvable, every pattern a valid regular expression).
    public static func problems(with schema: JSON, options: SchemaOptions = .init()) -> [String] {
        let draft = schema["$schema"]?.stringValue.flatMap { Draft(metaSchemaURI: $0) } ?? options.defaultDraft
        if let meta = MetaSchemaCache.shared(draft) {
            let errors = meta.validate(schema).errors
            if !errors.isEmpty { return errors.map(\.description) }
        }
        do {
            _ = try JSONSchema(schema, options: options)
            return []
        } catch {
            return [error.description]
        }
    }
}

/// The meta-schemas compiled once per process, by draft.
enum MetaSchemaCache {
    static let compiled: [Draft: JSONSchema] = {
        var result: [Draft: JSONSchema] = [:]
        for draft in Draft.allCases {
            guard let document = MetaSchemaDocuments.parsed.first(where: { Draft(metaSchemaURI: $0.0) == draft })?.1 else { continue }
            result[draft] = try? JSONSchema(document, options: SchemaOptions(defaultDraft: draft, baseURI: draft.metaSchemaURI))
        }
        return result
    }()

    static func shared(_ draft: Draft) -> JSONSchema? { compiled[draft] }
}
