import BulwarkCore
import BulwarkJSON
import Foundation
import Hummingbird

/// A request's query string, decoded (`+` is a space, `%XX` a byte); a name given twice
/// keeps its last value.
struct Query: Sendable {
    private(set) var values: [String: String] = [:]

    init(_ request: Request) {
        guard let query = request.uri.query else { return }
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            values[name] = parts.count > 1 ? Self.decode(parts[1]) : ""
        }
    }

    static func decode(_ text: Substring) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    subscript(_ name: String) -> String? { values[name].flatMap { $0.isEmpty ? nil : $0 } }

    /// A boolean flag as Karbor reads them (`all_tenants=1`, `True`, `true`, `yes`).
    func flag(_ name: String) -> Bool {
        guard let value = values[name] else { return false }
        return ["1", "true", "yes", "y", "on", ""].contains(value.lowercased())
    }

    /// `limit` (1...1000, default 1000), `marker`, and `sort` as `key:dir` (default
    /// `created_at:desc`; only the first key of a list is used).
    func page(sortable: Set<String>) throws -> (limit: Int, marker: String?, key: String, ascending: Bool) {
        var limit = 1000
        if let text = values["limit"] {
            guard let n = Int(text), n >= 0 else { throw Fault.badRequest("limit must be a whole number of 0 or more (got \(text))") }
            limit = n == 0 ? 1000 : min(n, 1000)
        }
        var key = "created_at"
        var ascending = false
        if let sort = values["sort"] ?? values["sort_key"] {
            let first = sort.split(separator: ",").first.map(String.init) ?? sort
            let parts = first.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                .map { String($0).trimmingCharacters(in: .whitespaces) }
            guard let named = parts.first, !named.isEmpty else {
                throw Fault.badRequest("sort must name a key, as key:asc or key:desc; the sort keys are \(sortable.sorted().joined(separator: ", "))")
            }
            key = named
            let direction = parts.count > 1 ? parts[1].lowercased() : (self["sort_dir"]?.lowercased() ?? "desc")
            guard direction == "asc" || direction == "desc" else {
                throw Fault.badRequest("sort direction must be asc or desc (got \(direction))")
            }
            ascending = direction == "asc"
            guard sortable.contains(key) else {
                throw Fault.badRequest("cannot sort on \(key); the sort keys are \(sortable.sorted().joined(separator: ", "))")
            }
        }
        return (limit, self["marker"], key, ascending)
    }

    /// A JSON object given as a Python literal (`{'region': 'R1'}`, as python-karborclient
    /// sends it) or as JSON.
    func object(_ name: String) throws -> JSONObject? {
        guard let text = self[name] else { return nil }
        do {
            guard case .object(let o) = try PythonLiteral.parse(text) else {
                throw Fault.badRequest("\(name) must be a mapping, as {'key': 'value'} or {\"key\": \"value\"}")
            }
            return o
        } catch let fault as Fault {
            throw fault
        } catch {
            throw Fault.badRequest("\(name) is not a mapping: \(error)")
        }
    }
}

/// The literals Python's `repr` writes for dicts, lists, strings, numbers, True, False and
/// None; JSON is a subset but for true/false/null, which are accepted too.
enum PythonLiteral {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parse(_ text: String) throws(Failure) -> JSON {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value(depth: 0)
        parser.skipSpace()
        guard parser.at == parser.scalars.count else { throw Failure(description: "unexpected text at character \(parser.at + 1)") }
        return value
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var at = 0

        mutating func skipSpace() { while at < scalars.count, scalars[at].properties.isWhitespace { at += 1 } }

        func fail(_ what: String) -> Failure { Failure(description: "\(what) at character \(at + 1)") }

        mutating func value(depth: Int) throws(Failure) -> JSON {
            guard depth < 64 else { throw fail("nested too deeply") }
            skipSpace()
            guard at < scalars.count else { throw fail("a value is missing") }
            switch scalars[at] {
            case "{":
                at += 1
                var o = JSONObject()
                skipSpace()
                if at < scalars.count, scalars[at] == "}" { at += 1; return .object(o) }
                while true {
                    guard case .string(let key) = try value(depth: depth + 1) else { throw fail("a key must be a string") }
                    skipSpace()
                    guard at < scalars.count, scalars[at] == ":" else { throw fail("':' expected") }
                    at += 1
                    o[key] = try value(depth: depth + 1)
                    skipSpace()
                    guard at < scalars.count else { throw fail("'}' expected") }
                    if scalars[at] == "," { at += 1; skipSpace(); if at < scalars.count, scalars[at] == "}" { at += 1; return .object(o) }; continue }
                    if scalars[at] == "}" { at += 1; return .object(o) }
                    throw fail("',' or '}' expected")
                }
            case "[", "(":
                let close: Unicode.Scalar = scalars[at] == "[" ? "]" : ")"
                at += 1
                var items: [JSON] = []
                skipSpace()
                if at < scalars.count, scalars[at] == close { at += 1; return .array(items) }
                while true {
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard at < scalars.count else { throw fail("'\(close)' expected") }
                    if scalars[at] == "," { at += 1; skipSpace(); if at < scalars.count, scalars[at] == close { at += 1; return .array(items) }; continue }
                    if scalars[at] == close { at += 1; return .array(items) }
                    throw fail("',' or '\(close)' expected")
                }
            case "'", "\"":
                return .string(try string())
            default:
                var word = ""
                while at < scalars.count, !",:]})".unicodeScalars.contains(scalars[at]), !scalars[at].properties.isWhitespace {
                    word.unicodeScalars.append(scalars[at])
                    at += 1
                }
                switch word {
                case "True", "true": return .bool(true)
                case "False", "false": return .bool(false)
                case "None", "null": return .null
                default:
                    if let n = JSONNumber(parsing: word) { return .number(n) }
                    throw fail(word.isEmpty ? "a value is missing" : "\(word) is not a value")
                }
            }
        }

        mutating func string() throws(Failure) -> String {
            let quote = scalars[at]
            at += 1
            var out = ""
            while at < scalars.count {
                let c = scalars[at]
                at += 1
                if c == quote { return out }
                if c == "\\" {
                    guard at < scalars.count else { break }
                    let e = scalars[at]
                    at += 1
                    switch e {
                    case "n": out += "\n"
                    case "t": out += "\t"
                    case "r": out += "\r"
                    case "\\", "'", "\"": out.unicodeScalars.append(e)
                    case "u", "x":
                        let count = e == "u" ? 4 : 2
                        guard at + count <= scalars.count, let v = UInt32(String(String.UnicodeScalarView(scalars[at..<at + count])), radix: 16),
                              let s = Unicode.Scalar(v) else { throw fail("a bad \\\(e) escape") }
                        out.unicodeScalars.append(s)
                        at += count
                    default: out += "\\"; out.unicodeScalars.append(e)
                    }
                } else {
                    out.unicodeScalars.append(c)
                }
            }
            throw fail("an unterminated string")
        }
    }
}

/// `<collection>_links` for a full page: the same URL with `marker` set to the last id.
enum PageLinks {
    static func links(_ request: Request, count: Int, limit: Int, lastID: String?) -> JSON? {
        guard count >= limit, limit > 0, let lastID else { return nil }
        let host = request.head.authority ?? "localhost"
        var query = Query(request).values
        query["marker"] = lastID
        query["limit"] = String(limit)
        let allowed = CharacterSet.urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+?"))
        let text = query.sorted { $0.key < $1.key }.map { k, v in
            "\(k.addingPercentEncoding(withAllowedCharacters: allowed) ?? k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)"
        }.joined(separator: "&")
        let scheme = request.head.scheme ?? "http"
        return .array([.object(JSONObject([("rel", "next"), ("href", .string("\(scheme)://\(host)\(request.uri.path)?\(text)"))]))])
    }
}
