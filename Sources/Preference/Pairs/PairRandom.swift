import Base
import Tensor

/// Seeded choices for the pair builders and generators.
///
/// Each item (line of a file, generated problem) gets its own stream derived from the seed and
/// the item's index, so an item's pair does not depend on the items before it: filtering or
/// reordering a file leaves every other pair as it was.
struct PairRandom {
    private var generator: RandomGenerator

    init(seed: UInt64, stream: Int) {
        // RandomGenerator runs its seed through SplitMix64, so nearby seeds give unrelated streams.
        generator = RandomGenerator(seed: ((seed &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(truncatingIfNeeded: stream)) &+ 0x632B_E59B_D9B4_E019)
    }

    /// A uniform integer in 0..<n (0 when n ≤ 1); multiply-high, so no modulo bias to speak of.
    mutating func below(_ n: Int) -> Int {
        guard n > 1 else { return 0 }
        return Int(generator.next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A uniform integer in `range` (which must not be empty).
    mutating func within(_ range: ClosedRange<Int>) -> Int { range.lowerBound + below(range.count) }

    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[below(items.count)] }

    /// `k` distinct indices of 0..<n, ascending (all of them when k ≥ n): a partial Fisher–Yates shuffle.
    mutating func distinct(_ k: Int, of n: Int) -> [Int] {
        var pool = Array(0..<Swift.max(n, 0))
        let take = Swift.min(Swift.max(k, 0), pool.count)
        for i in 0..<take {
            let j = i + below(pool.count - i)
            pool.swapAt(i, j)
        }
        return pool.prefix(take).sorted()
    }
}
