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
