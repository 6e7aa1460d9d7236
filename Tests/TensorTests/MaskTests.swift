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

    @Test func kvCacheMaskMatchesTheDocumentedExample() throws {
        let mask = try Tensor.causalMask(queries: 2, keys: 4)
        #expect(mask.shape == [2, 4])
        #expect(mask.scalars == [0, 0, 0, -inf, 0, 0, 0, 0])
        // Every entry follows the rule: key j is visible to query i when j ≤ i + keys − queries.
        let (queries, keys) = (5, 9)
        let values = try Tensor.causalMask(queries: queries, keys: keys).scalars
        for i in 0..<queries {
            for j in 0..<keys { #expect(values[i * keys + j] == (j <= i + keys - queries ? 0 : -inf)) }
        }
        #expect(try Tensor.causalMask(0).shape == [0, 0])
        #expect(try Tensor.causalMask(1).scalars == [0])
    }

    @Test func badMaskSizesNameTheOperation() {
        for (queries, keys) in [(3, 2), (-1, 2), (-2, -1)] {
            let error = #expect(throws: TensorError.self) { try Tensor.causalMask(queries: queries, keys: keys) }
            #expect(error?.op == "causal_mask")
            #expect(error?.message.contains("[\(queries), \(keys)]") == true)
        }
        let error = #expect(throws: TensorError.self) { try Tensor.causalMask(-3) }
        #expect(error?.op == "causal_mask" && error?.message.contains("-3") == true)
    }

    @Test func maskedScoresGiveCausalAttention() throws {
        let weights = try (Tensor.zeros([3, 3]) + Tensor.causalMask(3)).softmax()
        #expect(close(weights.scalars, [1, 0, 0, 0.5, 0.5, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3]))
    }
}
