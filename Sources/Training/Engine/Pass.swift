import Base
import Foundation
import Models
import Tensor

/// The buffers of one (B, T) shape and the forward and backward passes over them.
/// N = B·T rows, H hidden, Q = heads·d, K = kv heads·d, F intermediate, V vocabulary.
final class Pass {
    /// What one transformer block keeps from the forward pass for the backward.
    struct Saved {
        let input: UnsafeMutablePointer<Float>        // [N, H] the residual stream entering the block
        let normed1: UnsafeMutablePointer<Float>      // [N, H]
        let mean1: UnsafeMutablePointer<Float>        // [N] (LayerNorm only)
        let rstd1: UnsafeMutablePointer<Float>        // [N]
        let qkv: UnsafeMutablePointer<Float>          // [N, Q + 2K]: q | k | v per row, after RoPE
        let probabilities: UnsafeMutablePointer<Float> // [B, nH, T, T]
        let attended: UnsafeMutablePointer<Float>     // [N, Q]
        let middle: UnsafeMutablePointer<Float>       // [N, H] the stream after attention
        let normed2: UnsafeMutablePointer<Float>      // [N, H]
        let mean2: UnsafeMutablePointer<Float>        // [N]
        let rstd2: UnsafeMutablePointer<Float>        // [N]
        let hidden1: UnsafeMutablePointer<Float>      // [N, F] gate (Llama) or fc (GPT-2)
        let hidden2: UnsafeMutablePointer<Float>      // [N, F] up (Llama), unused (GPT-2)
        let activated: UnsafeMutablePointer<Float>    // [N, F] silu(gate)·up or gelu(fc)
    }

    unowned let model: TrainableModel
    let batch: Int
    let length: Int
    var rows: Int { batch * length }
    private(set) var hasForward = false

    let c: ModelConfig
    let q: Int, kv: Int, qkvWidth: Int
    /// The model's blocks, each projection with its adapter buffers for this shape.
    let blocks: [any EngineLayer]
    let saved: [Saved]
    let final: UnsafeMutablePointer<Float>          // [N, H] the stream after the last block
    let finalNormed: UnsafeMutablePointer<Float>    // [N, H]
    let finalMean: UnsafeMutablePointer<Float>      // [N]
    let finalRstd: UnsafeMutablePointer<Float>      // [N]
    let logsumexp: UnsafeMutablePointer<Float>      // [N]
    let logprobs: UnsafeMutablePointer<Float>       // [N]
    let tokens: EmbeddingWeights
    let positions: EmbeddingWeights?
    let finalNorm: NormWeights
    /// The LM head and log-softmax, a chunk of rows at a time, with the chunk's buffers.
    let logprobKernel: TokenLogprobs
    let logprobBuffers: TokenLogprobs.Buffers
    var inputs: [Int32] = []
    var targets: [Int32] = []
    // Backward scratch.
    let streamGradient: UnsafeMutablePointer<Float> // [N, H]
    let normedGradient: UnsafeMutablePointer<Float> // [N, H]
    let attendedGradient: UnsafeMutablePointer<Float> // [N, Q]
    let qkvGradient: UnsafeMutablePointer<Float>    // [N, Q + 2K]
    let hiddenGradient: [UnsafeMutablePointer<Float>] // 3 × [N, F]
    /// [workers, T, T] for the attention backward.
    let attentionScratch: UnsafeMutablePointer<Float>
    /// Where LayerNorm parameter gradients go when the base is frozen: [H], never read.
    let discard: UnsafeMutablePointer<Float>

    let attention: Attention
    let rotary: Rotary?
    let norm: Normalization

    init(model: TrainableModel, batch: Int, length: Int, workspace w: Workspace) {
        self.model = model
        self.batch = batch
        self.length = length
        let c = model.config
        self.c = c
        let n = batch * length
        let (h, f) = (c.hiddenSize, c.intermediateSize)
        let (q, kv) = (c.heads * c.headDim, c.kvHeads * c.headDim)
        self.q = q
        self.kv = kv
        qkvWidth = q + 2 * kv
        attention = Attention(batch: batch, length: length, heads: c.heads, kvHeads: c.kvHeads, headDim: c.headDim,
                              window: c.slidingWindow)
        rotary = c.rope.map { Rotary(length: length, headDim: c.headDim, inverseFrequencies: $0.inverseFrequencies(headDim: c.headDim)) }
        norm = Normalization(width: h, epsilon: Float(c.normEpsilon))
        // LayerNorm keeps each row's mean; only a gated MLP has a second hidden buffer.
        let means = c.descriptor.normalization == .layer ? n : 1
        let second = c.descriptor.gatedFeedForward ? n * f : 1
        blocks = model.layers.map { $0.withAdapterBuffers(rows: n, in: w) }
        saved = blocks.map { _ in
            Saved(input: w.take(n * h), normed1: w.take(n * h), mean1: w.take(means), rstd1: w.take(n),
                  qkv: w.take(n * (q + 2 * kv)), probabilities: w.take(batch * c.heads * length * length),
                  attended: w.take(n * q), middle: w.take(n * h), normed2: w.take(n * h),
                  mean2: w.take(means), rstd2: w.take(n), hidden1: w.take(n * f),
                  hidden2: w.take(second), activated: w.take(n * f))
        }
        final = w.take(n * h)
        finalNormed = w.take(n * h)
        finalMean = w.take(n)
        finalRstd = w.take(n)
        logsumexp = w.take(n)
        logprobs = w.take(n)
        tokens = model.shared.tokens
        positions = model.shared.positions
        finalNorm = model.shared.finalNorm
        logprobKernel = TokenLogprobs(head: model.shared.head, chunkRows: TokenLogprobs.chunkRows(rows: n, vocabulary: c.vocabSize))
        let chunk = logprobKernel.chunkRows
        logprobBuffers = TokenLogprobs.Buffers(logits: w.take(chunk * c.vocabSize), packedInput: w.take(chunk * h),
                                               packedGradient: w.take(chunk * h), rows: w.takeIndices(n))
        streamGradient = w.take(n * h)
        normedGradient = w.take(n * h)
        attendedGradient = w.take(n * q)
        qkvGradient = w.take(n * (q + 2 * kv))
        hiddenGradient = (0..<3).map { _ in w.take(n * f) }
        discard = w.take(h)
        attentionScratch = w.take(attention.scratchCount)
    }

    /// Floats the buffers of a (batch, length) shape take, as `init` allocates them, so a shape
    /// that cannot fit is refused before anything is allocated.
    static func floatsNeeded(_ c: ModelConfig, lora: LoRAConfig?, batch: Int, length: Int) -> Double {
        let n = Double(batch) * Double(length)
        let (h, f) = (Double(c.hiddenSize), Double(c.intermediateSize))
        let (q, kv) = (Double(c.heads * c.headDim), Double(c.kvHeads * c.headDim))
        let square = Double(length) * Double(length)
        let perLayer = n * (4 * h + (q + 2 * kv) + q + 3 * f + 4) + Double(batch) * Double(c.heads) * square
        let logprobs = Double(TokenLogprobs.floatsNeeded(rows: batch * length, hidden: c.hiddenSize, vocabulary: c.vocabSize))
        let rest = n * (2 * h + 5) + logprobs + n * (2 * h + q + (q + 2 * kv) + 3 * f) + Double(Parallel.workers) * square
        // Each adapter keeps x·Aᵀ and its gradient, and with dropout the mask and masked input
        // (`Projection.withBuffers`): as large as a layer's other buffers when inputs are wide.
        let adapters = lora.map { lora in
            LoRAModule.all(config: c, lora: lora).reduce(0.0) { total, module in
                total + n * (2 * Double(lora.rank) + (lora.dropout > 0 ? 2 * Double(module.input) : 0))
            }
        } ?? 0
        return Double(c.layers) * perLayer + rest + adapters
    }

    func load(inputs: [Int32], targets: [Int32]) {
        self.inputs = inputs
        self.targets = targets
    }

    /// Runs the blocks and the head; returns log p(target) per row.
    func forward(random: inout RandomGenerator?) -> [Float] {
        embed()
        for index in blocks.indices {
            let next = index + 1 < saved.count ? saved[index + 1].input : final
            blocks[index].forward(saved[index], output: next, in: self, random: &random)
        }
        let n = rows
        switch finalNorm {
        case .layer(let w):
            norm.layerForward(final, rows: n, weight: w.weight, bias: w.bias, into: finalNormed, mean: finalMean, rstd: finalRstd)
        case .rms(let w):
            norm.rmsForward(final, rows: n, weight: w.weight, into: finalNormed, rstd: finalRstd)
        }
        targets.withUnsafeBufferPointer { t in
            guard let t = t.baseAddress else { return }
            logprobKernel.forward(finalNormed, rows: n, targets: t, buffers: logprobBuffers, logsumexp: logsumexp, logprobs: logprobs)
        }
        hasForward = true
        return Array(UnsafeBufferPointer(start: logprobs, count: n))
    }

    func backward(_ gradients: [Float]) {
        hasForward = false
        let n = rows
        targets.withUnsafeBufferPointer { t in
            gradients.withUnsafeBufferPointer { g in
                guard let t = t.baseAddress, let g = g.baseAddress else { return }
                logprobKernel.backward(finalNormed, rows: n, targets: t, logsumexp: logsumexp, gradients: g, buffers: logprobBuffers,
                                       dx: normedGradient)
            }
        }
        memset(streamGradient, 0, n * c.hiddenSize * MemoryLayout<Float>.stride)
        switch finalNorm {
        case .layer(let w):
            // Under LoRA the norms stay frozen: their gradients go to `discard`.
            norm.layerBackward(normedGradient, final, rows: n, weight: w.weight, mean: finalMean, rstd: finalRstd,
                               dx: streamGradient, dw: w.weightGradient ?? discard, db: w.biasGradient ?? discard)
        case .rms(let w):
            norm.rmsBackward(normedGradient, final, rows: n, weight: w.weight, rstd: finalRstd, dx: streamGradient, dw: w.gradient)
        }
        for index in blocks.indices.reversed() {
            blocks[index].backward(saved[index], in: self)
        }
        embedBackward()
    }

    // MARK: Embeddings

    private func embed() {
        let h = c.hiddenSize
        let x = saved.first?.input ?? final
        for row in 0..<rows {
            (x + row * h).update(from: tokens.table + Int(inputs[row]) * h, count: h)
            if let positions { Vectorised.add(positions.table + (row % length) * h, into: x + row * h, count: h) }
        }
    }

    /// Nothing to do under LoRA, where the embeddings are frozen.
    private func embedBackward() {
        let h = c.hiddenSize
        guard let table = tokens.gradient else { return }
        let positions = positions?.gradient
        for row in 0..<rows {
            Vectorised.add(streamGradient + row * h, into: table + Int(inputs[row]) * h, count: h)
            if let positions { Vectorised.add(streamGradient + row * h, into: positions + (row % length) * h, count: h) }
        }
    }
}
