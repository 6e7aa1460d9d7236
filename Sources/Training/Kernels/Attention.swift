import CBLAS
import Foundation
import Tensor

/// Causal multi-head attention with grouped key/value heads and an optional sliding window
/// (Mistral's), forward and backward.
///
/// Rows are tokens: q, k, v and the output are [B·T, heads·d] blocks of (possibly wider)
/// buffers, so GPT-2's fused qkv needs no split. Each (sequence, key/value head) pair is one
/// task: its query heads share the keys and values, so the tasks write disjoint gradients and
/// run on separate cores, each calling single-threaded GEMM on [T, T] score matrices.
struct Attention {
    let batch: Int
    let length: Int
    let heads: Int
    let kvHeads: Int
    let headDim: Int
    /// Keys a query sees at most, itself included (the query at t sees t − window < s ≤ t); nil: all earlier ones.
    let window: Int?

    var scale: Float { 1 / Float(headDim).squareRoot() }
    /// Floats of the saved probabilities: [B, heads, T, T].
    var probabilityCount: Int { batch * heads * length * length }

    /// A view of one operand: its buffer and row stride (in floats).
    struct Operand {
        let base: UnsafeMutablePointer<Float>
        let stride: Int
        /// Start of head `h` of sequence `b`.
        func at(_ b: Int, _ h: Int, length: Int, headDim: Int) -> UnsafeMutablePointer<Float> {
            base + b * length * stride + h * headDim
        }
    }

    /// The keys the query at `row` attends to.
    func visibleKeys(_ row: Int) -> Range<Int> { Self.visibleKeys(row, window: window) }

    /// The keys the query at `position` attends to under a sliding `window` (nil: every earlier one).
    static func visibleKeys(_ position: Int, window: Int?) -> Range<Int> {
        (window.map { max(0, position - $0 + 1) } ?? 0)..<(position + 1)
    }

    /// Query rows per block. A block of queries sees keys up to its last row only, so the GEMMs
    /// skip the masked upper triangle block by block (at T = 256, 10 of 16 blocks are computed).
    static let tile = 64

    /// The blocks of query rows with the keys each sees: rows [r0, r1), keys [k0, r1).
    func eachBlock(_ body: (_ r0: Int, _ r1: Int, _ k0: Int) -> Void) {
        var r0 = 0
        while r0 < length {
            let r1 = min(length, r0 + Self.tile)
            body(r0, r1, visibleKeys(r0).lowerBound)
            r0 = r1
        }
    }

    /// y = softmax(q·kᵀ·scale + causal mask)·v per head; saves the probabilities [B, H, T, T].
    /// Entries of a block's rows left of k0 or right of r1 are never written: the workspace
    /// hands the buffer over zeroed, and they stay 0.
    func forward(q: Operand, k: Operand, v: Operand, y: Operand, probabilities: UnsafeMutablePointer<Float>) {
        let (t, d, group) = (length, headDim, heads / kvHeads)
        eachTask { b, j, _ in
            let (kj, vj) = (k.at(b, j, length: t, headDim: d), v.at(b, j, length: t, headDim: d))
            for r in 0..<group {
                let h = j * group + r
                let p = probabilities + (b * heads + h) * t * t
                let (qh, yh) = (q.at(b, h, length: t, headDim: d), y.at(b, h, length: t, headDim: d))
                eachBlock { r0, r1, k0 in
                    let (rows, keys) = (r1 - r0, r1 - k0)
                    let block = p + r0 * t + k0
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(d), scale,
                                qh + r0 * q.stride, Int32(q.stride), kj + k0 * k.stride, Int32(k.stride), 0, block, Int32(t))
                    for row in r0..<r1 {
                        let visible = visibleKeys(row)
                        Self.maskedSoftmax(block + (row - r0) * t, visible: (visible.lowerBound - k0)..<(visible.upperBound - k0), width: keys)
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(keys), 1,
                                block, Int32(t), vj + k0 * v.stride, Int32(v.stride), 0, yh + r0 * y.stride, Int32(y.stride))
                }
            }
        }
    }

    /// dq, dk, dv (overwritten) from dy and the saved probabilities, over the same blocks.
    /// - Parameter scratch: `scratchCount` floats.
    func backward(dy: Operand, q: Operand, k: Operand, v: Operand, probabilities: UnsafePointer<Float>,
                  dq: Operand, dk: Operand, dv: Operand, scratch blocks: UnsafeMutablePointer<Float>) {
        let (t, d, group) = (length, headDim, heads / kvHeads)
        eachTask { b, j, worker in
            let scratch = blocks + worker * t * t
            let (kj, vj) = (k.at(b, j, length: t, headDim: d), v.at(b, j, length: t, headDim: d))
            let (dkj, dvj) = (dk.at(b, j, length: t, headDim: d), dv.at(b, j, length: t, headDim: d))
            // Key rows gather from every block of queries after them: start from 0 and accumulate.
            for row in 0..<t {
                (dkj + row * dk.stride).update(repeating: 0, count: d)
                (dvj + row * dv.stride).update(repeating: 0, count: d)
            }
            for r in 0..<group {
                let h = j * group + r
                let p = probabilities + (b * heads + h) * t * t
                let (dyh, qh, dqh) = (dy.at(b, h, length: t, headDim: d), q.at(b, h, length: t, headDim: d), dq.at(b, h, length: t, headDim: d))
                eachBlock { r0, r1, k0 in
                    let (rows, keys) = (r1 - r0, r1 - k0)
                    let (pb, sb) = (p + r0 * t + k0, scratch + r0 * t + k0)
                    let dyb = dyh + r0 * dy.stride
                    // dP = dy·vᵀ; dv += Pᵀ·dy
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(d), 1,
                                dyb, Int32(dy.stride), vj + k0 * v.stride, Int32(v.stride), 0, sb, Int32(t))
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(keys), Int32(d), Int32(rows), 1,
                                pb, Int32(t), dyb, Int32(dy.stride), 1, dvj + k0 * dv.stride, Int32(dv.stride))
                    // dS = P ⊙ (dP − Σ P·dP), row by row; masked entries are 0 in P, so 0 in dS.
                    for row in 0..<rows {
                        let (pr, dr) = (pb + row * t, sb + row * t)
                        let visible = visibleKeys(r0 + row)
                        let inner = Vectorised.dot(pr + visible.lowerBound - k0, dr + visible.lowerBound - k0, count: visible.count)
                        Vectorised.subtractThenMultiply(inner, pr, into: dr, count: keys)
                    }
                    // dq = dS·k·scale; dk += dSᵀ·q·scale
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(keys), scale,
                                sb, Int32(t), kj + k0 * k.stride, Int32(k.stride), 0, dqh + r0 * dq.stride, Int32(dq.stride))
                    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(keys), Int32(d), Int32(rows), scale,
                                sb, Int32(t), qh + r0 * q.stride, Int32(q.stride), 1, dkj + k0 * dk.stride, Int32(dk.stride))
                }
            }
        }
    }

    /// Floats of scratch `backward` needs: one [T, T] block per core.
    var scratchCount: Int { Parallel.workers * length * length }

    /// Runs `body(b, j, scratch)` for every sequence b and key/value head j, split over the cores,
    /// with OpenBLAS held to one thread so the two pools do not oversubscribe the machine.
    /// `body` gets (b, j, worker) with worker < Parallel.workers, to pick its scratch block.
    private func eachTask(_ body: (Int, Int, Int) -> Void) {
        let tasks = batch * kvHeads
        let chunks = min(Parallel.workers, tasks)
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(Parallel.workers)) }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            for task in (tasks * chunk / chunks)..<(tasks * (chunk + 1) / chunks) { body(task / kvHeads, task % kvHeads, chunk) }
        }
    }

    /// Softmax over the `visible` entries of a row of `width`; the rest become 0.
    static func maskedSoftmax(_ row: UnsafeMutablePointer<Float>, visible: Range<Int>, width: Int) {
        var maximum = -Float.infinity
        for s in visible { maximum = max(maximum, row[s]) }
        var total: Float = 0
        var s = visible.lowerBound
        while s + 8 <= visible.upperBound {
            let e = VectorMath.expOfNonPositive(VectorMath.load(row + s) - maximum)
            VectorMath.store(e, row + s)
            total += e.sum()
            s += 8
        }
        while s < visible.upperBound {
            row[s] = Foundation.exp(row[s] - maximum)
            total += row[s]
            s += 1
        }
        let inverse = 1 / total
        row.update(repeating: 0, count: visible.lowerBound)
        Vectorised.scale(row + visible.lowerBound, by: inverse, count: visible.count)
        (row + visible.upperBound).update(repeating: 0, count: width - visible.upperBound)
    }
}
