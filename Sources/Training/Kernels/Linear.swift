import CBLAS
import Models

/// Dense layers on raw buffers, every product through `cblas_sgemm`.
///
/// A weight is stored either as nn.Linear does, [out, in] (y = x·Wᵀ), or as GPT-2's Conv1D
/// does, [in, out] (y = x·W); the layout is passed to BLAS as a transpose flag, never copied.
/// Gradients are accumulated (β = 1) so micro-batches add up in the gradient buffer.
struct Linear {
    typealias Layout = WeightLayout

    let inputs: Int
    let outputs: Int
    let layout: Layout

    /// y [n, out] (+)= x [n, in] · W (+ b). `ldy` lets y be a column block of a wider buffer;
    /// `accumulate` adds to y (a residual connection) instead of overwriting it.
    func forward(_ x: UnsafePointer<Float>, rows n: Int, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 into y: UnsafeMutablePointer<Float>, ldy: Int? = nil, accumulate: Bool = false) {
        let ldy = ldy ?? outputs
        var beta: Float = accumulate ? 1 : 0
        if let bias {
            for row in 0..<n {
                if accumulate { Vectorised.add(bias, into: y + row * ldy, count: outputs) } else { (y + row * ldy).update(from: bias, count: outputs) }
            }
            beta = 1
        }
        let (transB, ldw) = layout == .outIn ? (CblasTrans, inputs) : (CblasNoTrans, outputs)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transB, Int32(n), Int32(outputs), Int32(inputs),
                    1, x, Int32(inputs), weight, Int32(ldw), beta, y, Int32(ldy))
    }

    /// dx [n, in] (+)= dy [n, out] · Wᵀ (with the layout's transpose).
    func backwardInput(_ dy: UnsafePointer<Float>, rows n: Int, weight: UnsafePointer<Float>,
                       into dx: UnsafeMutablePointer<Float>, accumulate: Bool, ldy: Int? = nil) {
        let (transB, ldw) = layout == .outIn ? (CblasNoTrans, inputs) : (CblasTrans, outputs)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transB, Int32(n), Int32(inputs), Int32(outputs),
                    1, dy, Int32(ldy ?? outputs), weight, Int32(ldw), accumulate ? 1 : 0, dx, Int32(inputs))
    }

    /// dW += dyᵀ·x ([out, in]) or xᵀ·dy ([in, out]); db += Σ rows of dy.
    func backwardWeight(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, rows n: Int,
                        weightGradient: UnsafeMutablePointer<Float>, biasGradient: UnsafeMutablePointer<Float>?,
                        ldy: Int? = nil) {
        let ldy = ldy ?? outputs
        if layout == .outIn {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(outputs), Int32(inputs), Int32(n),
                        1, dy, Int32(ldy), x, Int32(inputs), 1, weightGradient, Int32(inputs))
        } else {
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(inputs), Int32(outputs), Int32(n),
                        1, x, Int32(inputs), dy, Int32(ldy), 1, weightGradient, Int32(outputs))
        }
        if let biasGradient {
            for row in 0..<n { Vectorised.add(dy + row * ldy, into: biasGradient, count: outputs) }
        }
    }
}
