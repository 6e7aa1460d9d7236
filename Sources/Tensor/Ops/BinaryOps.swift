import Foundation

/// Element-wise operations on two tensors with NumPy broadcasting.
extension Tensor {
    /// `f` over the broadcast of `a` and `b` into a new contiguous tensor (no autograd).
    @inline(__always)
    static func broadcasting(_ op: String, _ a: Tensor, _ b: Tensor, _ f: (Vector, Vector) -> Vector) throws -> Tensor {
        if a.shape == b.shape, a.isContiguous, b.isContiguous {
            let result = Tensor(uninitializedShape: a.shape)
            ElementwiseKernels.zip(a.base, b.base, result.base, count: result.count, f)
            return result
        }
        let shape = try Shape.broadcast(a.shape, b.shape, op: op)
        let result = try empty(shape, op: op)
        let loop = StridedLoop(shape: shape, strides: [
            result.strides,
            Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: shape),
            Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: shape),
        ])
        let (out, left, right) = (result.base, a.base, b.base)
        let length = loop.rowLength
        let (aStep, bStep) = (loop.innerStrides[1], loop.innerStrides[2])
        loop.forEachRowInParallel { outOffset, aOffset, bOffset in
            ElementwiseKernels.row(left + aOffset, aStep, right + bOffset, bStep, out + outOffset, from: 0, to: length, f)
        }
        return result
    }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor {
        try broadcasting("add", a, b, +).recording("add", [a, b]) { g in
            [try g.summed(toShape: a.shape), try g.summed(toShape: b.shape)]
        }
    }

    public static func - (a: Tensor, b: Tensor) throws -> Tensor {
        try broadcasting("sub", a, b, -).recording("sub", [a, b]) { g in
            [try g.summed(toShape: a.shape), try (-g).summed(toShape: b.shape)]
        }
    }

    public static func * (a: Tensor, b: Tensor) throws -> Tensor {
        try broadcasting("mul", a, b, *).recording("mul", [a, b]) { g in
            [a.requiresGrad ? try (g * b).summed(toShape: a.shape) : nil,
             b.requiresGrad ? try (g * a).summed(toShape: b.shape) : nil]
        }
    }

    public static func / (a: Tensor, b: Tensor) throws -> Tensor {
        try broadcasting("div", a, b, /).recording("div", [a, b]) { g in
            [a.requiresGrad ? try (g / b).summed(toShape: a.shape) : nil,
             b.requiresGrad ? try (-(g * a) / (b * b)).summed(toShape: b.shape) : nil]
        }
    }

    /// The remainder of each element divided by the matching element of `divisor`, with the
    /// divisor's sign as in Python, NumPy's `mod` and `torch.remainder`: `a − b·floor(a/b)`.
    /// Division by zero gives NaN. Gradients as PyTorch: d/da = 1, d/db = −floor(a/b).
    public func remainder(_ divisor: Tensor) throws -> Tensor {
        let y = try Tensor.broadcasting("remainder", self, divisor) { x, d in
            var out = x
            for lane in 0..<8 {
                // fmod is exact; adjusting its sign keeps it so, where a − b·floor(a/b) would round.
                let r = x[lane].truncatingRemainder(dividingBy: d[lane])
                out[lane] = r != 0 && (r < 0) != (d[lane] < 0) ? r + d[lane] : r
            }
            return out
        }
        return y.recording("remainder", [self, divisor]) { g in
            [self.requiresGrad ? try g.summed(toShape: self.shape) : nil,
             divisor.requiresGrad
                ? try (-(g * Tensor.broadcasting("remainder", self, divisor) { ($0 / $1).rounded(.down) })).summed(toShape: divisor.shape)
                : nil]
        }
    }

    /// Each element of `self` raised to the matching element of `exponent`.
    public func pow(_ exponent: Tensor) throws -> Tensor {
        let y = try Tensor.broadcasting("pow", self, exponent) { x, p in
            var out = x
            for lane in 0..<8 { out[lane] = Foundation.pow(x[lane], p[lane]) }
            return out
        }
        return y.recording("pow", [self, exponent]) { g in
            [self.requiresGrad ? try (g * exponent * self.pow(exponent - 1)).summed(toShape: self.shape) : nil,
             exponent.requiresGrad ? try (g * y * self.log()).summed(toShape: exponent.shape) : nil]
        }
    }

    /// The larger of each pair of elements; ties share the gradient equally, as in PyTorch.
    public func maximum(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcasting("maximum", self, other) { VectorMath.max($0, $1) }
            .recording("maximum", [self, other]) { g in try Tensor.splitGradient(g, self, other, towardFirst: .>) }
    }

    /// The smaller of each pair of elements; ties share the gradient equally.
    public func minimum(_ other: Tensor) throws -> Tensor {
        try Tensor.broadcasting("minimum", self, other) { VectorMath.min($0, $1) }
            .recording("minimum", [self, other]) { g in try Tensor.splitGradient(g, self, other, towardFirst: .<) }
    }

    private static func splitGradient(_ g: Tensor, _ a: Tensor, _ b: Tensor,
                                      towardFirst wins: @escaping (Vector, Vector) -> SIMDMask<SIMD8<Int32>>) throws -> [Tensor?] {
        let share = try broadcasting("maximum", a, b) { x, y in
            Vector(repeating: 0).replacing(with: 0.5, where: x .== y).replacing(with: 1, where: wins(x, y))
        }
        return [try (g * share).summed(toShape: a.shape), try (g * (1 - share)).summed(toShape: b.shape)]
    }

    // Comparisons give 1 where true and 0 where false; they have no gradient.

    public func equal(_ other: Tensor) throws -> Tensor { try Tensor.compare("eq", self, other, .==) }
    public func notEqual(_ other: Tensor) throws -> Tensor { try Tensor.compare("ne", self, other, .!=) }
    public func less(_ other: Tensor) throws -> Tensor { try Tensor.compare("lt", self, other, .<) }
    public func lessOrEqual(_ other: Tensor) throws -> Tensor { try Tensor.compare("le", self, other, .<=) }
    public func greater(_ other: Tensor) throws -> Tensor { try Tensor.compare("gt", self, other, .>) }
    public func greaterOrEqual(_ other: Tensor) throws -> Tensor { try Tensor.compare("ge", self, other, .>=) }

    private static func compare(_ op: String, _ a: Tensor, _ b: Tensor,
                                _ test: (Vector, Vector) -> SIMDMask<SIMD8<Int32>>) throws -> Tensor {
        try broadcasting(op, a, b) { x, y in Vector(repeating: 0).replacing(with: 1, where: test(x, y)) }
    }
}

/// Operations with a Float on one side: they cannot fail, so they do not throw.
extension Tensor {
    public static func + (a: Tensor, b: Float) -> Tensor { a.mapped { $0 + b }.recording("add", [a]) { [$0] } }
    public static func + (a: Float, b: Tensor) -> Tensor { b + a }
    public static func - (a: Tensor, b: Float) -> Tensor { a + -b }
    public static func - (a: Float, b: Tensor) -> Tensor { b.mapped { a - $0 }.recording("sub", [b]) { [-$0] } }
    public static func * (a: Tensor, b: Float) -> Tensor { a.mapped { $0 * b }.recording("mul", [a]) { [$0 * b] } }
    public static func * (a: Float, b: Tensor) -> Tensor { b * a }
    public static func / (a: Tensor, b: Float) -> Tensor { a.mapped { $0 / b }.recording("div", [a]) { [$0 / b] } }
    public static func / (a: Float, b: Tensor) -> Tensor {
        let y = b.mapped { a / $0 }
        return y.recording("div", [b]) { g in [try -(g * y) / b] }
    }
}
