import Base
import Testing
@testable import Tensor

/// Checks autograd against central finite differences.
///
/// The scalar checked is Σ f(inputs) ⊙ w for fixed random weights w, so every output element
/// contributes with a different weight. Finite differences use Float32 evaluations summed in
/// Double; `step` 1e-2 balances truncation (O(step²)) against rounding (O(ε/step)).
func checkGradients(_ inputs: [Tensor], step: Float = 1e-2, tolerance: Double = 5e-3,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: ([Tensor]) throws -> Tensor) throws {
    let leaves = inputs.map { $0.requiringGrad() }
    let output = try f(leaves)
    var generator = RandomGenerator(seed: 1234)
    let weights = try Tensor.randn(output.shape, using: &generator)
    try (output * weights).sum().backward()

    let weightValues = weights.scalars.map(Double.init)
    func weightedSum(_ perturbed: [Tensor]) throws -> Double {
        let values = try GradMode.withoutGrad { try f(perturbed) }.scalars
        return zip(values, weightValues).reduce(0) { $0 + Double($1.0) * $1.1 }
    }

    for (i, input) in inputs.enumerated() {
        let analytic = try #require(leaves[i].grad, "input \(i) received no gradient", sourceLocation: sourceLocation)
        #expect(analytic.shape == input.shape, sourceLocation: sourceLocation)
        let base = input.contiguous().scalars
        let analyticValues = analytic.scalars
        for j in 0..<base.count {
            var plus = base, minus = base
            plus[j] += step
            minus[j] -= step
            var shifted = inputs
            shifted[i] = try Tensor(plus, shape: input.shape)
            let high = try weightedSum(shifted)
            shifted[i] = try Tensor(minus, shape: input.shape)
            let low = try weightedSum(shifted)
            let numeric = (high - low) / (2 * Double(step))
            let difference = abs(numeric - Double(analyticValues[j]))
            #expect(difference <= tolerance * max(1, abs(numeric)),
                    "input \(i) element \(j): autograd \(analyticValues[j]) vs finite difference \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }
}

/// Deterministic test data: normal samples from a fixed seed.
func sample(_ shape: [Int], seed: UInt64 = 7, scale: Float = 1) throws -> Tensor {
    var generator = RandomGenerator(seed: seed)
    return try Tensor.randn(shape, using: &generator) * scale
}

/// Whether two float arrays agree to `tolerance` (relative to magnitude, floored at 1).
func close(_ a: [Float], _ b: [Float], tolerance: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        (x.isNaN && y.isNaN) || x == y || abs(x - y) <= tolerance * max(1, abs(y))
    }
}

/// Runs `body`, which must throw a `TensorError` from `op` whose message mentions every fragment.
func expectError(_ op: String, mentioning fragments: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) {
    let error = #expect(throws: TensorError.self, sourceLocation: sourceLocation) { _ = try body() }
    guard let error else { return }
    #expect(error.op == op, "\(error) should come from \(op)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(error.message.contains(fragment), "\(error) should mention \(fragment)", sourceLocation: sourceLocation)
    }
}
