import Foundation

/// How `gelu` evaluates the Gaussian CDF.
public enum GeluApproximation: String, Sendable {
    /// x·Φ(x) with the error function (PyTorch's default).
    case none
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), GPT-2's `gelu_new`.
    case tanh
}

extension Tensor {
    typealias Vector = SIMD8<Float>

    /// A new contiguous tensor holding `f` applied to every element (no autograd).
    @inline(__always)
    func mapped<F: VectorMap>(cost: Int = 1, _ f: F) -> Tensor {
        let input = contiguous()
        let result = Tensor(uninitializedShape: shape)
        ElementwiseKernels.map(input.base, result.base, count: count, cost: cost, f)
        return result
    }

    @inline(__always)
    func mapped(cost: Int = 1, _ f: (Vector) -> Vector) -> Tensor {
        withoutActuallyEscaping(f) { mapped(cost: cost, ClosureMap(body: $0)) }
    }

    @inline(__always)
    static func laneWise(_ v: Vector, _ f: (Float) -> Float) -> Vector {
        var out = v
        for lane in 0..<8 { out[lane] = f(v[lane]) }
        return out
    }

    public static prefix func - (x: Tensor) -> Tensor {
        x.mapped { -$0 }.recording("neg", [x]) { [-$0] }
    }

    public func abs() -> Tensor {
        mapped(VectorMath.abs).recording("abs", [self]) { [try $0 * self.sign()] }
    }

    /// -1, 0 or 1 by the sign of each element (no gradient).
    public func sign() -> Tensor {
        mapped { x in
            Vector(repeating: 0).replacing(with: 1, where: x .> 0).replacing(with: -1, where: x .< 0)
        }
    }

    public func exp() -> Tensor {
        let y = mapped(cost: 4, VectorMaps.Exp())
        return y.recording("exp", [self]) { [try $0 * y] }
    }

    public func log() -> Tensor {
        mapped(cost: 8) { Tensor.laneWise($0) { Foundation.log($0) } }
            .recording("log", [self]) { [try $0 / self] }
    }

    public func sqrt() -> Tensor {
        let y = mapped { $0.squareRoot() }
        return y.recording("sqrt", [self]) { [try $0 * 0.5 / y] }
    }

    /// 1/√x.
    public func rsqrt() -> Tensor {
        let y = mapped { 1 / $0.squareRoot() }
        return y.recording("rsqrt", [self]) { [try $0 * (y * y * y) * -0.5] }
    }

    public func tanh() -> Tensor {
        let y = mapped(cost: 4, VectorMaps.Tanh())
        return y.recording("tanh", [self]) { [try $0 * (1 - y * y)] }
    }

    public func sigmoid() -> Tensor {
        let y = mapped(cost: 4, VectorMaps.Sigmoid())
        return y.recording("sigmoid", [self]) { [try $0 * (y * (1 - y))] }
    }

    public func relu() -> Tensor {
        mapped { $0.replacing(with: 0, where: $0 .< 0) }
            .recording("relu", [self]) { [try $0 * self.mapped { x in Vector(repeating: 0).replacing(with: 1, where: x .> 0) }] }
    }

    /// Gaussian error linear unit, exact (erf) or with GPT-2's tanh approximation.
    public func gelu(approximate: GeluApproximation = .none) -> Tensor {
        switch approximate {
        case .none:
            return mapped(cost: 6, VectorMaps.GeluErf())
                .recording("gelu", [self]) { gradient in
                    [try gradient * self.mapped(cost: 8) { x in
                        let cdf = 0.5 * (1 + VectorMath.erf(x * 0.70710678118654752))
                        let density = VectorMath.exp(-0.5 * x * x) * 0.39894228040143268
                        return cdf + x * density
                    }]
                }
        case .tanh:
            return mapped(cost: 6, VectorMaps.GeluTanh()).recording("gelu_tanh", [self]) { gradient in
                [try gradient * self.mapped(cost: 8) { x in
                    let t = VectorMath.tanh(0.79788456080286536 * (x + 0.044715 * x * x * x))
                    let inner = 0.79788456080286536 * (1 + 3 * 0.044715 * x * x)
                    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * inner
                }]
            }
        }
    }

    /// x·sigmoid(x), the SwiGLU activation.
    public func silu() -> Tensor {
        mapped(cost: 4, VectorMaps.Silu())
            .recording("silu", [self]) { gradient in
                [try gradient * self.mapped(cost: 4) { x in
                    let s = VectorMath.sigmoid(x)
                    return s * (1 + x * (1 - s))
                }]
            }
    }

    /// Each element raised to `exponent`.
    public func pow(_ exponent: Float) -> Tensor {
        let y: Tensor
        switch exponent {
        case 2: y = mapped { $0 * $0 }
        case 1: y = mapped { $0 }
        case 0.5: y = mapped { $0.squareRoot() }
        default: y = mapped(cost: 16) { Tensor.laneWise($0) { Foundation.pow($0, exponent) } }
        }
        return y.recording("pow", [self]) { [try $0 * (self.pow(exponent - 1) * exponent)] }
    }

    /// Each element limited to `[min, max]`; the gradient is zero where the limit applied.
    public func clamp(min lower: Float = -.infinity, max upper: Float = .infinity) throws -> Tensor {
        guard !(lower > upper) else { throw TensorError(op: "clamp", "min \(lower) is greater than max \(upper)") }
        return mapped { $0.clamped(lowerBound: Vector(repeating: lower), upperBound: Vector(repeating: upper)) }
            .recording("clamp", [self]) { gradient in
                [try gradient * self.mapped { x in
                    Vector(repeating: 1).replacing(with: 0, where: (x .< lower) .| (x .> upper))
                }]
            }
    }
}
