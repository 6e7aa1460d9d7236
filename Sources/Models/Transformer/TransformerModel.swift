import Foundation
import Tensor

/// A decoder-only transformer (Llama family or GPT-2) with its weights under Hugging Face names,
/// and the tokenizer found beside the checkpoint, if any.
public final class TransformerModel {
    public let config: ModelConfig
    /// Weights by Hugging Face name (GPT-2's without the optional `transformer.` prefix).
    public internal(set) var weights: [String: Tensor]
    public let tokenizer: Tokenizer?

    public init(config: ModelConfig, weights: [String: Tensor], tokenizer: Tokenizer? = nil) throws {
        self.config = config
        self.weights = weights
        self.tokenizer = tokenizer
        for (name, shape) in expectedShapes() {
            guard let weight = weights[name] else { throw ModelError(file: "model", tensor: name, "missing from the weights") }
            guard weight.shape == shape else { throw ModelError(file: "model", tensor: name, "has shape \(weight.shape), expected \(shape)") }
        }
    }

    /// Loads `directory/config.json`, its safetensors checkpoint and, when present, `tokenizer.json`.
    public static func load(directory: String) throws -> TransformerModel {
        let config = try ModelConfig(directory: directory)
        let checkpoint = try Checkpoint(directory: directory)
        var weights: [String: Tensor] = [:]
        let expected = Dictionary(uniqueKeysWithValues: Self.expectedShapes(config))
        // Tensors the architecture does not use (RoPE inv_freq buffers, GPT-2's mask buffers and
        // tied lm_head copies) are left unread.
        for name in checkpoint.names {
            let key = config.architecture == .gpt2 && name.hasPrefix("transformer.") ? String(name.dropFirst(12)) : name
            if expected[key] != nil { weights[key] = try checkpoint.tensor(name) }
        }
        for (name, weight) in weights where expected[name] != nil && expected[name] != weight.shape {
            throw ModelError(file: checkpoint.files[name]?.path ?? directory, tensor: name,
                             "has shape \(weight.shape), expected \(expected[name] ?? [])")
        }
        for name in expected.keys where weights[name] == nil {
            throw ModelError(file: directory, tensor: name, "missing from the checkpoint")
        }
        let tokenizerPath = directory + "/tokenizer.json"
        let tokenizer = FileManager.default.fileExists(atPath: tokenizerPath) ? try Tokenizer(path: tokenizerPath) : nil
        return try TransformerModel(config: config, weights: weights, tokenizer: tokenizer)
    }

    func expectedShapes() -> [(String, [Int])] { Self.expectedShapes(config) }

    /// Every weight the architecture uses, with its shape (Hugging Face names and layouts).
    public static func expectedShapes(_ c: ModelConfig) -> [(String, [Int])] {
        var shapes: [(String, [Int])] = []
        if c.architecture == .gpt2 {
            let h = c.hiddenSize
            shapes += [("wte.weight", [c.vocabSize, h]), ("wpe.weight", [c.maxPositions, h]), ("ln_f.weight", [h]), ("ln_f.bias", [h])]
            for i in 0..<c.layers {
                let p = "h.\(i)."
                shapes += [(p + "ln_1.weight", [h]), (p + "ln_1.bias", [h]), (p + "ln_2.weight", [h]), (p + "ln_2.bias", [h]),
                           (p + "attn.c_attn.weight", [h, 3 * h]), (p + "attn.c_attn.bias", [3 * h]),
                           (p + "attn.c_proj.weight", [h, h]), (p + "attn.c_proj.bias", [h]),
                           (p + "mlp.c_fc.weight", [h, c.intermediateSize]), (p + "mlp.c_fc.bias", [c.intermediateSize]),
                           (p + "mlp.c_proj.weight", [c.intermediateSize, h]), (p + "mlp.c_proj.bias", [h])]
            }
            return shapes
        }
        let (h, q, kv) = (c.hiddenSize, c.heads * c.headDim, c.kvHeads * c.headDim)
        shapes += [("model.embed_tokens.weight", [c.vocabSize, h]), ("model.norm.weight", [h])]
        if !c.tieWordEmbeddings { shapes.append(("lm_head.weight", [c.vocabSize, h])) }
        for i in 0..<c.layers {
            let p = "model.layers.\(i)."
            shapes += [(p + "input_layernorm.weight", [h]), (p + "post_attention_layernorm.weight", [h]),
                       (p + "self_attn.q_proj.weight", [q, h]), (p + "self_attn.k_proj.weight", [kv, h]),
                       (p + "self_attn.v_proj.weight", [kv, h]), (p + "self_attn.o_proj.weight", [h, q]),
                       (p + "mlp.gate_proj.weight", [c.intermediateSize, h]), (p + "mlp.up_proj.weight", [c.intermediateSize, h]),
                       (p + "mlp.down_proj.weight", [h, c.intermediateSize])]
            if c.qkvBias {
                shapes += [(p + "self_attn.q_proj.bias", [q]), (p + "self_attn.k_proj.bias", [kv]), (p + "self_attn.v_proj.bias", [kv])]
            }
            if c.outputBias { shapes.append((p + "self_attn.o_proj.bias", [h])) }
            if c.mlpBias {
                shapes += [(p + "mlp.gate_proj.bias", [c.intermediateSize]), (p + "mlp.up_proj.bias", [c.intermediateSize]),
                           (p + "mlp.down_proj.bias", [h])]
            }
        }
        return shapes
    }

    /// Replaces the weights (after training), checking that every expected weight is present
    /// with its shape; on error the model keeps its old weights.
    public func replaceWeights(_ newWeights: [String: Tensor]) throws {
        for (name, shape) in expectedShapes() {
            guard let weight = newWeights[name] else { throw ModelError(file: "model", tensor: name, "missing from the weights") }
            guard weight.shape == shape else { throw ModelError(file: "model", tensor: name, "has shape \(weight.shape), expected \(shape)") }
        }
        weights = newWeights
    }

    func weight(_ name: String) throws -> Tensor {
        guard let w = weights[name] else { throw ModelError(file: "model", tensor: name, "missing from the weights") }
        return w
    }

    /// Logits for every position of `ids`: [T, vocab].
    public func logits(_ ids: [Int]) throws -> Tensor {
        guard !ids.isEmpty else { throw ModelError(file: "model", "logits need at least one token") }
        guard ids.count <= config.maxPositions || config.architecture != .gpt2 else {
            throw ModelError(file: "model", "\(ids.count) tokens exceed GPT-2's \(config.maxPositions) positions")
        }
        if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
            throw ModelError(file: "model", "token id \(bad) is outside the vocabulary (\(config.vocabSize) tokens)")
        }
        return try forward(ids, cache: nil)
    }

    /// Logits of `ids` following the positions already in `cache` (which this call extends): [T, V].
    func forward(_ ids: [Int], cache: KVCache?) throws -> Tensor {
        let tokens = try Tensor(ids.map(Float.init), shape: [1, ids.count])
        return try batchForward(tokens, keyMask: nil, cache: cache).squeezed(axis: 0)
    }

    func batchForward(_ tokens: Tensor, keyMask: Tensor?, cache: KVCache?) throws -> Tensor {
        config.architecture == .gpt2 ? try gpt2Forward(tokens, keyMask: keyMask, cache: cache)
                                     : try llamaForward(tokens, keyMask: keyMask, cache: cache)
    }

    /// Logits for several sequences at once: [B, T, V] with T the longest length. Shorter
    /// sequences are padded on the right and a mask keeps every position from attending to
    /// padding, so each sequence's logits equal those of `logits(ids)` on its own; the rows at
    /// padded positions are not meaningful.
    public func logits(batch: [[Int]]) throws -> Tensor {
        guard let longest = batch.map(\.count).max(), longest > 0, !batch.contains(where: \.isEmpty) else {
            throw ModelError(file: "model", "a batch needs at least one sequence, each of at least one token")
        }
        for ids in batch {
            if let bad = ids.first(where: { $0 < 0 || $0 >= config.vocabSize }) {
                throw ModelError(file: "model", "token id \(bad) is outside the vocabulary (\(config.vocabSize) tokens)")
            }
        }
        if config.architecture == .gpt2, longest > config.maxPositions {
            throw ModelError(file: "model", "\(longest) tokens exceed GPT-2's \(config.maxPositions) positions")
        }
        let padded = batch.flatMap { $0.map(Float.init) + [Float](repeating: 0, count: longest - $0.count) }
        let keyMask = batch.flatMap { ids in (0..<longest).map { $0 < ids.count ? Float(0) : -.infinity } }
        return try batchForward(try Tensor(padded, shape: [batch.count, longest]),
                                keyMask: try Tensor(keyMask, shape: [batch.count, 1, 1, longest]), cache: nil)
    }

    /// log p(ids[t] | ids[<t]) for t = 1 … T−1: [T−1].
    public func tokenLogprobs(_ ids: [Int]) throws -> Tensor {
        guard ids.count >= 2 else { throw ModelError(file: "model", "token log-probs need at least two tokens") }
        let all = try logits(ids).slice(axis: 0, end: ids.count - 1).logSoftmax(axis: -1)   // [T−1, V]
        let targets = try Tensor(ids.dropFirst().map(Float.init), shape: [ids.count - 1, 1])
        return try all.gather(axis: 1, indices: targets).reshaped([ids.count - 1])
    }
}
