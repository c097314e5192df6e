import BulwarkFiles
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

    /// Configuration files larger than this are refused rather than read.
    public static let sizeLimit = 16 << 20

    public static func read(_ path: String, schema: JSONSchema? = nil) throws(ConfigError) -> ConfigFile {
        let text = try readText(path)
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

    /// The file's text: a regular file (never a FIFO or a device, which could block or
    /// never end) of at most ``sizeLimit`` bytes, in valid UTF-8. Each refusal says why.
    static func readText(_ path: String) throws(ConfigError) -> String {
        func fail(_ message: String, _ position: SourcePosition? = nil) -> ConfigError {
            ConfigError(file: path, position: position, message: message)
        }
        let bytes: [UInt8]
        do {
            bytes = try RegularFile.read(path, limit: sizeLimit)
        } catch {
            switch error {
            case .missing: throw fail("cannot read the file: \(String(cString: strerror(ENOENT)))")
            case .changed: throw fail("cannot read the file: it is not a regular file")
            case .tooLarge(let size, _):
                throw fail("cannot read the file: it is \(size) bytes; configuration files may have at most \(sizeLimit) (16 MiB)")
            default: throw fail("cannot read the file: \(error)")
            }
        }
        if let bad = invalidUTF8(bytes) {
            throw fail("the file is not valid UTF-8 here (byte 0x\(String(bytes[bad.offset], radix: 16))); save it as UTF-8", bad.position)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first byte that is not part of valid UTF-8, with its line and column (columns
    /// count characters, as the YAML reader's do).
    static func invalidUTF8(_ bytes: [UInt8]) -> (offset: Int, position: SourcePosition)? {
        var line = 1, column = 1, i = 0
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return (i, SourcePosition(line: line, column: column))
            }
            guard i + length <= bytes.count else { return (i, SourcePosition(line: line, column: column)) }
            for k in 1..<max(length, 1) where !(0x80...0xBF).contains(bytes[i + k]) {
                return (i, SourcePosition(line: line, column: column))
            }
            // Overlong forms and surrogates.
            if length == 3, (b == 0xE0 && bytes[i + 1] < 0xA0) || (b == 0xED && bytes[i + 1] > 0x9F) { return (i, SourcePosition(line: line, column: column)) }
            if length == 4, (b == 0xF0 && bytes[i + 1] < 0x90) || (b == 0xF4 && bytes[i + 1] > 0x8F) { return (i, SourcePosition(line: line, column: column)) }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return nil
    }

    /// An error about the value at `pointer`, positioned in the file.
    public func error(at pointer: String, _ message: String) -> ConfigError {
        ConfigError(file: path, position: document.position(of: pointer), message: message)
    }
}
