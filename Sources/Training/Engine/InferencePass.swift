import Base
import Foundation
import Models
import Tensor

/// Which rows one inference forward computes: `rows` new positions of each sequence, at
/// positions start ..< start + rows (start > 0 only when decoding over a KV cache).
struct InferenceStep {
    let rows: Int
    let start: Int
}

/// One block's keys and values for every position decoded so far: [capacity, K] each.
struct KeyValueBlock {
    let keys: UnsafeMutablePointer<Float>
    let values: UnsafeMutablePointer<Float>
}

/// The buffers of the inference forward of `batch` sequences of up to `length` new rows each.
///
/// Only the residual stream crosses blocks: every other buffer is reused by each block in turn,
/// so memory does not grow with depth, and the logits are computed `logitRows` rows at a time,
/// never [N, V]. With a KV cache (one sequence) each block also keeps its keys and values for
/// up to `capacity` positions.
/// N = B·T rows, H hidden, Q = heads·d, K = kv heads·d, F intermediate, V vocabulary, R = logitRows.
final class InferencePass {
    /// Rows of logits held at once: 64 × 49152 floats (12.6 MB) for SmolLM2.
    static let logitRows = 64

    let c: ModelConfig
    let batch: Int
    let length: Int
    /// Positions the KV cache and the RoPE table cover; `length` without a cache.
    let capacity: Int
    let q: Int, kv: Int, qkvWidth: Int

    let stream: UnsafeMutablePointer<Float>         // [N, H] the residual stream, each block adds to it in place
    let normed: UnsafeMutablePointer<Float>         // [N, H]
    let mean: UnsafeMutablePointer<Float>           // [N] (LayerNorm only)
    let rstd: UnsafeMutablePointer<Float>           // [N]
    let qkv: UnsafeMutablePointer<Float>            // [N, Q + 2K]: q | k | v per row
    let attended: UnsafeMutablePointer<Float>       // [N, Q]
    let hidden1: UnsafeMutablePointer<Float>        // [N, F] gate (Llama) or fc (GPT-2), then the activation in place
    let hidden2: UnsafeMutablePointer<Float>        // [N, F] up (Llama only)
    let scores: UnsafeMutablePointer<Float>         // [cores, T, capacity] attention scores
    let adapterScratch: UnsafeMutablePointer<Float> // [max(N, R), rank] x·Aᵀ of the adapted projection running
    /// Per block, with a KV cache; empty without.
    let cache: [KeyValueBlock]
    let headInput: UnsafeMutablePointer<Float>      // [R, H] the stream rows whose logits are wanted
    let headNormed: UnsafeMutablePointer<Float>     // [R, H]
    let headMean: UnsafeMutablePointer<Float>       // [R]
    let headRstd: UnsafeMutablePointer<Float>       // [R]
    let logits: UnsafeMutablePointer<Float>         // [R, V]
    let logprobs: UnsafeMutablePointer<Float>       // [R]

    let norm: Normalization
    let rotary: Rotary?
    let attention: CachedAttention
    private let workspace: Workspace

    /// - Parameter cached: keep keys and values of up to `capacity` positions (one sequence).
    init(_ c: ModelConfig, lora: LoRAConfig?, batch: Int, length: Int, cached capacity: Int? = nil) {
        self.c = c
        self.batch = batch
        self.length = length
        let keys = capacity ?? length
        self.capacity = keys
        let n = batch * length
        let (h, f, r) = (c.hiddenSize, c.intermediateSize, Self.logitRows)
        (q, kv) = (c.heads * c.headDim, c.kvHeads * c.headDim)
        qkvWidth = q + 2 * kv
        let w = Workspace(batch: batch, length: length)
        workspace = w
        stream = w.take(n * h)
        normed = w.take(n * h)
        mean = w.take(n)
        rstd = w.take(n)
        qkv = w.take(n * qkvWidth)
        attended = w.take(n * q)
        hidden1 = w.take(n * f)
        hidden2 = w.take(c.descriptor.gatedFeedForward ? n * f : 1)
        scores = w.take(CachedAttention.scratchCount(queries: length, keys: keys))
        adapterScratch = w.take(max(n, r) * (lora?.rank ?? 1))
        cache = capacity == nil ? [] : (0..<c.layers).map { _ in
            KeyValueBlock(keys: w.take(keys * c.kvHeads * c.headDim), values: w.take(keys * c.kvHeads * c.headDim))
        }
        headInput = w.take(r * h)
        headNormed = w.take(r * h)
        headMean = w.take(r)
        headRstd = w.take(r)
        logits = w.take(r * c.vocabSize)
        logprobs = w.take(r)
        norm = Normalization(width: h, epsilon: Float(c.normEpsilon))
        rotary = c.rope.map { Rotary(length: keys, headDim: c.headDim, inverseFrequencies: $0.inverseFrequencies(headDim: c.headDim)) }
        attention = CachedAttention(heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim, window: c.slidingWindow)
    }

    /// Floats `init` allocates, so a shape that cannot fit is refused before anything is allocated.
    static func floatsNeeded(_ c: ModelConfig, lora: LoRAConfig?, batch: Int, length: Int, cached capacity: Int? = nil) -> Double {
        let n = Double(batch) * Double(length), r = Double(logitRows)
        let (h, f, v) = (Double(c.hiddenSize), Double(c.intermediateSize), Double(c.vocabSize))
        let (q, kv) = (Double(c.heads * c.headDim), Double(c.kvHeads * c.headDim))
        let keys = Double(capacity ?? length)
        let cache = capacity == nil ? 0 : Double(c.layers) * 2 * keys * kv
        return n * (2 * h + 2 + (q + 2 * kv) + q + 2 * f) + Double(Parallel.workers) * Double(length) * keys
            + max(n, r) * Double(lora?.rank ?? 1) + cache + r * (2 * h + v + 3)
    }

    /// Writes the token (and learned position) embeddings of `tokens` [B, step.rows] into the stream.
    func embed(_ tokens: [Int32], _ step: InferenceStep, table: EmbeddingWeights, positions: EmbeddingWeights?) {
        let h = c.hiddenSize
        for row in 0..<(batch * step.rows) {
            let x = stream + row * h
            x.update(from: table.table + Int(tokens[row]) * h, count: h)
            if let positions { Vectorised.add(positions.table + (step.start + row % step.rows) * h, into: x, count: h) }
        }
    }

    /// attended = attention over this step's q, k, v in `qkv` (and, with a cache, the keys and
    /// values of earlier positions, to which this step's are added).
    func attend(layer: Int, _ step: InferenceStep) {
        let (t, width) = (step.rows, qkvWidth)
        let (qs, ks, vs) = (qkv, qkv + q, qkv + q + kv)
        let (queries, y) = (CachedAttention.Operand(base: qs, stride: width), CachedAttention.Operand(base: attended, stride: q))
        guard !cache.isEmpty else {
            return attention.forward(q: queries, k: .init(base: ks, stride: width), v: .init(base: vs, stride: width), y: y,
                                     batch: batch, queries: t, start: 0, kvRows: t, scratch: scores)
        }
        let block = cache[layer]
        for row in 0..<t {
            (block.keys + (step.start + row) * kv).update(from: ks + row * width, count: kv)
            (block.values + (step.start + row) * kv).update(from: vs + row * width, count: kv)
        }
        attention.forward(q: queries, k: .init(base: block.keys, stride: kv), v: .init(base: block.values, stride: kv), y: y,
                          batch: 1, queries: t, start: step.start, kvRows: capacity, scratch: scores)
    }

    /// Copies the first `positions` cached keys and values of every block from `other`.
    func copyCache(from other: InferencePass, positions: Int) {
        for (mine, theirs) in zip(cache, other.cache) {
            mine.keys.update(from: theirs.keys, count: positions * kv)
            mine.values.update(from: theirs.values, count: positions * kv)
        }
    }
}

/// The inference forward of one architecture's block.
protocol InferenceLayer: EngineLayer {
    /// Adds the block's attention and MLP outputs to the rows of `pass.stream` that `step` covers.
    func infer(layer: Int, _ step: InferenceStep, in pass: InferencePass)
}

extension LlamaLayer: InferenceLayer {
    func infer(layer: Int, _ step: InferenceStep, in p: InferencePass) {
        let (n, f, width, scratch) = (p.batch * step.rows, p.c.intermediateSize, p.qkvWidth, p.adapterScratch)
        let (qs, ks, vs) = (p.qkv, p.qkv + p.q, p.qkv + p.q + p.kv)                 // [N, Q], [N, K], [N, K] in one row
        p.norm.rmsForward(p.stream, rows: n, weight: inputNorm.weight, into: p.normed, rstd: p.rstd)   // [N, H]
        q.infer(p.normed, rows: n, into: qs, ldy: width, scratch: scratch)
        k.infer(p.normed, rows: n, into: ks, ldy: width, scratch: scratch)
        v.infer(p.normed, rows: n, into: vs, ldy: width, scratch: scratch)
        p.rotary?.apply(qs, rows: n, heads: p.c.heads, stride: width, from: step.start)
        p.rotary?.apply(ks, rows: n, heads: p.c.kvHeads, stride: width, from: step.start)
        p.attend(layer: layer, step)                                                  // [N, Q]
        o.infer(p.attended, rows: n, into: p.stream, accumulate: true, scratch: scratch)                // [N, H]
        p.norm.rmsForward(p.stream, rows: n, weight: postNorm.weight, into: p.normed, rstd: p.rstd)
        gate.infer(p.normed, rows: n, into: p.hidden1, scratch: scratch)             // [N, F]
        up.infer(p.normed, rows: n, into: p.hidden2, scratch: scratch)               // [N, F]
        Activations.swigluForward(gate: p.hidden1, up: p.hidden2, into: p.hidden1, count: n * f)
        down.infer(p.hidden1, rows: n, into: p.stream, accumulate: true, scratch: scratch)              // [N, H]
    }
}

extension GPT2Layer: InferenceLayer {
    func infer(layer: Int, _ step: InferenceStep, in p: InferencePass) {
        let (n, f, scratch) = (p.batch * step.rows, p.c.intermediateSize, p.adapterScratch)
        p.norm.layerForward(p.stream, rows: n, weight: ln1.weight, bias: ln1.bias, into: p.normed, mean: p.mean, rstd: p.rstd)  // [N, H]
        attention.infer(p.normed, rows: n, into: p.qkv, scratch: scratch)          // [N, 3H]
        p.attend(layer: layer, step)                                                  // [N, H]
        attentionOutput.infer(p.attended, rows: n, into: p.stream, accumulate: true, scratch: scratch)  // [N, H]
        p.norm.layerForward(p.stream, rows: n, weight: ln2.weight, bias: ln2.bias, into: p.normed, mean: p.mean, rstd: p.rstd)
        fc.infer(p.normed, rows: n, into: p.hidden1, scratch: scratch)              // [N, F]
        Activations.geluForward(p.hidden1, into: p.hidden1, count: n * f)
        mlpOutput.infer(p.hidden1, rows: n, into: p.stream, accumulate: true, scratch: scratch)         // [N, H]
    }
}
