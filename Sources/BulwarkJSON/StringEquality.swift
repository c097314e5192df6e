#if canImport(Glibc)
import Glibc
#endif

extension String {
    /// Code-point equality (JSON's), unlike `==`, which compares canonical equivalence.
    /// Native strings compare with one `memcmp`.
    @inlinable
    public func utf8Equal(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        if let result = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb in
                pa.count == 0 || memcmp(pa.baseAddress!, pb.baseAddress!, pa.count) == 0
            }
        }), let equal = result {
            return equal
        }
        return a.elementsEqual(b)
    }
}
