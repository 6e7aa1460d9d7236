import Tensor

/// GPT-2's forward pass: learned positions, LayerNorm, Conv1D weights stored [in, out], gelu_new.
extension TransformerModel {
    /// - Parameters: as `llamaForward`: tokens [B, T], an additive key mask [B, 1, 1, S+T] or nil, a cache.
    func gpt2Forward(_ tokens: Tensor, keyMask: Tensor?, cache: KVCache?) throws -> Tensor {
        let (c, gpt2) = (config, GPT2())
        let (b, t) = (tokens.shape[0], tokens.shape[1])
        let start = cache?.length ?? 0
        let positions = try Tensor.arange(Float(start), Float(start + t))
        var x = try Tensor.embedding(try weight(gpt2.tokenEmbeddings.weight), ids: tokens)
            + Tensor.embedding(try weight(gpt2.learnedPositions.weight), ids: positions)        // [B, T, H]
        var mask = try Tensor.causalMask(queries: t, keys: start + t)                           // [T, S+T]
        if let keyMask { mask = try mask + keyMask }                                            // [B, 1, T, S+T]
        for i in 0..<c.layers {
            let names = GPT2LayerNames(layer: i)
            let h = try layerNorm(x, names.ln1)                                               // [B, T, H]
            let parts = try conv1D(h, names.attention).split(into: 3, axis: -1)              // q | k | v, [B, T, H] each
            let q = try heads(parts[0], c.heads)                                               // [B, nH, T, d]
            let (k, v) = try cache?.append(layer: i, keys: try heads(parts[1], c.heads), values: try heads(parts[2], c.heads))
                ?? (try heads(parts[1], c.heads), try heads(parts[2], c.heads))                // [B, nH, S+T, d]
            let scores = try q.matmul(k.transposed()) * Float(1 / Double(c.headDim).squareRoot()) + mask  // [B, nH, T, S+T]
            let attended = try scores.softmax(axis: -1).matmul(v)                              // [B, nH, T, d]
            x = try x + conv1D(try attended.permuted([0, 2, 1, 3]).reshaped([b, t, c.hiddenSize]), names.attentionOutput)
            let h2 = try layerNorm(x, names.ln2)
            x = try x + conv1D(try conv1D(h2, names.fc).gelu(approximate: .tanh), names.mlpOutput)
        }
        cache?.length = start + t
        return try layerNorm(x, gpt2.finalNorm).matmul(try weight(gpt2.tokenEmbeddings.weight).transposed())  // [B, T, V]
    }

    /// x·W + b for GPT-2's Conv1D, whose weight is stored [in, out].
    func conv1D(_ x: Tensor, _ module: ModuleName) throws -> Tensor {
        try x.matmul(try weight(module.weight)) + weight(module.bias)
    }

    /// (x − mean) / √(var + ε) · w + b over the last axis (biased variance, as torch's LayerNorm).
    func layerNorm(_ x: Tensor, _ norm: ModuleName) throws -> Tensor {
        let centred = try x - x.mean(axis: -1, keepDim: true)
        let variance = try (centred * centred).mean(axis: -1, keepDim: true)
        return try centred * (variance + Float(config.normEpsilon)).rsqrt() * weight(norm.weight) + weight(norm.bias)
    }
}
