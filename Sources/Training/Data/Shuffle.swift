import Tensor

/// The order of examples in one epoch. Written out (Fisher–Yates with unbiased bounded draws)
/// rather than `shuffle(using:)`, whose algorithm the standard library does not promise to keep,
/// so a seed gives the same order on every Swift version.
public enum Shuffle {
    /// A permutation of `0..<count` determined by `seed` and `epoch` alone, so any epoch's order can
    /// be rebuilt on resume without replaying the ones before it.
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
