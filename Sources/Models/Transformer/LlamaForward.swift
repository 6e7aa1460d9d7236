import Foundation
import Tensor

/// The Llama-family forward pass (Llama, Mistral, Qwen2) written with differentiable tensor
/// operations, shapes beside each step. T = tokens, H = hidden, nH/nKV = query/key-value heads,
/// d = head_dim.
extension TransformerModel {
    /// - Parameters:
    ///   - cache: keys and values of earlier positions; extended in place with this call's.
    func llamaForward(_ tokens: Tensor, cache: KVCache? = nil) throws -> Tensor {
        let c = config
        let t = tokens.count
        let start = cache?.length ?? 0                                                           // S earlier positions
        var x = try Tensor.embedding(try weight("model.embed_tokens.weight"), ids: tokens)      // [T, H]
        let (cos, sin) = try rotaryTables(from: start, count: t)                                 // [T, d] each
        let mask = try Tensor.causalMask(queries: t, keys: start + t)                            // [T, S+T]
        for i in 0..<c.layers {
            let p = "model.layers.\(i)."
            let h = try rmsNorm(x, try weight(p + "input_layernorm.weight"))                    // [T, H]
            var q = try linear(h, p + "self_attn.q_proj")                                        // [T, nH·d]
            var k = try linear(h, p + "self_attn.k_proj")                                        // [T, nKV·d]
            let v = try linear(h, p + "self_attn.v_proj")                                        // [T, nKV·d]
            q = try applyRotary(try heads(q, c.heads), cos, sin)                                 // [nH, T, d]
            k = try applyRotary(try heads(k, c.kvHeads), cos, sin)                               // [nKV, T, d]
            let (allKeys, allValues) = try cache?.append(layer: i, keys: k, values: try heads(v, c.kvHeads))
                ?? (k, try heads(v, c.kvHeads))                                                  // [nKV, S+T, d]
            let values = try repeatKV(allValues)                                                 // [nH, S+T, d]
            let keys = try repeatKV(allKeys)                                                     // [nH, S+T, d]
            let scores = try q.matmul(keys.transposed()) * Float(1 / Double(c.headDim).squareRoot()) + mask  // [nH, T, S+T]
            let attended = try scores.softmax(axis: -1).matmul(values)                           // [nH, T, d]
            let merged = try attended.permuted([1, 0, 2]).reshaped([t, c.heads * c.headDim])     // [T, nH·d]
            x = try x + linear(merged, p + "self_attn.o_proj")                                   // [T, H]
            let h2 = try rmsNorm(x, try weight(p + "post_attention_layernorm.weight"))          // [T, H]
            let gate = try linear(h2, p + "mlp.gate_proj").silu()                               // [T, F]
            x = try x + linear(try gate * linear(h2, p + "mlp.up_proj"), p + "mlp.down_proj")   // [T, H]
        }
        cache?.length = start + t
        let normed = try rmsNorm(x, try weight("model.norm.weight"))                            // [T, H]
        let head = c.tieWordEmbeddings ? try weight("model.embed_tokens.weight") : try weight("lm_head.weight")
        return try normed.matmul(head.transposed())                                             // [T, V]
    }

    /// x·Wᵀ (+ b) for an nn.Linear stored [out, in]; the transpose is a flag to BLAS, not a copy.
    func linear(_ x: Tensor, _ prefix: String) throws -> Tensor {
        let y = try x.matmul(try weight(prefix + ".weight").transposed())
        guard let bias = weights[prefix + ".bias"] else { return y }
        return try y + bias
    }

    /// x · rsqrt(mean(x²) + ε) · w over the last axis (computed in Float32, as transformers does).
    func rmsNorm(_ x: Tensor, _ w: Tensor) throws -> Tensor {
        let meanSquare = try (x * x).mean(axis: -1, keepDim: true)
        return try x * (meanSquare + Float(config.normEpsilon)).rsqrt() * w
    }

    /// [T, n·d] → [n, T, d].
    func heads(_ x: Tensor, _ count: Int) throws -> Tensor {
        try x.reshaped([x.shape[0], count, config.headDim]).permuted([1, 0, 2])
    }

    /// Grouped-query attention: key/value head j serves query heads j·r … j·r + r − 1.
    func repeatKV(_ x: Tensor) throws -> Tensor {
        let r = config.heads / config.kvHeads
        guard r > 1 else { return x }
        let (n, t, d) = (x.shape[0], x.shape[1], x.shape[2])
        return try x.unsqueezed(axis: 1).expanded(to: [n, r, t, d]).reshaped([n * r, t, d])
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
