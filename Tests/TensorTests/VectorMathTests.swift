import Foundation
import Testing
@testable import Tensor

/// The eight-lane approximations against libm in Double, over their whole useful range.
@Suite struct VectorMathTests {
    func worst(over range: ClosedRange<Double>, points: Int = 20_001, _ approximation: (SIMD8<Float>) -> SIMD8<Float>,
               _ exact: (Double) -> Double, relative: Bool) -> Double {
        var worst = 0.0
        for i in 0..<points {
            let x = Float(range.lowerBound + (range.upperBound - range.lowerBound) * Double(i) / Double(points - 1))
            let got = Double(approximation(SIMD8(repeating: x))[3])
            let want = exact(Double(x))
            let error = abs(got - want) / (relative ? max(abs(want), 1e-30) : 1)
            worst = max(worst, error)
        }
        return worst
    }

    @Test func expIsWithinAFewUlp() {
        #expect(worst(over: -87...88, VectorMath.exp, Foundation.exp, relative: true) < 3e-7)
        #expect(worst(over: -1...1, VectorMath.exp, Foundation.exp, relative: true) < 2e-7)
    }

    @Test func tanhIsAccurateNearZeroAndBeyond() {
        #expect(worst(over: -10...10, VectorMath.tanh, Foundation.tanh, relative: true) < 5e-7)
        #expect(worst(over: -1e-3...1e-3, VectorMath.tanh, Foundation.tanh, relative: true) < 2e-7)
    }

    @Test func erfHasSmallAbsoluteError() {
        #expect(worst(over: -6...6, VectorMath.erf, Foundation.erf, relative: false) < 5e-7)
    }
}
