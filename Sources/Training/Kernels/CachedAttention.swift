import CBLAS
import Dispatch
import Foundation
import Tensor

/// Causal attention for inference, nothing kept for a backward pass.
///
/// The t query rows of a sequence are its positions start ..< start + t and attend to the keys
/// and values of positions 0 ..< start + t, read from the current rows (scoring, start = 0) or
/// from a KV cache (decoding). One task per (sequence, query head): query heads of a group only
/// read their shared keys, so the tasks are independent; they are split over the cores, each
/// core calling single-threaded GEMM on its own block of scores, so memory does not grow with
/// the number of heads or sequences.
struct CachedAttention {
    let heads: Int
    let kvHeads: Int
    let headDim: Int
    /// Keys a query sees at most, itself included (Mistral's sliding window); nil: all earlier ones.
    let window: Int?

    typealias Operand = Attention.Operand

    /// Floats of scratch `forward` needs for t queries over s keys: one [t, s] block per core.
    static func scratchCount(queries t: Int, keys s: Int) -> Int { Parallel.workers * t * s }

    /// y = softmax(q·kᵀ/√d + causal mask)·v for each of `batch` sequences.
    /// - Parameters:
    ///   - q, y: t rows per sequence.
    ///   - k, v: `kvRows` rows per sequence, of which the first start + t are read.
    ///   - scratch: `scratchCount(queries: t, keys: start + t)` floats.
    func forward(q: Operand, k: Operand, v: Operand, y: Operand, batch: Int, queries t: Int, start: Int, kvRows: Int,
                 scratch: UnsafeMutablePointer<Float>) {
        let (s, d, group) = (start + t, headDim, heads / kvHeads)
        let scale = 1 / Float(d).squareRoot()
        let tasks = batch * heads
        // A decoding step's few thousand multiply-adds per head cost less than waking a second core.
        let chunks = t * s * d * tasks >= 1 << 18 ? min(Parallel.workers, tasks) : 1
        let run = { (chunk: Int) in
            let scores = scratch + chunk * t * s
            for task in (tasks * chunk / chunks)..<(tasks * (chunk + 1) / chunks) {
                let (b, h) = (task / heads, task % heads)
                let j = h / group
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(t), Int32(s), Int32(d), scale,
                            q.at(b, h, length: t, headDim: d), Int32(q.stride), k.at(b, j, length: kvRows, headDim: d), Int32(k.stride),
                            0, scores, Int32(s))                                                                    // [t, s]
                for row in 0..<t { Attention.maskedSoftmax(scores + row * s, visible: Attention.visibleKeys(start + row, window: window), width: s) }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(t), Int32(d), Int32(s), 1,
                            scores, Int32(s), v.at(b, j, length: kvRows, headDim: d), Int32(v.stride),
                            0, y.at(b, h, length: t, headDim: d), Int32(y.stride))                                 // [t, d]
            }
        }
        guard chunks > 1 else { return run(0) }
        // OpenBLAS held to one thread while both cores run tasks, so the pools do not oversubscribe.
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(Int32(Parallel.workers)) }
        DispatchQueue.concurrentPerform(iterations: chunks, execute: run)
    }
}
