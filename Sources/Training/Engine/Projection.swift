import Base
import CBLAS
import Tensor

/// One linear layer of the model as the engine runs it: the frozen or trainable base weight,
/// its bias, and an optional LoRA adapter y += scale · (x·Aᵀ)·Bᵀ with the buffers it keeps for
/// the backward pass.
struct Projection {
    /// The low-rank adapter of a projection: A [r, in], B [out, r] and their gradients.
    struct Adapter {
        let a: UnsafeMutablePointer<Float>
        let b: UnsafeMutablePointer<Float>
        let aGradient: UnsafeMutablePointer<Float>
        let bGradient: UnsafeMutablePointer<Float>
        let rank: Int
        let scale: Float
        let dropout: Float
    }

    /// What the adapter keeps from the forward pass for the backward: x·Aᵀ [n, r], and with
    /// dropout the mask [n, in] (0 or 1/(1−p)) and the masked input.
    struct AdapterBuffers {
        let projected: UnsafeMutablePointer<Float>
        let projectedGradient: UnsafeMutablePointer<Float>
        let mask: UnsafeMutablePointer<Float>?
        let masked: UnsafeMutablePointer<Float>?
    }

    let linear: Linear
    let weight: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>?
    /// Nil when the base weights are frozen (LoRA training).
    let weightGradient: UnsafeMutablePointer<Float>?
    let biasGradient: UnsafeMutablePointer<Float>?
    let adapter: Adapter?
    /// The adapter's buffers for one (B, T) shape: nil on the model's own projections, set on
    /// the copies a `Pass` runs (`withBuffers`).
    private(set) var buffers: AdapterBuffers?

    /// This projection with its adapter's buffers for `n` rows taken from `workspace`.
    func withBuffers(rows n: Int, in workspace: Workspace) -> Projection {
        guard let adapter else { return self }
        let dropout = adapter.dropout > 0
        var projection = self
        projection.buffers = AdapterBuffers(projected: workspace.take(n * adapter.rank), projectedGradient: workspace.take(n * adapter.rank),
                                            mask: dropout ? workspace.take(n * linear.inputs) : nil,
                                            masked: dropout ? workspace.take(n * linear.inputs) : nil)
        return projection
    }

    /// y (+)= x·W + b + scale·(dropout(x)·Aᵀ)·Bᵀ; a nil `random` turns dropout off.
    func forward(_ x: UnsafePointer<Float>, rows n: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
                 accumulate: Bool = false, random: inout RandomGenerator?) {
        linear.forward(x, rows: n, weight: weight, bias: bias, into: y, ldy: ldy, accumulate: accumulate)
        guard let adapter, let buffers else { return }
        let input = UnsafePointer(Self.dropout(x, count: n * linear.inputs, adapter: adapter, buffers: buffers, random: &random))
        let (r, inputs, outputs) = (Int32(adapter.rank), Int32(linear.inputs), Int32(linear.outputs))
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), r, inputs, 1, input, inputs, adapter.a, inputs,
                    0, buffers.projected, r)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), outputs, r, adapter.scale, buffers.projected, r,
                    adapter.b, r, 1, y, Int32(ldy ?? linear.outputs))
    }

    /// dx (+)= dy·Wᵀ (+ the adapter's path); dW, db, dA, dB += their gradients.
    func backward(_ dy: UnsafePointer<Float>, input x: UnsafePointer<Float>, rows n: Int, ldy: Int? = nil,
                  dx: UnsafeMutablePointer<Float>, accumulate: Bool) {
        linear.backwardInput(dy, rows: n, weight: weight, into: dx, accumulate: accumulate, ldy: ldy)
        if let weightGradient {
            linear.backwardWeight(dy, x, rows: n, weightGradient: weightGradient, biasGradient: biasGradient, ldy: ldy)
        }
        guard let adapter, let buffers else { return }
        let (r, inputs, outputs, ldy) = (Int32(adapter.rank), Int32(linear.inputs), Int32(linear.outputs), Int32(ldy ?? linear.outputs))
        let input = buffers.masked.map { UnsafePointer($0) } ?? x
        // dB += scale · dyᵀ·(xAᵀ);  d(xAᵀ) = scale · dy·B;  dA += d(xAᵀ)ᵀ·x
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, outputs, r, Int32(n), adapter.scale, dy, ldy,
                    buffers.projected, r, 1, adapter.bGradient, r)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), r, outputs, adapter.scale, dy, ldy,
                    adapter.b, r, 0, buffers.projectedGradient, r)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, r, inputs, Int32(n), 1, buffers.projectedGradient, r,
                    input, inputs, 1, adapter.aGradient, inputs)
        if let mask = buffers.mask, let scratch = buffers.masked {
            // The masked input is no longer needed: reuse it for d(xAᵀ)·A, then apply the mask.
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), inputs, r, 1, buffers.projectedGradient, r,
                        adapter.a, inputs, 0, scratch, inputs)
            for i in 0..<(n * linear.inputs) { dx[i] += scratch[i] * mask[i] }
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), inputs, r, 1, buffers.projectedGradient, r,
                        adapter.a, inputs, 1, dx, inputs)
        }
    }

    /// With dropout, fills the mask and masked copy of x and returns the copy; else returns x.
    /// Without a generator (dropout off) the mask keeps everything, so a backward pass after
    /// this forward still sees buffers that match it, and no random number is drawn.
    private static func dropout(_ x: UnsafePointer<Float>, count: Int, adapter: Adapter, buffers: AdapterBuffers,
                                random: inout RandomGenerator?) -> UnsafeMutablePointer<Float> {
        guard let mask = buffers.mask, let masked = buffers.masked else { return UnsafeMutablePointer(mutating: x) }
        guard var generator = random else {
            mask.update(repeating: 1, count: count)
            masked.update(from: x, count: count)
            return masked
        }
        defer { random = generator }
        let keep = 1 / (1 - adapter.dropout)
        for i in 0..<count {
            mask[i] = generator.nextUniform() < adapter.dropout ? 0 : keep
            masked[i] = x[i] * mask[i]
        }
        return masked
    }
}
