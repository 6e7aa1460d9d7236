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
        // Tensors the architecture does not use (RoPE inv_freq buffers, GPT-2's mask buffers and
        // tied lm_head copies) stay unread.
        var stored: [String: String] = [:]
        for name in checkpoint.files.keys { stored[String(Self.weightName(checkpointName: name, config))] = name }
        var weights: [String: Tensor] = [:]
        for expected in Self.expectedWeights(config) {
            let name = expected.name
            guard let source = stored[name] else { throw missing(name, config: config, checkpoint: checkpoint, directory: directory) }
            let weight = try checkpoint.tensor(source)
            guard weight.shape == expected.shape else {
                throw ModelError(file: checkpoint.files[source]?.path ?? checkpoint.source, tensor: name,
                                 "has shape \(weight.shape), expected \(expected.shape)")
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
        let prefix = config.descriptor.layerPrefix
        let held = checkpoint.files.keys.compactMap { key -> Int? in
            let name = weightName(checkpointName: key, config)
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count).prefix { $0 != "." })
        }.max().map { $0 + 1 } ?? 0
        var message = "missing from the checkpoint"
        if held < config.layers {
            message += " (\(directory)/config.json: \(config.descriptor.keys.layers) is \(config.layers), but the checkpoint holds \(held) layer\(held == 1 ? "" : "s"))"
        }
        return ModelError(file: checkpoint.source, tensor: name, message)
    }

    /// Our name for a checkpoint's tensor: without the prefix the architecture tolerates.
    private static func weightName(checkpointName name: String, _ config: ModelConfig) -> Substring {
        let prefix = config.descriptor.checkpointPrefix
        return !prefix.isEmpty && name.hasPrefix(prefix) ? name.dropFirst(prefix.count) : Substring(name)
    }

    func expectedShapes() -> [(String, [Int])] { Self.expectedShapes(config) }

    /// Every weight the architecture uses, with its shape (Hugging Face names and layouts).
    public static func expectedShapes(_ c: ModelConfig) -> [(String, [Int])] { expectedWeights(c).map { ($0.name, $0.shape) } }

    /// The architecture's weights produced lazily, layer by layer, so a caller can stop at the
    /// first weight it cannot find without materialising the names of every layer.
    static func expectedWeights(_ c: ModelConfig) -> some Sequence<WeightSpec> {
        let descriptor = c.descriptor
        // Index −1 stands for the shared weights, which come first.
        return (-1..<c.layers).lazy.flatMap { $0 < 0 ? descriptor.sharedWeights(c) : descriptor.layerWeights(c, layer: $0) }
    }

    /// Parameters a model of `c` holds, counted without listing its weights (in Double, as a
    /// hostile config's count can pass Int's range).
    public static func parameterCount(_ c: ModelConfig) -> Double {
        func count(_ weights: [WeightSpec]) -> Double { weights.reduce(0) { $0 + $1.shape.reduce(1) { $0 * Double($1) } } }
        return count(c.descriptor.sharedWeights(c)) + Double(c.layers) * count(c.descriptor.layerWeights(c, layer: 0))
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
        try config.checkPositions(ids.count)
        if let problem = config.vocabularyProblem(in: ids) { throw ModelError(file: "model", problem) }
        return try forward(ids, cache: nil)
    }

    /// Logits of `ids` following the positions already in `cache` (which this call extends): [T, V].
    func forward(_ ids: [Int], cache: KVCache?) throws -> Tensor {
        let tokens = try Tensor(ids.map(Float.init), shape: [1, ids.count])
        return try batchForward(tokens, keyMask: nil, cache: cache).squeezed(axis: 0)
    }

    func batchForward(_ tokens: Tensor, keyMask: Tensor?, cache: KVCache?) throws -> Tensor {
        try config.descriptor.forward(self, tokens: tokens, keyMask: keyMask, cache: cache)
    }


    /// Logits for several sequences at once: [B, T, V] with T the longest length. Shorter
    /// sequences are padded on the right and a mask keeps every position from attending to
    /// padding, so each sequence's logits equal those of `logits(ids)` on its own; the rows at
    /// padded positions are not meaningful. The test oracle of the training engine's batched
    /// scoring (`InferenceModel.score`).
    public func logits(batch: [[Int]]) throws -> Tensor {
        guard let longest = batch.map(\.count).max(), longest > 0, !batch.contains(where: \.isEmpty) else {
            throw ModelError(file: "model", "a batch needs at least one sequence, each of at least one token")
        }
        if let problem = config.vocabularyProblem(in: batch.joined()) { throw ModelError(file: "model", problem) }
        try config.checkPositions(longest)
        let padded = batch.flatMap { $0.map(Float.init) + [Float](repeating: 0, count: longest - $0.count) }
        let keyMask = batch.flatMap { ids in (0..<longest).map { $0 < ids.count ? Float(0) : -.infinity } }
        return try batchForward(try Tensor(padded, shape: [batch.count, longest]),
                                keyMask: try Tensor(keyMask, shape: [batch.count, 1, 1, longest]), cache: nil)
    }

    /// log p(ids[t] | ids[<t]) for t = 1 … T−1: [T−1]. The generic tensor forward: the test
    /// oracle of the training engine's `InferenceModel`, which the language scores with.
    public func tokenLogprobs(_ ids: [Int]) throws -> Tensor {
        guard ids.count >= 2 else { throw ModelError(file: "model", "token log-probs need at least two tokens") }
        let all = try logits(ids).slice(axis: 0, end: ids.count - 1).logSoftmax(axis: -1)   // [T−1, V]
        let targets = try Tensor(ids.dropFirst().map(Float.init), shape: [ids.count - 1, 1])
        return try all.gather(axis: 1, indices: targets).reshaped([ids.count - 1])
    }
}
