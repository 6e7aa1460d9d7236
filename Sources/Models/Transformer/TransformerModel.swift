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
        // A larger model vocabulary is common (Hugging Face pads vocab_size); a larger tokenizer
        // would produce ids the model has no row for, so encode → logits would fail later.
        if let tokenizer, tokenizer.vocabularySize > config.vocabSize {
            throw ModelError(file: tokenizer.path, "has \(tokenizer.vocabularySize) tokens, more than the model's vocab_size of \(config.vocabSize)")
        }
        for (name, shape) in expectedShapes() {
            guard let weight = weights[name] else { throw ModelError(file: "model", tensor: name, "missing from the weights") }
            guard weight.shape == shape else { throw ModelError(file: "model", tensor: name, "has shape \(weight.shape), expected \(shape)") }
        }
    }

    /// Loads `directory/config.json`, its safetensors checkpoint and, when present, `tokenizer.json`.
    ///
    /// The weights the config asks for are looked up one by one, in order (the shared weights,
    /// then layer 0, 1, …), and the first one missing stops the load: a hostile config (say ten
    /// million layers beside a two-layer checkpoint) is refused at once instead of building a
    /// name table for every layer it claims.
    public static func load(directory: String) throws -> TransformerModel {
        let config = try ModelConfig(directory: directory)
        let checkpoint = try Checkpoint(directory: directory)
        // GPT-2 checkpoints may carry a `transformer.` prefix. Tensors the architecture does not
        // use (RoPE inv_freq buffers, GPT-2's mask buffers and tied lm_head copies) stay unread.
        var stored: [String: String] = [:]
        for name in checkpoint.files.keys {
            stored[config.architecture == .gpt2 && name.hasPrefix("transformer.") ? String(name.dropFirst(12)) : name] = name
        }
        var weights: [String: Tensor] = [:]
        for (name, shape) in Self.expectedWeights(config) {
            guard let source = stored[name] else { throw missing(name, config: config, checkpoint: checkpoint, directory: directory) }
            let weight = try checkpoint.tensor(source)
            guard weight.shape == shape else {
                throw ModelError(file: checkpoint.files[source]?.path ?? checkpoint.source, tensor: name,
                                 "has shape \(weight.shape), expected \(shape)")
            }
            weights[name] = weight
        }
        let tokenizerPath = directory + "/tokenizer.json"
        let tokenizer = FileManager.default.fileExists(atPath: tokenizerPath) ? try Tokenizer(path: tokenizerPath) : nil
        return try TransformerModel(config: config, weights: weights, tokenizer: tokenizer)
    }

    /// The error for a weight the checkpoint lacks; when the config claims more layers than the
    /// checkpoint holds, it names config.json's key too, since that is the likelier culprit.
    private static func missing(_ name: String, config: ModelConfig, checkpoint: Checkpoint, directory: String) -> ModelError {
        let prefix = config.architecture == .gpt2 ? "h." : "model.layers."
        let held = checkpoint.files.keys.compactMap { key -> Int? in
            let name = config.architecture == .gpt2 && key.hasPrefix("transformer.") ? key.dropFirst(12) : Substring(key)
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
        }.max().map { $0 + 1 } ?? 0
        var message = "missing from the checkpoint"
        if held < config.layers {
            let key = config.architecture == .gpt2 ? "n_layer" : "num_hidden_layers"
            message += " (\(directory)/config.json: \(key) is \(config.layers), but the checkpoint holds \(held) layer\(held == 1 ? "" : "s"))"
        }
        return ModelError(file: checkpoint.source, tensor: name, message)
    }

    func expectedShapes() -> [(String, [Int])] { Self.expectedShapes(config) }

    /// Every weight the architecture uses, with its shape (Hugging Face names and layouts).
    public static func expectedShapes(_ c: ModelConfig) -> [(String, [Int])] { Array(expectedWeights(c)) }

    /// `expectedShapes` produced lazily, layer by layer, so a caller can stop at the first weight
    /// it cannot find without materialising the names of every layer.
    static func expectedWeights(_ c: ModelConfig) -> some Sequence<(String, [Int])> {
        // Index −1 stands for the shared weights, which come first.
        (-1..<c.layers).lazy.flatMap { $0 < 0 ? sharedShapes(c) : layerShapes(c, $0) }
    }

    /// The weights outside the layers: embeddings, final norm, untied LM head.
    private static func sharedShapes(_ c: ModelConfig) -> [(String, [Int])] {
        let h = c.hiddenSize
        if c.architecture == .gpt2 {
            return [("wte.weight", [c.vocabSize, h]), ("wpe.weight", [c.maxPositions, h]), ("ln_f.weight", [h]), ("ln_f.bias", [h])]
        }
        var shapes: [(String, [Int])] = [("model.embed_tokens.weight", [c.vocabSize, h]), ("model.norm.weight", [h])]
        if !c.tieWordEmbeddings { shapes.append(("lm_head.weight", [c.vocabSize, h])) }
        return shapes
    }

    /// The weights of layer `i`.
    private static func layerShapes(_ c: ModelConfig, _ i: Int) -> [(String, [Int])] {
        let (h, f) = (c.hiddenSize, c.intermediateSize)
        if c.architecture == .gpt2 {
            let p = "h.\(i)."
            return [(p + "ln_1.weight", [h]), (p + "ln_1.bias", [h]), (p + "ln_2.weight", [h]), (p + "ln_2.bias", [h]),
                    (p + "attn.c_attn.weight", [h, 3 * h]), (p + "attn.c_attn.bias", [3 * h]),
                    (p + "attn.c_proj.weight", [h, h]), (p + "attn.c_proj.bias", [h]),
                    (p + "mlp.c_fc.weight", [h, f]), (p + "mlp.c_fc.bias", [f]),
                    (p + "mlp.c_proj.weight", [f, h]), (p + "mlp.c_proj.bias", [h])]
        }
        let (q, kv) = (c.heads * c.headDim, c.kvHeads * c.headDim)
        let p = "model.layers.\(i)."
        var shapes: [(String, [Int])] = [
            (p + "input_layernorm.weight", [h]), (p + "post_attention_layernorm.weight", [h]),
            (p + "self_attn.q_proj.weight", [q, h]), (p + "self_attn.k_proj.weight", [kv, h]),
            (p + "self_attn.v_proj.weight", [kv, h]), (p + "self_attn.o_proj.weight", [h, q]),
            (p + "mlp.gate_proj.weight", [f, h]), (p + "mlp.up_proj.weight", [f, h]), (p + "mlp.down_proj.weight", [h, f])]
        if c.qkvBias { shapes += [(p + "self_attn.q_proj.bias", [q]), (p + "self_attn.k_proj.bias", [kv]), (p + "self_attn.v_proj.bias", [kv])] }
        if c.outputBias { shapes.append((p + "self_attn.o_proj.bias", [h])) }
        if c.mlpBias { shapes += [(p + "mlp.gate_proj.bias", [f]), (p + "mlp.up_proj.bias", [f]), (p + "mlp.down_proj.bias", [h])] }
        return shapes
    }

    /// Parameters a model of `c` holds, counted without listing its weights (in Double, as a
    /// hostile config's count can pass Int's range).
    public static func parameterCount(_ c: ModelConfig) -> Double {
        func count(_ shapes: [(String, [Int])]) -> Double { shapes.reduce(0) { $0 + $1.1.reduce(1) { $0 * Double($1) } } }
        return count(sharedShapes(c)) + Double(c.layers) * count(layerShapes(c, 0))
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
