import Foundation

/// Reductions over one axis, or over all elements when `axis` is nil.
/// With `keepDim` the reduced axis stays with extent 1, so the result broadcasts against the input.
extension Tensor {
    /// The input viewed as [outer, length, inner] around `axis`, and the result's shape.
    private func reductionLayout(_ op: String, axis: Int?, keepDim: Bool) throws
        -> (outer: Int, length: Int, inner: Int, resultShape: [Int], axis: Int?) {
        guard let axis else {
            return (1, count, 1, keepDim ? [Int](repeating: 1, count: rank) : [], nil)
        }
        let a = try Shape.axis(axis, rank: rank, op: op, shape: shape)
        var resultShape = shape
        if keepDim { resultShape[a] = 1 } else { resultShape.remove(at: a) }
        return (Shape.count(Array(shape[..<a])), shape[a], Shape.count(Array(shape[(a + 1)...])), resultShape, a)
    }

    @inline(__always)
    private func fold(_ op: String, axis: Int?, keepDim: Bool, initial: Float, exactSum: Bool = false,
                      _ combine: (Vector, Vector) -> Vector, horizontal: (Vector) -> Float) throws -> Tensor {
        let layout = try reductionLayout(op, axis: axis, keepDim: keepDim)
        let input = contiguous()
        let result = Tensor(uninitializedShape: layout.resultShape)
        ReductionKernels.fold(input.base, result.base, outer: layout.outer, length: layout.length, inner: layout.inner,
                              initial: initial, exactSum: exactSum, combine, horizontal: horizontal)
        return result
    }

    /// A reduced gradient (or result) put back into the input's shape as a broadcast view.
    private func expandReduced(_ reduced: Tensor, axis: Int?, keepDim: Bool) throws -> Tensor {
        var g = reduced
        if !keepDim {
            if let axis {
                g = try g.unsqueezed(axis: try Shape.axis(axis, rank: rank, op: "sum", shape: shape))
            } else {
                g = try g.reshaped([Int](repeating: 1, count: rank))
            }
        }
        return try g.expanded(to: shape)
    }

    public func sum(axis: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try fold("sum", axis: axis, keepDim: keepDim, initial: 0, exactSum: true, +, horizontal: { $0.sum() })
            .recording("sum", [self]) { g in [try self.expandReduced(g, axis: axis, keepDim: keepDim)] }
    }

    public func mean(axis: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        let n = try reductionLayout("mean", axis: axis, keepDim: keepDim).length
        return try sum(axis: axis, keepDim: keepDim) / Float(n)
    }

    public func max(axis: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try extremum("max", axis: axis, keepDim: keepDim, initial: -.infinity) { VectorMath.max($0, $1) }
    }

    public func min(axis: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try extremum("min", axis: axis, keepDim: keepDim, initial: .infinity) { VectorMath.min($0, $1) }
    }

    /// max or min; the gradient is shared equally among the elements that attain it.
    private func extremum(_ op: String, axis: Int?, keepDim: Bool, initial: Float,
                          _ combine: (Vector, Vector) -> Vector) throws -> Tensor {
        let layout = try reductionLayout(op, axis: axis, keepDim: keepDim)
        guard layout.length > 0 else { throw TensorError(op: op, "cannot reduce an empty axis of shape \(shape)") }
        let y = try fold(op, axis: axis, keepDim: keepDim, initial: initial, combine) { v in
            (0..<8).reduce(v[0]) { combine(Vector(repeating: $0), Vector(repeating: v[$1]))[0] }
        }
        return y.recording(op, [self]) { g in
            let attained = try self.equal(try self.expandReduced(y, axis: axis, keepDim: keepDim))
            let ties = try attained.sum(axis: axis, keepDim: true)
            return [try attained * self.expandReduced(g, axis: axis, keepDim: keepDim) / ties]
        }
    }

    /// Index of the largest element along `axis` (of the flattened tensor when nil), as Float.
    /// The first index wins ties. Indices are exact up to 2²⁴.
    public func argmax(axis: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try argExtremum("argmax", axis: axis, keepDim: keepDim, better: >)
    }

    /// Index of the smallest element along `axis`, as Float.
    public func argmin(axis: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        try argExtremum("argmin", axis: axis, keepDim: keepDim, better: <)
    }

    private func argExtremum(_ op: String, axis: Int?, keepDim: Bool, better: (Float, Float) -> Bool) throws -> Tensor {
        let layout = try reductionLayout(op, axis: axis, keepDim: keepDim)
        guard layout.length > 0 else { throw TensorError(op: op, "cannot reduce an empty axis of shape \(shape)") }
        let input = contiguous()
        let result = Tensor(uninitializedShape: layout.resultShape)
        let (x, out) = (input.base, result.base)
        for o in 0..<layout.outer {
            for i in 0..<layout.inner {
                var best = 0
                var bestValue = x[o * layout.length * layout.inner + i]
                for k in 1..<layout.length {
                    let value = x[(o * layout.length + k) * layout.inner + i]
                    if better(value, bestValue) || (value.isNaN && !bestValue.isNaN) {
                        best = k
                        bestValue = value
                    }
                }
                out[o * layout.inner + i] = Float(best)
            }
        }
        return result
    }

    /// log Σ exp(x), computed stably by subtracting the maximum first.
    public func logsumexp(axis: Int? = nil, keepDim: Bool = false) throws -> Tensor {
        // Checked here so that a bad axis or an empty one is reported as logsumexp's, not max's.
        let layout = try reductionLayout("logsumexp", axis: axis, keepDim: false)
        guard layout.length > 0 else { throw TensorError(op: "logsumexp", "cannot reduce an empty axis of shape \(shape)") }
        let peak = try GradMode.withoutGrad {
            // An all −∞ (or NaN) slice keeps its own value as the result; subtracting 0 instead avoids ∞ − ∞.
            try max(axis: axis, keepDim: true).mapped { peak in
                let finite = VectorMath.abs(peak) .< Vector(repeating: .infinity)
                return Vector(repeating: 0).replacing(with: peak, where: finite)
            }
        }
        let total = try (self - peak).exp().sum(axis: axis, keepDim: true).log() + peak
        return keepDim ? total : try total.reshaped(layout.resultShape)
    }

    /// Variance with `correction` subtracted from the count (1 = unbiased, PyTorch's default; 0 = NumPy's).
    public func variance(axis: Int? = nil, keepDim: Bool = false, correction: Int = 1) throws -> Tensor {
        let n = try reductionLayout("var", axis: axis, keepDim: keepDim).length
        let centred = try self - mean(axis: axis, keepDim: true)
        // In Double, since any Int is a valid correction and `n - correction` can overflow Int.
        let divisor = Swift.max(0, Double(n) - Double(correction))
        return try (centred * centred).sum(axis: axis, keepDim: keepDim) / Float(divisor)
    }

    /// Standard deviation: the square root of `variance`.
    public func standardDeviation(axis: Int? = nil, keepDim: Bool = false, correction: Int = 1) throws -> Tensor {
        do {
            return try variance(axis: axis, keepDim: keepDim, correction: correction).sqrt()
        } catch let error as TensorError where error.op == "var" {
            throw TensorError(op: "std", error.message)  // the caller asked for std
        }
    }

    /// Sums a broadcast result back down to `target`, the shape of an operand it was broadcast from.
    func summed(toShape target: [Int]) throws -> Tensor {
        if shape == target { return self }
        var result = self
        while result.rank > target.count { result = try result.sum(axis: 0) }
        for axis in 0..<target.count where target[axis] == 1 && result.shape[axis] != 1 {
            result = try result.sum(axis: axis, keepDim: true)
        }
        guard result.shape == target else {
            throw TensorError.shapeMismatch("sum_to_shape", shape, target, reason: "are incompatible: not a broadcast")
        }
        return result
    }
}
