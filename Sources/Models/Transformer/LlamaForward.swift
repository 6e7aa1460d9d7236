import Foundation
import Tensor

/// The Llama-family forward pass (Llama, Mistral, Qwen2) written with differentiable tensor
/// operations, shapes beside each step. B = sequences, T = tokens, S = positions already cached,
/// H = hidden, nH/nKV = query/key-value heads, d = head_dim.
extension TransformerModel {
    /// - Parameters:
    ///   - tokens: ids [B, T].
    ///   - keyMask: additive mask over key positions [B, 1, 1, S+T] (−∞ on padding), or nil.
    ///   - cache: keys and values of earlier positions; extended in place with this call's.
    func llamaForward(_ tokens: Tensor, keyMask: Tensor?, cache: KVCache?) throws -> Tensor {
        let c = config
        let (b, t) = (tokens.shape[0], tokens.shape[1])
        let start = cache?.length ?? 0
        var x = try Tensor.embedding(try weight(LlamaFamily().tokenEmbeddings.weight), ids: tokens)      // [B, T, H]
        let (cos, sin) = try rotaryTables(from: start, count: t)                                 // [T, d] each
        var mask = try attentionMask(queries: t, keys: start + t)                                // [T, S+T]
        if let keyMask { mask = try mask + keyMask }                                             // [B, 1, T, S+T]
        for i in 0..<c.layers {
            let names = LlamaLayerNames(layer: i)
            let h = try rmsNorm(x, try weight(names.inputNorm.weight))                    // [B, T, H]
            let q = try applyRotary(try heads(try linear(h, names.q), c.heads), cos, sin)  // [B, nH, T, d]
            let k = try applyRotary(try heads(try linear(h, names.k), c.kvHeads), cos, sin) // [B, nKV, T, d]
            let v = try heads(try linear(h, names.v), c.kvHeads)                 // [B, nKV, T, d]
            let (allKeys, allValues) = try cache?.append(layer: i, keys: k, values: v) ?? (k, v) // [B, nKV, S+T, d]
            let keys = try repeatKV(allKeys), values = try repeatKV(allValues)                   // [B, nH, S+T, d]
            let scores = try q.matmul(keys.transposed()) * Float(1 / Double(c.headDim).squareRoot()) + mask  // [B, nH, T, S+T]
            let attended = try scores.softmax(axis: -1).matmul(values)                           // [B, nH, T, d]
            let merged = try attended.permuted([0, 2, 1, 3]).reshaped([b, t, c.heads * c.headDim])  // [B, T, nH·d]
            x = try x + linear(merged, names.o)                                   // [B, T, H]
            let h2 = try rmsNorm(x, try weight(names.postNorm.weight))          // [B, T, H]
            let gate = try linear(h2, names.gate).silu()                               // [B, T, F]
            x = try x + linear(try gate * linear(h2, names.up), names.down)   // [B, T, H]
        }
        cache?.length = start + t
        let normed = try rmsNorm(x, try weight(LlamaFamily().finalNorm.weight))                            // [B, T, H]
        let head = try weight(c.descriptor.head(c).name.weight)
        return try normed.matmul(head.transposed())                                             // [B, T, V]
    }

    /// The causal mask [T, S+T] for the last T of S+T positions, narrowed to the sliding window
    /// when the config has one: the query at position p sees key j when p − window < j ≤ p
    /// (transformers' `sliding_window_overlay`).
    func attentionMask(queries: Int, keys: Int) throws -> Tensor {
        let causal = try Tensor.causalMask(queries: queries, keys: keys)
        guard let window = config.slidingWindow, keys > window else { return causal }
        var values = causal.scalars
        for i in 0..<queries {
            let position = keys - queries + i
            for j in 0..<Swift.max(0, position - window + 1) { values[i * keys + j] = -.infinity }
        }
        return try Tensor(values, shape: [queries, keys])
    }

    /// x·Wᵀ (+ b) for an nn.Linear stored [out, in]; the transpose is a flag to BLAS, not a copy.
    func linear(_ x: Tensor, _ module: ModuleName) throws -> Tensor {
        let y = try x.matmul(try weight(module.weight).transposed())
        guard let bias = weights[module.bias] else { return y }
        return try y + bias
    }

    /// x · rsqrt(mean(x²) + ε) · w over the last axis (computed in Float32, as transformers does).
    func rmsNorm(_ x: Tensor, _ w: Tensor) throws -> Tensor {
        let meanSquare = try (x * x).mean(axis: -1, keepDim: true)
        return try x * (meanSquare + Float(config.normEpsilon)).rsqrt() * w
    }

    /// [B, T, n·d] → [B, n, T, d].
    func heads(_ x: Tensor, _ count: Int) throws -> Tensor {
        try x.reshaped([x.shape[0], x.shape[1], count, config.headDim]).permuted([0, 2, 1, 3])
    }

    /// Grouped-query attention: key/value head j serves query heads j·r … j·r + r − 1.
    /// [B, nKV, T, d] → [B, nKV·r, T, d].
    func repeatKV(_ x: Tensor) throws -> Tensor {
        let r = config.heads / config.kvHeads
        guard r > 1 else { return x }
        let (b, n, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        return try x.unsqueezed(axis: 2).expanded(to: [b, n, r, t, d]).reshaped([b, n * r, t, d])
    }

    /// cos and sin of position × frequency for positions start ..< start + count, with the
    /// frequencies repeated for both halves: [count, d].
    func rotaryTables(from start: Int, count positions: Int) throws -> (Tensor, Tensor) {
        guard let rope = config.rope else { throw ModelError(file: "model", "the configuration has no RoPE parameters") }
        guard rope.partialRotaryFactor == 1 else { throw ModelError(file: "model", "partial rotary embeddings are not supported yet") }
        let frequencies = rope.inverseFrequencies(headDim: config.headDim)
        var cos = [Float](), sin = [Float]()
        cos.reserveCapacity(positions * config.headDim)
        sin.reserveCapacity(positions * config.headDim)
        for position in start..<(start + positions) {
            let angles = frequencies.map { Double(position) * $0 }
            for angle in angles + angles {
                cos.append(Float(Foundation.cos(angle)))
                sin.append(Float(Foundation.sin(angle)))
            }
        }
        return (try Tensor(cos, shape: [positions, config.headDim]), try Tensor(sin, shape: [positions, config.headDim]))
    }

    /// q·cos + rotate_half(q)·sin with rotate_half(x) = [−x₂, x₁] over the two halves of d (transformers' convention).
    func applyRotary(_ x: Tensor, _ cos: Tensor, _ sin: Tensor) throws -> Tensor {
        let half = config.headDim / 2
        let first = try x.slice(axis: -1, end: half), second = try x.slice(axis: -1, start: half)
        let rotated = try Tensor.concat([-second, first], axis: -1)
        return try x * cos + rotated * sin
    }
}
