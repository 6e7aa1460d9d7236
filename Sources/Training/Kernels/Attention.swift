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
    func visibleKeys(_ row: Int) -> Range<Int> {
        (window.map { max(0, row - $0 + 1) } ?? 0)..<(row + 1)
    }

    /// y = softmax(q·kᵀ·scale + causal mask)·v per head; saves the probabilities [B, H, T, T].
    func forward(q: Operand, k: Operand, v: Operand, y: Operand, probabilities: UnsafeMutablePointer<Float>) {
        let (t, d, group) = (length, headDim, heads / kvHeads)
        eachTask { b, j, _ in
            for r in 0..<group {
                let h = j * group + r
                let p = probabilities + (b * heads + h) * t * t
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(t), Int32(d), scale,
                            q.at(b, h, length: t, headDim: d), Int32(q.stride), k.at(b, j, length: t, headDim: d), Int32(k.stride),
                            0, p, Int32(t))
                for row in 0..<t { Self.maskedSoftmax(p + row * t, visible: visibleKeys(row), width: t) }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(d), Int32(t), 1,
                            p, Int32(t), v.at(b, j, length: t, headDim: d), Int32(v.stride), 0, y.at(b, h, length: t, headDim: d), Int32(y.stride))
            }
        }
    }

    /// dq, dk, dv (overwritten) from dy and the saved probabilities.
    /// - Parameter scratch: `scratchCount` floats.
    func backward(dy: Operand, q: Operand, k: Operand, v: Operand, probabilities: UnsafePointer<Float>,
                  dq: Operand, dk: Operand, dv: Operand, scratch blocks: UnsafeMutablePointer<Float>) {
        let (t, d, group) = (length, headDim, heads / kvHeads)
        eachTask { b, j, worker in
            let scratch = blocks + worker * t * t
            let (kj, vj) = (k.at(b, j, length: t, headDim: d), v.at(b, j, length: t, headDim: d))
            let (dkj, dvj) = (dk.at(b, j, length: t, headDim: d), dv.at(b, j, length: t, headDim: d))
            for r in 0..<group {
                let h = j * group + r
                let p = probabilities + (b * heads + h) * t * t
                let dyh = dy.at(b, h, length: t, headDim: d)
                let accumulate: Float = r == 0 ? 0 : 1
                // dP = dy·vᵀ; dv += Pᵀ·dy
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(t), Int32(d), 1,
                            dyh, Int32(dy.stride), vj, Int32(v.stride), 0, scratch, Int32(t))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(t), Int32(d), Int32(t), 1,
                            p, Int32(t), dyh, Int32(dy.stride), accumulate, dvj, Int32(dv.stride))
                // dS = P ⊙ (dP − Σ P·dP), row by row, over the visible keys only.
                for row in 0..<t {
                    let (pr, dr) = (p + row * t, scratch + row * t)
                    let visible = visibleKeys(row)
                    let inner = Vectorised.dot(pr + visible.lowerBound, dr + visible.lowerBound, count: visible.count)
                    for s in 0..<visible.lowerBound { dr[s] = 0 }
                    for s in visible { dr[s] = pr[s] * (dr[s] - inner) }
                    for s in visible.upperBound..<t { dr[s] = 0 }
                }
                // dq = dS·k·scale; dk += dSᵀ·q·scale
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(d), Int32(t), scale,
                            scratch, Int32(t), kj, Int32(k.stride), 0, dq.at(b, h, length: t, headDim: d), Int32(dq.stride))
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(t), Int32(d), Int32(t), scale,
                            scratch, Int32(t), q.at(b, h, length: t, headDim: d), Int32(q.stride), accumulate, dkj, Int32(dk.stride))
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
        for s in 0..<visible.lowerBound { row[s] = 0 }
        for s in visible { row[s] *= inverse }
        for s in visible.upperBound..<width { row[s] = 0 }
    }
}
