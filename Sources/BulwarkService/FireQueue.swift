/// The scheduler's next fires: a binary min-heap of (fire time, schedule, version).
/// A schedule that changes gets a new version; its old entries stay in the heap and are
/// dropped when they reach the top (lazy deletion keeps every change O(log n)).
struct FireQueue: Sendable {
    struct Item: Sendable {
        var time: Int64
        var id: String
        var version: Int
    }
    private var heap: [Item] = []

    var count: Int { heap.count }
    var first: Item? { heap.first }

    mutating func push(_ item: Item) {
        heap.append(item)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].time < heap[parent].time else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Item? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].time < heap[smallest].time { smallest = left }
            if right < heap.count, heap[right].time < heap[smallest].time { smallest = right }
            if smallest == parent { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    mutating func removeAll() { heap.removeAll() }
}
