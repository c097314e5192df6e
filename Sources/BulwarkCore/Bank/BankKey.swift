/// Bank keys: checked and normalised before they reach any bank plugin.
///
/// A key is made of the characters `A-Z a-z 0-9 / _ . - @`, has no `.` or `..` part, and
/// is normalised like a path: one leading `/`, no repeated or trailing `/`. So
/// `checkpoints//a/index.json` becomes `/checkpoints/a/index.json`, and `/a/../b` is
/// refused.
public enum BankKey {
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public var key: String
        public var reason: String
        public var description: String { "invalid bank key \"\(key)\": \(reason)" }
    }

    static func allowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "/"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "@"):
            true
        default:
            false
        }
    }

    /// The normalised form of an object key.
    public static func normalise(_ key: String) throws(Invalid) -> String {
        let parts = try check(key)
        guard !parts.isEmpty else { throw Invalid(key: key, reason: "it names no object") }
        return "/" + parts.joined(separator: "/")
    }

    /// The normalised form of a listing prefix: like a key, but a trailing `/` is kept
    /// (`/checkpoints/` lists what is inside, `/checkpoints` also matches `/checkpoints2`),
    /// and the empty prefix lists everything.
    public static func normalisePrefix(_ prefix: String) throws(Invalid) -> String {
        if prefix.isEmpty || prefix == "/" { return "/" }
        let parts = try check(prefix)
        let body = "/" + parts.joined(separator: "/")
        return prefix.hasSuffix("/") && body != "/" ? body + "/" : body
    }

    /// Join a section prefix and a relative key.
    public static func join(_ prefix: String, _ key: String) throws(Invalid) -> String {
        try normalise(prefix + "/" + key)
    }

    private static func check(_ key: String) throws(Invalid) -> [Substring] {
        guard !key.isEmpty else { throw Invalid(key: key, reason: "it is empty") }
        guard key.utf8.count <= 1024 else { throw Invalid(key: String(key.prefix(64)) + "...", reason: "it is longer than 1024 bytes") }
        if let bad = key.utf8.first(where: { !allowed($0) }) {
            let shown = bad >= 0x20 && bad < 0x7F ? "'\(Character(Unicode.Scalar(bad)))'" : "byte 0x\(String(bad, radix: 16))"
            throw Invalid(key: key, reason: "\(shown) is not allowed (only A-Z a-z 0-9 / _ . - @)")
        }
        let parts = key.split(separator: "/", omittingEmptySubsequences: true)
        if parts.contains(where: { $0 == "." || $0 == ".." }) {
            throw Invalid(key: key, reason: "\".\" and \"..\" parts are not allowed")
        }
        return parts
    }
}
