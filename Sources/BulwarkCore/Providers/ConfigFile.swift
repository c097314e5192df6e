import BulwarkJSON
import BulwarkSchema
import BulwarkYAML
import Foundation

/// A problem in a configuration file (provider, plan, parameters), naming the file and,
/// when known, the line and column: `providers/demo.yaml:12:5: /bank/plugin: expected a
/// string, got integer 3`.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var position: SourcePosition?
    public var message: String

    public init(file: String, position: SourcePosition?, message: String) {
        self.file = file
        self.position = position
        self.message = message
    }

    public var description: String {
        guard let position else { return "\(file): \(message)" }
        return "\(file):\(position.line):\(position.column): \(message)"
    }
}

/// A YAML or JSON file read and, when a schema is given, validated, with positions kept
/// for later errors.
public struct ConfigFile: Sendable {
    public let path: String
    public let document: YAMLDocument
    public var json: JSON { document.json }

    public static func read(_ path: String, schema: JSONSchema? = nil) throws(ConfigError) -> ConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, position: nil, message: "cannot read the file")
        }
        let text = String(decoding: data, as: UTF8.self)
        let document: YAMLDocument
        do { document = try YAMLDocument.parse(text) } catch {
            throw ConfigError(file: path, position: error.position, message: error.message)
        }
        let file = ConfigFile(path: path, document: document)
        if let schema {
            let result = schema.validate(document.json)
            if let first = result.errors.first {
                throw file.error(at: first.instanceLocation, first.description
                    + (result.errors.count > 1 ? " (and \(result.errors.count - 1) more: \(result.errors.dropFirst().map(\.description).joined(separator: "; ")))" : ""))
            }
        }
        return file
    }

    /// An error about the value at `pointer`, positioned in the file.
    public func error(at pointer: String, _ message: String) -> ConfigError {
        ConfigError(file: path, position: document.position(of: pointer), message: message)
    }
}
