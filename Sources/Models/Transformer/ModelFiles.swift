import Base
import Foundation
import Tensor

extension TransformerModel {
    /// A new model with weights drawn as transformers initialises them: normal(0, 0.02) for
    /// matrices and embeddings, ones for norm weights, zeros for biases. The same seed gives the
    /// same model everywhere.
    public static func random(config: ModelConfig, seed: UInt64, tokenizer: Tokenizer? = nil) throws -> TransformerModel {
        // Refuse a size that cannot fit before allocating anything (4 bytes per parameter).
        let bytes = 4 * TransformerModel.parameterCount(config)
        let available = Double(ProcessInfo.processInfo.physicalMemory)
        guard bytes < available * 0.8 else {
            throw ModelError(file: "model", String(format: "%.3g parameters need %.1f GB; this machine has %.1f GB", bytes / 4, bytes / 1e9, available / 1e9))
        }
        var generator = RandomGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for (name, shape) in expectedShapes(config) {
            let isNorm = name.contains("norm") || name.contains("ln_")
            if name.hasSuffix(".bias") {
                weights[name] = try Tensor.zeros(shape)
            } else if isNorm {
                weights[name] = try Tensor.ones(shape)
            } else {
                weights[name] = try Tensor.randn(shape, using: &generator) * 0.02
            }
        }
        return try TransformerModel(config: config, weights: weights, tokenizer: tokenizer)
    }

    /// Writes `config.json` and `model.safetensors` (F32) so transformers' `from_pretrained`
    /// loads the directory; a tokenizer the model carries is copied as `tokenizer.json`.
    public func save(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ModelError(file: directory, "cannot create the directory: \(error.localizedDescription)")
        }
        let configData = try JSONSerialization.data(withJSONObject: config.huggingFaceJSON, options: [.prettyPrinted, .sortedKeys])
        try AtomicWrite.write(configData, to: directory + "/config.json")
        try SafetensorsWriter.write(weights.map { ($0.key, $0.value) }, to: directory + "/model.safetensors")
        if let tokenizer, tokenizer.path != directory + "/tokenizer.json" {
            guard let data = FileManager.default.contents(atPath: tokenizer.path) else {
                throw ModelError(file: tokenizer.path, "cannot read the tokenizer to copy it")
            }
            try AtomicWrite.write(data, to: directory + "/tokenizer.json")
        }
    }

    /// Number of parameters.
    public var parameterCount: Int { weights.values.reduce(0) { $0 + $1.count } }
}

extension ModelConfig {
    /// A config.json transformers reads (RoPE in the top-level `rope_theta`/`rope_scaling` form,
    /// which both transformers v4 and v5 accept).
    var huggingFaceJSON: [String: Any] {
        var json: [String: Any] = ["model_type": architecture.rawValue, "vocab_size": vocabSize, "torch_dtype": "float32"]
        if let bosTokenId { json["bos_token_id"] = bosTokenId }
        if !eosTokenIds.isEmpty { json["eos_token_id"] = eosTokenIds.count == 1 ? eosTokenIds[0] : eosTokenIds }
        switch architecture {
        case .gpt2:
            json.merge(["architectures": ["GPT2LMHeadModel"], "n_embd": hiddenSize, "n_layer": layers, "n_head": heads,
                        "n_inner": intermediateSize, "n_positions": maxPositions, "layer_norm_epsilon": normEpsilon,
                        "activation_function": "gelu_new", "tie_word_embeddings": true]) { $1 }
        default:
            let names = ["llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM", "qwen2": "Qwen2ForCausalLM"]
            json.merge(["architectures": [names[architecture.rawValue] ?? "LlamaForCausalLM"], "hidden_size": hiddenSize,
                        "intermediate_size": intermediateSize, "num_hidden_layers": layers, "num_attention_heads": heads,
                        "num_key_value_heads": kvHeads, "head_dim": headDim, "max_position_embeddings": maxPositions,
                        "rms_norm_eps": normEpsilon, "tie_word_embeddings": tieWordEmbeddings, "hidden_act": "silu",
                        "mlp_bias": mlpBias]) { $1 }
            if architecture == .llama { json["attention_bias"] = qkvBias }
            if architecture == .mistral { json["sliding_window"] = slidingWindow ?? NSNull() }
            if let rope {
                json["rope_theta"] = rope.theta
                switch rope.kind {
                case .default: json["rope_scaling"] = NSNull()
                case .linear: json["rope_scaling"] = ["rope_type": "linear", "factor": rope.factor]
                case .llama3:
                    json["rope_scaling"] = ["rope_type": "llama3", "factor": rope.factor, "low_freq_factor": rope.lowFrequencyFactor,
                                            "high_freq_factor": rope.highFrequencyFactor,
                                            "original_max_position_embeddings": rope.originalMaxPositions]
                }
            }
        }
        return json
    }

    /// A configuration for a new model of the Llama family or GPT-2.
    public static func make(architecture: Architecture, vocab: Int, hidden: Int, layers: Int, heads: Int, kvHeads: Int? = nil,
                            ffn: Int? = nil, tie: Bool = true, maxLength: Int = 512) throws -> ModelConfig {
        var json: [String: Any] = ["model_type": architecture.rawValue, "vocab_size": vocab]
        if architecture == .gpt2 {
            json.merge(["n_embd": hidden, "n_layer": layers, "n_head": heads, "n_positions": maxLength, "n_inner": ffn ?? 4 * hidden]) { $1 }
        } else {
            json.merge(["hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
                        "num_key_value_heads": kvHeads ?? heads, "intermediate_size": ffn ?? (8 * hidden / 3 + 63) / 64 * 64,
                        "max_position_embeddings": maxLength, "tie_word_embeddings": tie, "bos_token_id": 1, "eos_token_id": 2]) { $1 }
        }
        if hidden % Swift.max(1, heads) != 0 { throw ModelError(file: "new_model", "hidden \(hidden) is not a multiple of heads \(heads)") }
        let data = try JSONSerialization.data(withJSONObject: json)
        return try ModelConfig(json: data, file: "new_model")
    }
}
