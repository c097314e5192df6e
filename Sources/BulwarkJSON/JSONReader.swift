/// Parses JSON texts one after another, keeping what one parse can lend the next: the
/// stacks that every array and object is built on, and the short strings already made
/// (member names and enum-like values repeat from document to document).
///
/// For JSON Lines and other streams of documents; `JSON.parse` makes a fresh reader for
/// each text. A reader is used by one thread at a time.
public final class JSONReader {
    public let options: JSONParseOptions
    let elements = ScratchStack<JSON>()
    let members = ScratchStack<JSONObject.Element>()
    let memberPrints = ScratchStack<UInt64>()
    let strings = ShortStrings()

    public init(options: JSONParseOptions = .init()) {
        self.options = options
    }

    /// Parse one JSON text from UTF-8 bytes.
    public func parse(bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> JSON {
        var parser = JSONParser(bytes: bytes, reader: self)
        defer { parser.abandonPartialWork() }
        return try parser.parseDocument()
    }

    /// Parse one JSON text from UTF-8 bytes.
    public func parse(bytes: some Collection<UInt8>) throws(JSONParseError) -> JSON {
        if let result = bytes.withContiguousStorageIfAvailable({ buffer in
            Result { () throws(JSONParseError) in try parse(bytes: buffer) }
        }) {
            return try result.get()
        }
        let copy = Array(bytes)
        let result = copy.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONParseError) in try parse(bytes: buffer) }
        }
        return try result.get()
    }
}

/// Strings of 1 to 16 ASCII bytes already made, found again by their bytes.
///
/// Making a `String` costs a few hundred instructions (validation, then a copy), finding
/// one here a few dozen. Up to 16 bytes a string is exactly its length and two 8-byte
/// words (overlapping when shorter than 16), so an entry matches by three integers.
/// Direct-mapped: a collision replaces the older entry.
final class ShortStrings {
    private struct Entry {
        var length = 0
        var first: UInt64 = 0
        var last: UInt64 = 0
        var string = ""
    }

    private static let slots = 256
    private let entries: UnsafeMutablePointer<Entry>

    init() {
        entries = .allocate(capacity: Self.slots)
        entries.initialize(repeating: Entry(), count: Self.slots)
    }

    deinit {
        entries.deinitialize(count: Self.slots)
        entries.deallocate()
    }

    /// The string of the `length` ASCII bytes (1...16) at `bytes`, whose first 8 bytes
    /// (zero past `length`) are `first` and, past 8 bytes, whose last 8 are `last`.
    @inline(__always)
    func string(_ bytes: UnsafeRawPointer, length: Int, first: UInt64, last: UInt64) -> String {
        let hash = (first &* 0x9E37_79B9_7F4A_7C15) ^ (last &* 0xC2B2_AE3D_27D4_EB4F) ^ UInt64(length)
        let entry = entries + Int(truncatingIfNeeded: hash >> 56)
        if entry.pointee.length == length, entry.pointee.first == first, entry.pointee.last == last {
            return entry.pointee.string
        }
        let made = String(decoding: UnsafeRawBufferPointer(start: bytes, count: length), as: UTF8.self)
        entry.pointee = Entry(length: length, first: first, last: last, string: made)
        return made
    }
}
