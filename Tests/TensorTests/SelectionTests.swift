import Testing
@testable import Tensor

@Suite struct SelectionTests {
    let inf = Float.infinity

    // MARK: where

    @Test func whereBroadcastsAllThree() throws {
        let condition = try Tensor([1, 0, 1], shape: [1, 3])
        let a = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])  // [2, 3]
        let picked = try Tensor.where(condition, a, Tensor(-1))
        #expect(picked.shape == [2, 3])
        #expect(picked.scalars == [1, -1, 3, 4, -1, 6])
    }

    @Test func whereConditionColumnAgainstRowOperand() throws {
        let condition = try Tensor([1, 0], shape: [2, 1])
        let a = Tensor([10, 20, 30])                           // [3]
        let b = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])     // [2, 3]
        #expect(try Tensor.where(condition, a, b).scalars == [10, 20, 30, 4, 5, 6])
        // All three broadcast to a shape none of them has: [2, 1], [1, 3], [] → [2, 3].
        let grid = try Tensor.where(condition, Tensor([7, 8, 9], shape: [1, 3]), Tensor(0))
        #expect(grid.shape == [2, 3] && grid.scalars == [7, 8, 9, 0, 0, 0])
    }

    @Test func whereTreatsNaNAsTrueAndNegativeZeroAsFalse() throws {
        let condition = Tensor([.nan, -0.0, 2, 0])
        #expect(try Tensor.where(condition, Tensor([1, 2, 3, 4]), Tensor([7, 8, 9, 10])).scalars == [1, 8, 3, 10])
        // Values pass through untouched, including ones the other branch would not tolerate.
        let passed = try Tensor.where(Tensor([0, 1]), Tensor([inf, 2]), Tensor([7, .nan])).scalars
        #expect(passed == [7, 2])
    }

    @Test func whereReadsViewsAndScalars() throws {
        let a = try Tensor(nested: [[1, 2], [3, 4]]).transposed()  // [[1, 3], [2, 4]], not contiguous
        let condition = try Tensor(nested: [[1, 0], [0, 1]])
        #expect(try Tensor.where(condition, a, Tensor.zeros([2, 2])).scalars == [1, 0, 0, 4])
        let scalar = try Tensor.where(Tensor(0), Tensor(1), Tensor(2))
        #expect(scalar.shape == [] && scalar.scalars == [2])
        #expect(try Tensor.where(Tensor.zeros([0, 3]), Tensor(1), Tensor(2)).shape == [0, 3])
    }

    @Test func whereMatchesAnElementLoopOnLargeInputs() throws {
        // Above the parallel threshold, on both the contiguous path and the broadcast walk.
        let a = try sample([300, 300], seed: 1), b = try sample([300, 300], seed: 2)
        let condition = try sample([300, 300], seed: 3).greater(Tensor(0))
        let (c, x, y) = (condition.scalars, a.scalars, b.scalars)
        let expected = (0..<c.count).map { c[$0] != 0 ? x[$0] : y[$0] }
        #expect(try Tensor.where(condition, a, b).scalars == expected)
        let row = try sample([300], seed: 4)
        let rowValues = row.scalars
        let broadcastExpected = (0..<c.count).map { c[$0] != 0 ? x[$0] : rowValues[$0 % 300] }
        #expect(try Tensor.where(condition.transposed().transposed(), a, row).scalars == broadcastExpected)
        let transposedExpected = (0..<c.count).map { i in c[(i % 300) * 300 + i / 300] != 0 ? x[i] : y[i] }
        #expect(try Tensor.where(condition.transposed(), a, b).scalars == transposedExpected)
    }

    @Test func whereGradientGoesToTheChosenSide() throws {
        let condition = try Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3]).requiringGrad()
        let a = try sample([2, 3], seed: 1).requiringGrad()
        let b = try sample([3], seed: 2).requiringGrad()
        let weights = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])
        try (Tensor.where(condition, a, b) * weights).sum().backward()
        #expect(try #require(a.grad).scalars == [1, 0, 0, 4, 5, 0])
        // b [3] was broadcast over both rows: its gradient sums the rows it supplied.
        let expected: [Float] = [0, 2, 3 + 6]
        #expect(try #require(b.grad).scalars == expected)
        #expect(condition.grad == nil)
    }

    @Test func whereGradientsMatchFiniteDifferences() throws {
        let condition = try Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3])
        try checkGradients([try sample([2, 3], seed: 1), try sample([3], seed: 2)]) { try Tensor.where(condition, $0[0], $0[1]) }
        let column = try Tensor([0, 1], shape: [2, 1])
        try checkGradients([try sample([1, 3], seed: 3), try sample([2, 1], seed: 4)]) { try Tensor.where(column, $0[0], $0[1]) }
        try checkGradients([try sample([3, 2], seed: 5)]) { try Tensor.where(condition, $0[0].transposed(), Tensor(0)) }
    }

    @Test func whereRejectsShapesThatDoNotBroadcast() {
        expectError("where", mentioning: ["[2]", "[2, 3]"]) {
            try Tensor.where(Tensor([1, 0]), Tensor.zeros([2, 3]), Tensor(0))
        }
        expectError("where", mentioning: ["[4]", "[3]"]) {
            try Tensor.where(Tensor(1), Tensor.zeros([3]), Tensor.zeros([4]))
        }
    }

    // MARK: maskedFill

    @Test func maskedFillBroadcastsTheMask() throws {
        let scores = try Tensor(nested: [[1, 2], [3, 4]])
        let filled = try scores.maskedFill(Tensor([0, 1], shape: [1, 2]), value: -inf)
        #expect(filled.shape == [2, 2])
        #expect(filled.scalars == [1, -inf, 3, -inf])
        #expect(try scores.maskedFill(Tensor(nested: [[1, 0], [0, 1]]), value: 9).scalars == [9, 2, 3, 9])
        #expect(try scores.maskedFill(Tensor([1, 0], shape: [2, 1]), value: 0).scalars == [0, 0, 3, 4])
        #expect(try scores.maskedFill(Tensor(1), value: 5).scalars == [5, 5, 5, 5])
        #expect(try scores.maskedFill(Tensor(0), value: 5).scalars == [1, 2, 3, 4])
        #expect(try scores.transposed().maskedFill(Tensor([1, 0]), value: 0).scalars == [0, 3, 0, 4])
    }

    @Test func maskedFillWithACausalPattern() throws {
        // Scores [2 heads, 3, 3] masked above the diagonal by one [3, 3] mask.
        let scores = try Tensor.arange(18).reshaped([2, 3, 3])
        let above = try Tensor.causalMask(3).less(Tensor(0))
        let masked = try scores.maskedFill(above, value: -1)
        #expect(masked.shape == [2, 3, 3])
        #expect(masked.scalars == [0, -1, -1, 3, 4, -1, 6, 7, 8, 9, -1, -1, 12, 13, -1, 15, 16, 17])
    }

    @Test func maskedFillGradientIsZeroWhereFilled() throws {
        let x = try sample([2, 2], seed: 1).requiringGrad()
        let mask = try Tensor([0, 1], shape: [1, 2]).requiringGrad()
        try (x.maskedFill(mask, value: 3) * Tensor(nested: [[1, 2], [3, 4]])).sum().backward()
        #expect(try #require(x.grad).scalars == [1, 0, 3, 0])
        #expect(mask.grad == nil)
        let condition = try Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3])
        try checkGradients([try sample([2, 3], seed: 3)]) { try $0[0].maskedFill(condition, value: 5) }
        try checkGradients([try sample([2, 3], seed: 4)]) { try $0[0].maskedFill(Tensor([1, 0, 0]), value: -2) }
    }

    @Test func maskedFillRejectsMasksThatDoNotFitTheTensor() {
        // A mask may not grow the tensor, even when the two would broadcast together.
        expectError("masked_fill", mentioning: ["[2, 2]", "[2]"]) { try Tensor([1, 2]).maskedFill(Tensor.ones([2, 2]), value: 0) }
        expectError("masked_fill", mentioning: ["[1, 2]", "[2]"]) { try Tensor([1, 2]).maskedFill(Tensor.ones([1, 2]), value: 0) }
        expectError("masked_fill", mentioning: ["[3]", "[2, 2]"]) { try Tensor.zeros([2, 2]).maskedFill(Tensor.ones([3]), value: 0) }
    }
}
