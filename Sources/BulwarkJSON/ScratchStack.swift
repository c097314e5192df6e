/// A stack the parser reuses for the elements of every array (or members of every object)
/// it is inside: a container's elements are pushed while it is parsed, then moved off the
/// top into one exactly sized array. One growing buffer per document replaces an array
/// grown by doubling per container, and moving (not copying) the elements out costs no
/// retain or release per element.
final class ScratchStack<Element> {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 32) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        // Elements are left here only when parsing stopped at an error.
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    /// The element at `position` (0-based from the bottom), in place.
    @inline(__always)
    subscript(position: Int) -> Element {
        get { base[position] }
        _modify { yield &base[position] }
    }

    /// Moves the elements from `start` to the top into a new array, leaving `start`
    /// elements on the stack.
    func pop(from start: Int) -> ContiguousArray<Element> {
        let n = count - start
        if n == 0 { return [] }
        let result = ContiguousArray<Element>(unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: base + start, count: n)
            initialized = n
        }
        count = start
        return result
    }

    /// `pop(from:)` as an `Array`.
    func popArray(from start: Int) -> [Element] {
        let n = count - start
        if n == 0 { return [] }
        let result = [Element](unsafeUninitializedCapacity: n) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: base + start, count: n)
            initialized = n
        }
        count = start
        return result
    }

    /// Removes (and destroys) the elements from `start` on.
    func drop(to start: Int) {
        guard count > start else { return }
        (base + start).deinitialize(count: count - start)
        count = start
    }

    private func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        larger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = larger
        capacity *= 2
    }
}
