import Base
import Tensor

/// The session's random stream: `randn`, `rand` and `randint` draw from it, `seed(n)` resets it.
struct RandomSource {
    var generator: RandomGenerator
    init(seed: UInt64) { generator = RandomGenerator(seed: seed) }
}
