import Foundation
import Testing
@testable import Tensor

@Suite struct ElementwiseTests {
    /// Values away from the kinks of abs/relu/clamp, and a long enough run to exercise vector bodies and tails.
    let values: [Float] = [-3.1, -2.2, -1.3, -0.7, -0.2, 0.15, 0.45, 0.9, 1.6, 2.3, 3.7]
    var x: Tensor { Tensor(values) }
    var positive: Tensor { Tensor(values.map { Swift.abs($0) + 0.1 }) }

    func expectMatches(_ t: Tensor, _ f: (Double) -> Double, on input: [Float], tolerance: Float = 2e-6,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = input.map { Float(f(Double($0))) }
        #expect(close(t.scalars, expected, tolerance: tolerance), "\(t.scalars) vs \(expected)", sourceLocation: sourceLocation)
    }

    @Test func unaryValues() throws {
        expectMatches(-x, { -$0 }, on: values)
        expectMatches(x.abs(), { Swift.abs($0) }, on: values)
        expectMatches(x.exp(), Foundation.exp, on: values)
        expectMatches(positive.log(), Foundation.log, on: positive.scalars)
        expectMatches(positive.sqrt(), { $0.squareRoot() }, on: positive.scalars)
        expectMatches(positive.rsqrt(), { 1 / $0.squareRoot() }, on: positive.scalars)
        expectMatches(x.tanh(), Foundation.tanh, on: values)
        expectMatches(x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, on: values)
        expectMatches(x.relu(), { Swift.max($0, 0) }, on: values)
        expectMatches(x.gelu(), { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }, on: values)
        expectMatches(x.gelu(approximate: .tanh),
                      { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) },
                      on: values)
        expectMatches(x.silu(), { $0 / (1 + Foundation.exp(-$0)) }, on: values)
        expectMatches(positive.pow(1.7), { Foundation.pow($0, 1.7) }, on: positive.scalars)
        expectMatches(x.pow(2), { $0 * $0 }, on: values)
        expectMatches(try x.clamp(min: -1, max: 2), { Swift.min(Swift.max($0, -1), 2) }, on: values)
        expectError("clamp", mentioning: ["min 1.0", "max 0.0"]) { try x.clamp(min: 1, max: 0) }
    }

    @Test func specialValues() {
        let special = Tensor([.nan, .infinity, -.infinity, 0, -0.0, 100, -100])
        let e = special.exp().scalars
        #expect(e[0].isNaN && e[1] == .infinity && e[2] == 0 && e[3] == 1 && e[5] == .infinity && e[6] == 0)
        let t = special.tanh().scalars
        #expect(t[0].isNaN && t[1] == 1 && t[2] == -1 && t[5] == 1 && t[6] == -1)
        let s = special.sigmoid().scalars
        #expect(s[1] == 1 && s[2] == 0 && s[3] == 0.5)
    }

    @Test func unaryGradients() throws {
        for f: (Tensor) throws -> Tensor in [
            { -$0 }, { $0.abs() }, { $0.exp() }, { $0.tanh() }, { $0.sigmoid() }, { $0.relu() },
            { $0.gelu() }, { $0.gelu(approximate: .tanh) }, { $0.silu() }, { $0.pow(3) },
            { try $0.clamp(min: -1, max: 2) },
        ] {
            try checkGradients([x]) { try f($0[0]) }
        }
        for f: (Tensor) throws -> Tensor in [{ $0.log() }, { $0.sqrt() }, { $0.rsqrt() }, { $0.pow(1.7) }] {
            try checkGradients([positive]) { try f($0[0]) }
        }
    }

    @Test func binaryBroadcasting() throws {
        let a = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])  // [2, 3]
        let row = Tensor([10, 20, 30])                      // [3]
        let column = try Tensor([100, 200], shape: [2, 1])  // [2, 1]
        #expect(try (a + row).scalars == [11, 22, 33, 14, 25, 36])
        #expect(try (a - column).scalars == [-99, -98, -97, -196, -195, -194])
        #expect(try (row * column).shape == [2, 3])
        #expect(try (row * column).scalars == [1000, 2000, 3000, 2000, 4000, 6000])
        #expect(try (a / Tensor(2)).scalars == [0.5, 1, 1.5, 2, 2.5, 3])
        #expect(try a.pow(Tensor([2])).scalars == [1, 4, 9, 16, 25, 36])
        #expect(try a.maximum(Tensor([3])).scalars == [3, 3, 3, 4, 5, 6])
        #expect(try a.minimum(row).scalars == [1, 2, 3, 4, 5, 6])
        #expect(try (a.transposed() + column.transposed()).scalars == [101, 204, 102, 205, 103, 206])
        #expect((a + 1).scalars == [2, 3, 4, 5, 6, 7])
        #expect((1 - a).scalars == [0, -1, -2, -3, -4, -5])
        #expect((12 / a).scalars == [12, 6, 4, 3, 2.4, 2])
        // 8×1×6×1 with 7×1×5 gives 8×7×6×5 (NumPy's example).
        #expect(try (Tensor.zeros([8, 1, 6, 1]) + Tensor.zeros([7, 1, 5])).shape == [8, 7, 6, 5])
    }

    @Test func broadcastErrorNamesShapes() {
        do {
            _ = try Tensor.zeros([2, 3]) + Tensor.zeros([4])
            Issue.record("expected a broadcast error")
        } catch let error as TensorError {
            #expect(error.op == "add" && error.message.contains("[2, 3]") && error.message.contains("[4]"))
        } catch { Issue.record("\(error)") }
    }

    @Test func comparisons() throws {
        let a = Tensor([1, 2, 3]), b = Tensor([3, 2, 1])
        #expect(try a.equal(b).scalars == [0, 1, 0])
        #expect(try a.notEqual(b).scalars == [1, 0, 1])
        #expect(try a.less(b).scalars == [1, 0, 0])
        #expect(try a.lessOrEqual(b).scalars == [1, 1, 0])
        #expect(try a.greater(b).scalars == [0, 0, 1])
        #expect(try a.greaterOrEqual(Tensor(2)).scalars == [0, 1, 1])
        #expect(!(try a.requiringGrad().less(b).requiresGrad))
    }

    @Test func binaryGradientsWithBroadcasting() throws {
        let a = try sample([2, 3], seed: 1), b = try sample([3], seed: 2), c = try sample([2, 1], seed: 3)
        try checkGradients([a, b]) { try $0[0] + $0[1] }
        try checkGradients([a, c]) { try $0[0] - $0[1] }
        try checkGradients([a, b]) { try $0[0] * $0[1] }
        try checkGradients([a, c]) { try $0[0] / ($0[1].abs() + 0.5) }
        try checkGradients([a.abs() + 0.5, b]) { try $0[0].pow($0[1]) }
        try checkGradients([a, b]) { try $0[0].maximum($0[1]) }
        try checkGradients([a, c]) { try $0[0].minimum($0[1]) }
        try checkGradients([a]) { 3 - $0[0] * 2 + 1 }
        try checkGradients([a.abs() + 0.5]) { 2 / $0[0] }
        try checkGradients([a]) { try $0[0].transposed() * b.unsqueezed(axis: 1) }
    }

    @Test func remainderTakesTheDivisorsSign() throws {
        // Python: -7 % 3 == 2, 7 % -3 == -2, -7 % -3 == -1; 5.5 % 2 == 1.5.
        let a = Tensor([-7, 7, -7, 7, 5.5, 0, -6])
        #expect(try a.remainder(Tensor([3, -3, -3, 3, 2, 3, 3])).scalars == [2, -2, -1, 1, 1.5, 0, 0])
        #expect(try a.remainder(Tensor(0)).scalars.allSatisfy(\.isNaN))
        // Broadcasting: a column of dividends against a row of divisors.
        let grid = try Tensor([-1, 4], shape: [2, 1]).remainder(Tensor([3, -3, 2.5]))
        #expect(grid.shape == [2, 3] && grid.scalars == [2, -1, 1.5, 1, -2, 1.5])
    }

    @Test func remainderGradient() throws {
        // Values kept away from a/b whole, where the remainder jumps.
        let a = try Tensor(nested: [[-3.7, 2.2, 5.1], [0.4, -1.3, 7.9]]), b = Tensor([1.5, -2.5, 3])
        try checkGradients([a, b]) { try $0[0].remainder($0[1]) }
        let x = try Tensor([7]).requiringGrad(), d = try Tensor([-2]).requiringGrad()
        try x.remainder(d).sum().backward()
        #expect(x.grad?.scalars == [1] && d.grad?.scalars == [4])  // −floor(7 / −2) = 4
    }

    @Test func tiesShareGradient() throws {
        let a = try Tensor([1, 2]).requiringGrad(), b = try Tensor([1, 3]).requiringGrad()
        try a.maximum(b).sum().backward()
        #expect(a.grad?.scalars == [0.5, 0] && b.grad?.scalars == [0.5, 1])
    }

    @Test func largeInputsUseEveryCoreAndMatchSmallOnes() throws {
        let big = try sample([300_001], seed: 9)
        let expected = big.scalars.map { Float(Foundation.tanh(Double($0))) }
        #expect(close(big.tanh().scalars, expected, tolerance: 2e-6))
        let grid = try big.slice(axis: 0, end: 300_000).reshaped([600, 500])
        let strided = try grid.transposed().contiguous().transposed()  // same values, column-major
        #expect(try (grid + strided).scalars == grid.scalars.map { $0 * 2 })
    }
}
