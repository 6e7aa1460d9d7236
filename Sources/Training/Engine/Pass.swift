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
        var adapters: [String: Projection.AdapterBuffers]
    }

    unowned let model: TrainableModel
    let batch: Int
    let length: Int
    var rows: Int { batch * length }
    private(set) var hasForward = false

    let c: ModelConfig
    let q: Int, kv: Int, qkvWidth: Int
    var saved: [Saved]
    let final: UnsafeMutablePointer<Float>          // [N, H] the stream after the last block
    let finalNormed: UnsafeMutablePointer<Float>    // [N, H]
    let finalMean: UnsafeMutablePointer<Float>      // [N]
    let finalRstd: UnsafeMutablePointer<Float>      // [N]
    let logits: UnsafeMutablePointer<Float>         // [N, V], overwritten by its gradient in backward
    let logsumexp: UnsafeMutablePointer<Float>      // [N]
    let logprobs: UnsafeMutablePointer<Float>       // [N]
    var headBuffers: Projection.AdapterBuffers?
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
        let isGPT2 = c.architecture == .gpt2
        saved = model.layers.map { layer in
            var adapters: [String: Projection.AdapterBuffers] = [:]
            for (name, projection) in layer.projections {
                if let buffers = projection.makeBuffers(rows: n, in: w) { adapters[name] = buffers }
            }
            return Saved(input: w.take(n * h), normed1: w.take(n * h), mean1: w.take(isGPT2 ? n : 1), rstd1: w.take(n),
                         qkv: w.take(n * (q + 2 * kv)), probabilities: w.take(batch * c.heads * length * length),
                         attended: w.take(n * q), middle: w.take(n * h), normed2: w.take(n * h),
                         mean2: w.take(isGPT2 ? n : 1), rstd2: w.take(n), hidden1: w.take(n * f),
                         hidden2: w.take(isGPT2 ? 1 : n * f), activated: w.take(n * f), adapters: adapters)
        }
        final = w.take(n * h)
        finalNormed = w.take(n * h)
        finalMean = w.take(n)
        finalRstd = w.take(n)
        logits = w.take(n * c.vocabSize)
        logsumexp = w.take(n)
        logprobs = w.take(n)
        headBuffers = model.head.makeBuffers(rows: n, in: w)
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
        let (h, f, v) = (Double(c.hiddenSize), Double(c.intermediateSize), Double(c.vocabSize))
        let (q, kv) = (Double(c.heads * c.headDim), Double(c.kvHeads * c.headDim))
        let square = Double(length) * Double(length)
        let perLayer = n * (4 * h + (q + 2 * kv) + q + 3 * f + 4) + Double(batch) * Double(c.heads) * square
        let rest = n * (2 * h + v + 5) + n * (2 * h + q + (q + 2 * kv) + 3 * f) + Double(Parallel.workers) * square
        // Each adapter keeps x·Aᵀ and its gradient, and with dropout the mask and masked input
        // (`Projection.makeBuffers`): as large as a layer's other buffers when inputs are wide.
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
        for index in saved.indices {
            let next = index + 1 < saved.count ? saved[index + 1].input : final
            if c.architecture == .gpt2 {
                gpt2Block(index, output: next, random: &random)
            } else {
                llamaBlock(index, output: next, random: &random)
            }
        }
        let n = rows
        if c.architecture == .gpt2 {
            norm.layerForward(final, rows: n, weight: weight("ln_f.weight"), bias: weight("ln_f.bias"),
                              into: finalNormed, mean: finalMean, rstd: finalRstd)
        } else {
            norm.rmsForward(final, rows: n, weight: weight("model.norm.weight"), into: finalNormed, rstd: finalRstd)
        }
        model.head.forward(finalNormed, rows: n, into: logits, buffers: headBuffers, random: &random)
        targets.withUnsafeBufferPointer { t in
            guard let t = t.baseAddress else { return }
            TokenLogprobs(vocabulary: c.vocabSize).forward(logits, rows: n, targets: t, logsumexp: logsumexp, logprobs: logprobs)
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
                TokenLogprobs(vocabulary: c.vocabSize).backward(logits, rows: n, targets: t, logsumexp: logsumexp, gradients: g)
            }
        }
        model.head.backward(logits, input: finalNormed, rows: n, dx: normedGradient, accumulate: false, buffers: headBuffers)
        memset(streamGradient, 0, n * c.hiddenSize * MemoryLayout<Float>.stride)
        if c.architecture == .gpt2 {
            norm.layerBackward(normedGradient, final, rows: n, weight: weight("ln_f.weight"), mean: finalMean, rstd: finalRstd,
                               dx: streamGradient, dw: gradient("ln_f.weight"), db: gradient("ln_f.bias"))
        } else {
            norm.rmsBackward(normedGradient, final, rows: n, weight: weight("model.norm.weight"), rstd: finalRstd,
                             dx: streamGradient, dw: optionalGradient("model.norm.weight"))
        }
        for index in saved.indices.reversed() {
            if c.architecture == .gpt2 { gpt2BlockBackward(index) } else { llamaBlockBackward(index) }
        }
        embedBackward()
    }

    // MARK: Embeddings

    private func embed() {
        let h = c.hiddenSize
        let table = weight(c.architecture == .gpt2 ? "wte.weight" : "model.embed_tokens.weight")
        let positions = c.architecture == .gpt2 ? weight("wpe.weight") : nil
        let x = saved.first?.input ?? final
        for row in 0..<rows {
            (x + row * h).update(from: table + Int(inputs[row]) * h, count: h)
            if let positions { Vectorised.add(positions + (row % length) * h, into: x + row * h, count: h) }
        }
    }

    private func embedBackward() {
        let h = c.hiddenSize
        let name = c.architecture == .gpt2 ? "wte.weight" : "model.embed_tokens.weight"
        guard let table = optionalGradient(name) else { return }
        let positions = c.architecture == .gpt2 ? optionalGradient("wpe.weight") : nil
        for row in 0..<rows {
            Vectorised.add(streamGradient + row * h, into: table + Int(inputs[row]) * h, count: h)
            if let positions { Vectorised.add(streamGradient + row * h, into: positions + (row % length) * h, count: h) }
        }
    }

    // MARK: Parameter access

    /// A weight the architecture always has (checked when the model was built).
    func weight(_ name: String) -> UnsafeMutablePointer<Float> {
        guard let pointer = model.weights.value(name) else { fatalError("engine wiring: no weight \(name)") }
        return pointer
    }

    /// The gradient of a base weight, or nil when the base is frozen (LoRA).
    func optionalGradient(_ name: String) -> UnsafeMutablePointer<Float>? {
        model.adapters == nil ? model.weights.gradient(name) : nil
    }

    /// Gradient of a LayerNorm parameter; under LoRA a throwaway buffer (norms stay frozen).
    func gradient(_ name: String) -> UnsafeMutablePointer<Float> {
        optionalGradient(name) ?? discard
    }


    func projection(_ layer: Int, _ name: String) -> Projection {
        guard let projection = model.layers[layer].projection(name) else { fatalError("engine wiring: no projection \(name)") }
        return projection
    }
}
