#if canImport(Glibc)
import Glibc
#endif

extension String {
    /// Code-point equality (JSON's), unlike `==`, which compares canonical equivalence.
    /// Native strings compare their bytes in place.
    @inlinable
    public func utf8Equal(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        if let result = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb in
                // Short strings (property names, mostly) compare in line: the call to
                // memcmp cost more than the comparison.
                if pa.count <= 16 {
                    for i in 0..<pa.count where pa[i] != pb[i] { return false }
                    return true
                }
                return memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0
            }
        }), let equal = result {
            return equal
        }
        return a.elementsEqual(b)
    }
}

/// A string that is an identity (a JSON member name, a resource's type or id), compared
/// and hashed by its Unicode scalars, never by canonical equivalence: "é" (U+00E9) and
/// "e\u{301}" are two names, as they are two files, two JSON keys and two Keystone ids.
/// Swift's `String` as a dictionary key would make them one.
public struct ExactString: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var value: String

    @inlinable public init(_ value: String) { self.value = value }
    public init(stringLiteral value: String) { self.value = value }

    @inlinable public static func == (a: ExactString, b: ExactString) -> Bool { a.value.utf8Equal(b.value) }

    @inlinable public func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    public var description: String { value }
}
