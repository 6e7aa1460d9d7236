import Foundation

/// Gradient norms, clipping and scaling over the whole gradient buffer.
///
/// The buffer's alignment padding is always zero, so these walk it end to end.
extension ParameterStore {
    /// The L2 norm of all gradients taken together, as `torch.nn.utils.clip_grad_norm_` reports.
    ///
    /// Squares are summed in Double over fixed blocks of 4,096 floats and the block sums added in
    /// order, so the result is accurate for hundreds of millions of parameters and the same
    /// whatever the number of cores.
    public func gradientNorm() -> Double {
        let blockSize = GradientNormKernel.blockSize
        let blocks = (count + blockSize - 1) / blockSize
        guard blocks > 0 else { return 0 }
        var sums = [Double](repeating: 0, count: blocks)
        sums.withUnsafeMutableBufferPointer { sums in
            guard let out = sums.baseAddress else { return }
            let gradients = self.gradients
            ParameterLoop.forEachChunk(count, grain: blockSize) { chunk in
                for start in stride(from: chunk.lowerBound, to: chunk.upperBound, by: blockSize) {
                    let end = min(start + blockSize, chunk.upperBound)
                    out[start / blockSize] = GradientNormKernel.sumOfSquares(gradients, start..<end)
                }
            }
        }
        return sums.reduce(0, +).squareRoot()
    }

    /// Scales the gradients so their global L2 norm is at most `maxNorm` and returns the norm
    /// they had before, with `torch.nn.utils.clip_grad_norm_`'s arithmetic: the factor
    /// maxNorm / (norm + 1e-6) is computed in Float32 and applied only when below 1.
    ///
    /// A norm that is infinite or NaN is returned with the gradients left as they are (PyTorch
    /// would turn them into zeros or NaNs); the caller decides whether to skip the step.
    /// Throws a `TrainingError` when `maxNorm` is not a finite number above 0.
    @discardableResult
    public func clipGradients(maxNorm: Double) throws -> Double {
        guard maxNorm.isFinite, maxNorm > 0 else {
            throw TrainingError("max_grad_norm", "is \(maxNorm), expected a finite number above 0")
        }
        let norm = gradientNorm()
        guard norm.isFinite else { return norm }
        let factor = Float(maxNorm) / (Float(norm) + 1e-6)
        if factor < 1 { scaleGradients(by: factor) }
        return norm
    }

    /// Multiplies every gradient by `factor`, as when averaging gradients summed over micro-batches.
    public func scaleGradients(by factor: Float) {
        let gradients = self.gradients
        ParameterLoop.forEachChunk(count) { chunk in
            ParameterLoop.run(ScaleKernel(pointer: gradients, factor: factor), over: chunk)
        }
    }
}

/// `x ← factor·x` on eight floats.
struct ScaleKernel: VectorKernel {
    let pointer: UnsafeMutablePointer<Float>
    let factor: Float

    @inline(__always)
    func apply(_ index: Int, lanes: Int) {
        ParameterLoop.store(ParameterLoop.load(pointer + index, lanes: lanes) * factor, pointer + index, lanes: lanes)
    }
}

/// The sum of squares of one block of floats, in Double.
enum GradientNormKernel {
    /// Floats per partial sum: large enough to amortise the bookkeeping, small enough that
    /// chunks of different sizes still split into whole blocks.
    static let blockSize = 4096

    static func sumOfSquares(_ pointer: UnsafeMutablePointer<Float>, _ range: Range<Int>) -> Double {
        // Eight Double lanes: squares of Float32 values are exact in Double, so each lane only
        // rounds its running sum.
        var lanes = SIMD8<Double>(repeating: 0)
        var index = range.lowerBound
        while index < range.upperBound {
            let width = min(8, range.upperBound - index)
            let wide = SIMD8<Double>(ParameterLoop.load(pointer + index, lanes: width))
            lanes.addProduct(wide, wide)
            index += 8
        }
        return lanes.sum()
    }
}
