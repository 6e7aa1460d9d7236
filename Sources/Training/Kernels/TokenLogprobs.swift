import Foundation
import Tensor

/// log p(target) through the LM head, forward and backward, a chunk of rows at a time, so no
/// more than `chunkRows` × V logits ever exist (V is 49k–50k for SmolLM2 and GPT-2).
///
/// Rows are packed before any GEMM: a row without a target (padding) costs nothing in either
/// pass, and one whose gradient is 0 (a DPO prompt) nothing in the backward. The forward keeps
/// only log Σ exp per row. The backward turns each chunk of logits into
/// ∂L/∂logits = g · (onehot(target) − softmax) in place, then dx = ∂L/∂logits · W and
/// dW += ∂L/∂logitsᵀ · x. The forward's last chunk of logits is still in the buffer and the
/// backward starts with it; the earlier chunks' logits it computes again, one head GEMM over
/// those rows traded for (rows − chunkRows) × V floats. When one chunk holds every row (the
/// benches' shapes), nothing is computed twice.
struct TokenLogprobs {
    /// The LM head: [V, H] weight (tied or not) and its gradient; never has an adapter.
    let head: Projection
    /// Rows of logits that exist at once.
    let chunkRows: Int

    var vocabulary: Int { head.linear.outputs }
    var hidden: Int { head.linear.inputs }

    /// Floats of logits the engine lets one chunk take: 64 MB, 128 rows of a 128k vocabulary.
    static let chunkFloats = 1 << 24

    /// Rows per chunk for `rows` rows of `vocabulary` logits under `chunkFloats`.
    static func chunkRows(rows: Int, vocabulary: Int) -> Int { max(1, min(rows, chunkFloats / vocabulary)) }

    /// The chunk's buffers; `rows` is as long as the batch (a packed row → its row).
    struct Buffers {
        let logits: UnsafeMutablePointer<Float>         // [chunkRows, V], overwritten by its gradient in backward
        let packedInput: UnsafeMutablePointer<Float>    // [chunkRows, H]
        let packedGradient: UnsafeMutablePointer<Float> // [chunkRows, H]
        let rows: UnsafeMutablePointer<Int32>           // [N]
    }

    /// Floats `Buffers` take for `rows` rows (the index list counted as floats).
    static func floatsNeeded(rows: Int, hidden: Int, vocabulary: Int) -> Int {
        let chunk = chunkRows(rows: rows, vocabulary: vocabulary)
        return chunk * (vocabulary + 2 * hidden) + rows
    }

    /// logprob[row] = logit[row, target] − logsumexp(logits[row]) for x [n, H]; 0 where target < 0.
    func forward(_ x: UnsafePointer<Float>, rows n: Int, targets: UnsafePointer<Int32>, buffers b: Buffers,
                 logsumexp: UnsafeMutablePointer<Float>, logprobs: UnsafeMutablePointer<Float>) {
        precondition(head.adapter == nil, "the LM head has no LoRA adapter")
        var active = 0
        for row in 0..<n {
            if targets[row] >= 0 {
                b.rows[active] = Int32(row)
                active += 1
            } else {
                logsumexp[row] = 0
                logprobs[row] = 0
            }
        }
        var start = 0
        while start < active {
            let count = min(chunkRows, active - start)
            let rows = b.rows + start
            gather(x, rows: rows, count: count, into: b.packedInput)
            head.linear.forward(b.packedInput, rows: count, weight: head.weight, bias: head.bias, into: b.logits)
            let v = vocabulary
            Parallel.forEachRange(count, cost: v * 2) { packed in
                for i in packed {
                    let row = Int(rows[i])
                    let lse = Self.logSumExp(b.logits + i * v, count: v)
                    logsumexp[row] = lse
                    logprobs[row] = b.logits[i * v + Int(targets[row])] - lse
                }
            }
            start += count
        }
    }

    /// dx [n, H] = ∂L/∂x (overwritten; 0 on rows without a gradient) and dW (+ db) += ∂L/∂W for
    /// g[row] = ∂L/∂logprob[row]. Must follow `forward` of the same rows, with the buffers untouched.
    func backward(_ x: UnsafePointer<Float>, rows n: Int, targets: UnsafePointer<Int32>, logsumexp: UnsafePointer<Float>,
                  gradients g: UnsafePointer<Float>, buffers b: Buffers, dx: UnsafeMutablePointer<Float>) {
        let (h, v) = (hidden, vocabulary)
        memset(dx, 0, n * h * MemoryLayout<Float>.stride)
        var forwardRows = 0
        for row in 0..<n where targets[row] >= 0 { forwardRows += 1 }
        guard forwardRows > 0 else { return }
        // The forward's last chunk is still in the buffers: keep its rows with a gradient, in
        // order (a row only ever moves up, so none is overwritten before it is moved), and
        // start there. Rows before `boundary` belong to earlier chunks and are computed again.
        let last = (forwardRows - 1) / chunkRows * chunkRows
        let boundary = Int(b.rows[last])
        var kept = 0
        for i in last..<forwardRows where g[Int(b.rows[i])] != 0 {
            if kept != i - last {
                (b.logits + kept * v).update(from: b.logits + (i - last) * v, count: v)
                (b.packedInput + kept * h).update(from: b.packedInput + (i - last) * h, count: h)
            }
            b.rows[kept] = b.rows[i]
            kept += 1
        }
        chunkBackward(rows: b.rows, count: kept, targets: targets, logsumexp: logsumexp, gradients: g, buffers: b, dx: dx)
        var active = 0
        for row in 0..<boundary where targets[row] >= 0 && g[row] != 0 {
            b.rows[active] = Int32(row)
            active += 1
        }
        var start = 0
        while start < active {
            let count = min(chunkRows, active - start)
            gather(x, rows: b.rows + start, count: count, into: b.packedInput)
            head.linear.forward(b.packedInput, rows: count, weight: head.weight, bias: head.bias, into: b.logits)
            chunkBackward(rows: b.rows + start, count: count, targets: targets, logsumexp: logsumexp, gradients: g, buffers: b, dx: dx)
            start += count
        }
    }

    /// One chunk of packed rows whose logits and inputs are in the buffers: logits ← their gradient,
    /// then the two head GEMMs, and the input gradient scattered back to its rows.
    private func chunkBackward(rows: UnsafePointer<Int32>, count: Int, targets: UnsafePointer<Int32>, logsumexp: UnsafePointer<Float>,
                               gradients g: UnsafePointer<Float>, buffers b: Buffers, dx: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        let (h, v) = (hidden, vocabulary)
        Parallel.forEachRange(count, cost: v * 2) { packed in
            for i in packed {
                let row = Int(rows[i])
                let (lr, lse, scale) = (b.logits + i * v, logsumexp[row], g[row])
                var j = 0
                while j + 8 <= v {
                    VectorMath.store(-scale * VectorMath.exp(VectorMath.load(lr + j) - lse), lr + j)
                    j += 8
                }
                while j < v { lr[j] = -scale * Foundation.exp(lr[j] - lse); j += 1 }
                lr[Int(targets[row])] += scale
            }
        }
        head.linear.backwardInput(b.logits, rows: count, weight: head.weight, into: b.packedGradient, accumulate: false)
        if let weightGradient = head.weightGradient {
            head.linear.backwardWeight(b.logits, b.packedInput, rows: count, weightGradient: weightGradient, biasGradient: head.biasGradient)
        }
        for i in 0..<count { (dx + Int(rows[i]) * h).update(from: b.packedGradient + i * h, count: h) }
    }

    private func gather(_ x: UnsafePointer<Float>, rows: UnsafePointer<Int32>, count: Int, into packed: UnsafeMutablePointer<Float>) {
        let h = hidden
        for i in 0..<count { (packed + i * h).update(from: x + Int(rows[i]) * h, count: h) }
    }

    /// log Σ exp over `count` values, from their maximum.
    static func logSumExp(_ values: UnsafePointer<Float>, count: Int) -> Float {
        var maximum = SIMD8<Float>(repeating: -.infinity)
        var i = 0
        while i + 8 <= count {
            maximum = VectorMath.max(maximum, VectorMath.load(values + i))
            i += 8
        }
        var top = maximum.max()
        while i < count { top = Swift.max(top, values[i]); i += 1 }
        var sum = SIMD8<Float>.zero
        i = 0
        while i + 8 <= count {
            sum += VectorMath.expOfNonPositive(VectorMath.load(values + i) - top)
            i += 8
        }
        var total = sum.sum()
        while i < count { total += Foundation.exp(values[i] - top); i += 1 }
        return top + Foundation.log(total)
    }
}
