import Testing
@testable import Tensor

@Suite struct MaskTests {
    let inf = Float.infinity

    @Test func squareCausalMask() throws {
        let mask = try Tensor.causalMask(3)
        #expect(mask.shape == [3, 3])
        #expect(mask.scalars == [0, -inf, -inf, 0, 0, -inf, 0, 0, 0])
    }

    @Test func kvCacheMaskAlignsTheLastQueryWithTheLastKey() throws {
        #expect(try Tensor.causalMask(queries: 1, keys: 3).scalars == [0, 0, 0])
        #expect(try Tensor.causalMask(queries: 2, keys: 3).scalars == [0, 0, -inf, 0, 0, 0])
        #expect(try Tensor.causalMask(queries: 0, keys: 2).shape == [0, 2])
        #expect(throws: TensorError.self) { try Tensor.causalMask(queries: 3, keys: 2) }
        #expect(throws: TensorError.self) { try Tensor.causalMask(-1) }
    }

    @Test func maskedScoresGiveCausalAttention() throws {
        let weights = try (Tensor.zeros([3, 3]) + Tensor.causalMask(3)).softmax()
        #expect(close(weights.scalars, [1, 0, 0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3]))
    }
}
