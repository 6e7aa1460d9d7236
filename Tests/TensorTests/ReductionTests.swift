import Foundation
import Testing
@testable import Tensor

@Suite struct ReductionTests {
    let a = try! Tensor(nested: [[1, 5, 3], [4, 2, 6]])  // [2, 3]

    @Test func sumsAndMeans() throws {
        #expect(try a.sum().item() == 21)
        #expect(try a.sum(axis: 0).scalars == [5, 7, 9])
        #expect(try a.sum(axis: -1).scalars == [9, 12])
        #expect(try a.sum(axis: 1, keepDim: true).shape == [2, 1])
        #expect(try a.sum(keepDim: true).shape == [1, 1])
        #expect(try a.mean(axis: 0).scalars == [2.5, 3.5, 4.5])
        #expect(try a.transposed().sum(axis: 1).scalars == [5, 7, 9])
        #expect(try Tensor.zeros([0, 3]).sum(axis: 0).scalars == [0, 0, 0])
        #expect(try Tensor.zeros([0]).mean().item().isNaN)
        let cube = try Tensor.arange(24).reshaped([2, 3, 4])
        #expect(try cube.sum(axis: 1).scalars == [12, 15, 18, 21, 48, 51, 54, 57])
    }

    @Test func longSumsKeepPrecision() throws {
        // A naive Float accumulator stops at 2²⁴ = 16777216; 2²⁴ + 9 rounds to 16777224 only at the end.
        let ones = try Tensor.ones([(1 << 24) + 9])
        #expect(try ones.sum().item() == 16_777_224)
        let thirds = try Tensor.full([3_000_000], value: 1.0 / 3)
        #expect(Swift.abs(try thirds.sum().item() - 1_000_000) < 1)
    }

    @Test func extremaAndArgExtrema() throws {
        #expect(try a.max().item() == 6 && (try a.min().item()) == 1)
        #expect(try a.max(axis: 0).scalars == [4, 5, 6])
        #expect(try a.min(axis: 1, keepDim: true).scalars == [1, 2])
        #expect(try a.argmax(axis: 1).scalars == [1, 2])
        #expect(try a.argmin(axis: 0).scalars == [0, 1, 0])
        #expect(try a.argmax().item() == 5)
        #expect(try Tensor([3, 7, 7, 1]).argmax().item() == 1)
        #expect(try Tensor([1, .nan, 3]).argmax().item() == 1)
        expectError("max", mentioning: ["empty axis of shape [0]"]) { try Tensor.zeros([0]).max() }
        expectError("argmin", mentioning: ["empty axis of shape [2, 0]"]) { try Tensor.zeros([2, 0]).argmin(axis: 1) }
        expectError("argmax", mentioning: ["axis 2", "shape [2, 3]"]) { try a.argmax(axis: 2) }
    }

    @Test func logsumexpVarianceAndDeviation() throws {
        let expected = [[1.0, 5, 3], [4, 2, 6]].map { row in Float(Foundation.log(row.map(Foundation.exp).reduce(0, +))) }
        #expect(close(try a.logsumexp(axis: 1).scalars, expected))
        #expect(try a.logsumexp(axis: 1, keepDim: true).shape == [2, 1])
        #expect(close([try Tensor([1000, 1000]).logsumexp().item()], [1000 + Float(Foundation.log(2.0))]))
        #expect(try Tensor([-.infinity, -.infinity]).logsumexp().item() == -.infinity)
        #expect(close(try a.variance(axis: 1).scalars, [4, 4]))
        #expect(close(try a.variance(axis: 1, correction: 0).scalars, [8.0 / 3, 8.0 / 3]))
        #expect(close([try a.standardDeviation().item()], [Float((17.5 / 5).squareRoot())]))
        #expect(close(try a.standardDeviation(axis: 0, correction: 0).scalars, [1.5, 1.5, 1.5]))
    }

    /// Any Int is a valid correction: n − correction is formed without overflowing.
    @Test func extremeCorrections() throws {
        let pair = Tensor([1, 2])  // squared deviations sum to 0.5
        #expect(try pair.variance(correction: Int.min).item() == 0x1p-64)  // 0.5 / (2 + 2⁶³), rounded to Float
        #expect(try pair.standardDeviation(correction: Int.min).item() == 0x1p-32)
        #expect(try pair.variance(correction: Int.max).item() == .infinity)  // no observations left
        #expect(close([try pair.variance(correction: -1).item()], [0.5 / 3]))
    }

    @Test func reductionGradients() throws {
        let x = try sample([3, 4], seed: 5)
        try checkGradients([x]) { try $0[0].sum() }
        try checkGradients([x]) { try $0[0].sum(axis: 0) }
        try checkGradients([x]) { try $0[0].mean(axis: 1, keepDim: true) }
        try checkGradients([x]) { try $0[0].max(axis: 1) }
        try checkGradients([x]) { try $0[0].min() }
        try checkGradients([x]) { try $0[0].logsumexp(axis: 0) }
        try checkGradients([x]) { try $0[0].variance(axis: 1) }
        try checkGradients([x]) { try $0[0].standardDeviation() }
        try checkGradients([x]) { try $0[0].transposed().sum(axis: 1, keepDim: true) }
    }

    @Test func badAxisNamesTheShape() {
        do {
            _ = try a.sum(axis: 3)
            Issue.record("expected an axis error")
        } catch let error as TensorError {
            #expect(error.op == "sum" && error.message.contains("[2, 3]"))
        } catch { Issue.record("\(error)") }
    }
}
