/// Where an `EpochSampler` is: the epoch, and how many items of that epoch's order it has used.
/// Saved with a checkpoint so a resumed run sees exactly the batches it would have seen.
public struct DataPosition: Codable, Equatable, Hashable, Sendable {
    public var epoch: Int
    /// Items of this epoch already used; always less than the number of items.
    public var index: Int

    public init(epoch: Int = 0, index: Int = 0) {
        self.epoch = epoch
        self.index = index
    }
}

/// Item indices in a seeded order, epoch after epoch, that can be saved and resumed.
///
/// Each epoch visits every item once, in a permutation fixed by (seed, epoch). `next` runs on
/// into the next epoch's permutation when one ends, so a batch may hold the last items of one
/// epoch and the first of the next. The `position` alone is enough to continue: restoring it
/// rebuilds that epoch's order and yields the same indices.
public struct EpochSampler: Sendable {
    public let count: Int
    public let seed: UInt64
    public private(set) var position = DataPosition()
    private var order: [Int]

    /// - Parameter count: items per epoch, at least one.
    public init(count: Int, seed: UInt64) {
        self.count = count
        self.seed = seed
        order = Self.permutation(count: count, seed: seed, epoch: 0)
    }

    /// The next `batch` item indices.
    public mutating func next(_ batch: Int) -> [Int] {
        var chosen: [Int] = []
        chosen.reserveCapacity(batch)
        for _ in 0..<batch {
            chosen.append(order[position.index])
            position.index += 1
            if position.index == count {
                // Start the next epoch now, so the saved position is never "one past the end".
                position = DataPosition(epoch: position.epoch + 1, index: 0)
                order = Self.permutation(count: count, seed: seed, epoch: position.epoch)
            }
        }
        return chosen
    }

    /// Continues from `position` (as read from `position` earlier, e.g. through a checkpoint).
    /// - Parameter items: what the items are, for the error ("examples", "pairs").
    public mutating func restore(_ position: DataPosition, items: String) throws {
        guard position.epoch >= 0 else { throw PlaceError("data position", "epoch \(position.epoch) is negative") }
        guard position.index >= 0, position.index < count else {
            throw PlaceError("data position", "index \(position.index) is outside this data's \(count) \(items)")
        }
        if position.epoch != self.position.epoch {
            order = Self.permutation(count: count, seed: seed, epoch: position.epoch)
        }
        self.position = position
    }

    /// Epochs so far, with the fraction of the current one: 2.5 is halfway through the third.
    public var epochsCompleted: Double { Double(position.epoch) + Double(position.index) / Double(count) }

    /// A permutation of `0..<count` determined by `seed` and `epoch` alone, so any epoch's order
    /// can be rebuilt on resume without replaying the ones before it. Written out (Fisher–Yates
    /// with unbiased bounded draws) rather than `shuffle(using:)`, whose algorithm the standard
    /// library does not promise to keep, so a seed gives the same order on every Swift version.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = RandomGenerator(seed: mix(seed) ^ UInt64(truncatingIfNeeded: epoch))
        var order = Array(0..<max(count, 0))
        var i = order.count - 1
        while i > 0 {
            let j = Int(below(UInt64(i + 1), using: &generator))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    /// A uniform integer in 0..<bound (bound > 0): Lemire's multiply-and-reject, no modulo bias.
    static func below(_ bound: UInt64, using generator: inout RandomGenerator) -> UInt64 {
        var product = generator.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = generator.next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }

    /// SplitMix64's finaliser: nearby seeds become unrelated bits before the epoch is folded in,
    /// so (seed, epoch) and (seed ^ 1, epoch ^ 1) do not collide.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
