import BulwarkJSON
import CYAML

/// A 1-based line and column in a text file.
public struct SourcePosition: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
    public var description: String { "\(line):\(column)" }
}

/// A YAML (or JSON) file read into JSON, remembering where each value stood so errors
/// can name the line and column.
public struct YAMLDocument: Sendable {
    public var json: JSON
    /// Position of each value, by JSON Pointer ("" is the document).
    public var positions: [String: SourcePosition]

    /// The position of the value at `pointer`, or of its nearest ancestor that has one.
    public func position(of pointer: String) -> SourcePosition? {
        var p = pointer
        while true {
            if let found = positions[p] { return found }
            guard let slash = p.lastIndex(of: "/") else { return nil }
            p = String(p[..<slash])
        }
    }

    /// Parse YAML 1.2 text (JSON is YAML too). Scalars are typed by the YAML 1.2 core
    /// schema: `null`/`~`/empty, `true`/`false`, integers (decimal, `0x`, `0o`), floats;
    /// anything quoted is a string. Anchors and aliases are expanded (at most 100,000
    /// values in all, against "billion laughs" files). Only one document is read.
    public static func parse(_ text: String) throws(YAMLError) -> YAMLDocument {
        var reader = YAMLReader(text: text)
        return try reader.read()
    }
}

/// A YAML text that could not be read, with where.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var position: SourcePosition

    public init(message: String, position: SourcePosition) {
        self.message = message
        self.position = position
    }

    /// `line 3, column 5: ...`
    public var description: String { "line \(position.line), column \(position.column): \(message)" }
}
