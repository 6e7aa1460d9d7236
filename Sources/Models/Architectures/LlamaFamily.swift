import Foundation
import Tensor

/// The weight names of one Llama-family layer.
public struct LlamaLayerNames: Sendable {
    public let q, k, v, o, gate, up, down: ModuleName
    public let inputNorm, postNorm: ModuleName

    public init(layer: Int) {
        let p = LlamaFamily().layerPrefix + "\(layer).", g = ggufLayerPrefix + "\(layer)."
        q = ModuleName(p + "self_attn.q_proj", gguf: g + "attn_q")
        k = ModuleName(p + "self_attn.k_proj", gguf: g + "attn_k")
        v = ModuleName(p + "self_attn.v_proj", gguf: g + "attn_v")
        o = ModuleName(p + "self_attn.o_proj", gguf: g + "attn_output")
        gate = ModuleName(p + "mlp.gate_proj", gguf: g + "ffn_gate")
        up = ModuleName(p + "mlp.up_proj", gguf: g + "ffn_up")
        down = ModuleName(p + "mlp.down_proj", gguf: g + "ffn_down")
        inputNorm = ModuleName(p + "input_layernorm", gguf: g + "attn_norm")
        postNorm = ModuleName(p + "post_attention_layernorm", gguf: g + "ffn_norm")
    }

    /// The linear modules in transformers' order.
    public var projections: [ModuleName] { [q, k, v, o, gate, up, down] }
}

/// Llama, Mistral and Qwen2: RMSNorm, RoPE, grouped-query attention and a SwiGLU MLP, with
/// nn.Linear weights. The three differ in config.json defaults, biases and sliding windows.
public struct LlamaFamily: ArchitectureDescriptor {
    public var displayName: String { "Llama" }
    public var keys: ConfigKeys {
        ConfigKeys(hidden: "hidden_size", layers: "num_hidden_layers", heads: "num_attention_heads", kvHeads: "num_key_value_heads",
                   headDim: "head_dim", intermediate: "intermediate_size", positions: "max_position_embeddings", normEpsilon: "rms_norm_eps")
    }

    // MARK: config.json

    public func config(_ architecture: ModelConfig.Architecture, reading reader: ConfigReader, bos: Int?, eos: [Int]) throws -> ModelConfig {
        let defaults: (vocab: Int, intermediate: Int, positions: Int) = switch architecture {
        case .mistral: (32000, 14336, 131072)
        case .qwen2: (151936, 22016, 32768)
        default: (32000, 11008, 2048)
        }
        let vocabSize = try reader.int("vocab_size") ?? defaults.vocab
        let hiddenSize = try reader.int(keys.hidden) ?? 4096
        let intermediateSize = try reader.int(keys.intermediate) ?? defaults.intermediate
        let layers = try reader.int(keys.layers) ?? 32
        let heads = try reader.int(keys.heads) ?? 32
        let kvHeads = try reader.int(keys.kvHeads) ?? (architecture == .mistral ? 8 : heads)
        let headDim = try reader.int(keys.headDim) ?? hiddenSize / Swift.max(1, heads)
        let maxPositions = try reader.int(keys.positions) ?? defaults.positions
        let normEpsilon = try reader.double(keys.normEpsilon) ?? 1e-6
        let tieWordEmbeddings = try reader.bool("tie_word_embeddings") ?? false
        let attentionBias = try reader.bool("attention_bias") ?? false
        let mlpBias = try reader.bool("mlp_bias") ?? false
        let rope = try RoPE(reader: reader)
        let slidingWindow = try Self.slidingWindow(architecture, reader: reader, layers: layers)
        if let act = try reader.string("hidden_act"), act != "silu" {
            throw ModelError(file: reader.file, "hidden_act '\(act)' is not supported (PrefLab's Llama family uses silu)")
        }
        return ModelConfig(architecture: architecture, vocabSize: vocabSize, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
                           layers: layers, heads: heads, kvHeads: kvHeads, headDim: headDim, maxPositions: maxPositions,
                           normEpsilon: normEpsilon, tieWordEmbeddings: tieWordEmbeddings,
                           qkvBias: architecture == .qwen2 || attentionBias, outputBias: architecture != .qwen2 && attentionBias,
                           mlpBias: mlpBias, slidingWindow: slidingWindow, rope: rope, bosTokenId: bos, eosTokenIds: eos)
    }

    /// The attention window: Mistral's `sliding_window` (transformers' default 4096 when the key
    /// is absent, none when it is null). Qwen2 windows only some layers, which PrefLab does not
    /// implement, so a config that turns that on is refused rather than computed wrongly.
    private static func slidingWindow(_ architecture: ModelConfig.Architecture, reader: ConfigReader, layers: Int) throws -> Int? {
        switch architecture {
        case .mistral:
            return reader.isNull("sliding_window") ? nil : try reader.int("sliding_window") ?? 4096
        case .qwen2:
            guard try reader.bool("use_sliding_window") == true, !reader.isNull("sliding_window") else { return nil }
            let windowed: Bool
            if let layerTypes = try reader.stringList("layer_types") {
                windowed = layerTypes.contains("sliding_attention")
            } else {
                windowed = layers > (try reader.int("max_window_layers") ?? 28)
            }
            if windowed {
                throw ModelError(file: reader.file, "use_sliding_window: sliding-window attention in some Qwen2 layers is not supported")
            }
            return nil
        default:
            return nil
        }
    }

    public func validate(_ config: ModelConfig, file: String) throws {}

    /// RoPE in the top-level `rope_theta`/`rope_scaling` form, which both transformers v4 and v5 accept.
    public func configJSON(_ c: ModelConfig) -> [String: Any] {
        var json: [String: Any] = [
            "architectures": [transformersClass(c.architecture)], keys.hidden: c.hiddenSize, keys.intermediate: c.intermediateSize,
            keys.layers: c.layers, keys.heads: c.heads, keys.kvHeads: c.kvHeads, keys.headDim: c.headDim, keys.positions: c.maxPositions,
            keys.normEpsilon: c.normEpsilon, "tie_word_embeddings": c.tieWordEmbeddings, "hidden_act": "silu", "mlp_bias": c.mlpBias]
        if c.architecture == .llama { json["attention_bias"] = c.qkvBias }
        if c.architecture == .mistral { json["sliding_window"] = c.slidingWindow ?? NSNull() }
        if let rope = c.rope {
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
        return json
    }

    public func newModelJSON(hidden: Int, layers: Int, heads: Int, kvHeads: Int?, ffn: Int?, tie: Bool, maxLength: Int) -> [String: Any] {
        [keys.hidden: hidden, keys.layers: layers, keys.heads: heads, keys.kvHeads: kvHeads ?? heads,
         keys.intermediate: ffn ?? (8 * hidden / 3 + 63) / 64 * 64, keys.positions: maxLength, "tie_word_embeddings": tie,
         "bos_token_id": 1, "eos_token_id": 2]
    }

    public func transformersClass(_ architecture: ModelConfig.Architecture) -> String {
        switch architecture {
        case .mistral: "MistralForCausalLM"
        case .qwen2: "Qwen2ForCausalLM"
        default: "LlamaForCausalLM"
        }
    }

    // MARK: Weights

    public var tokenEmbeddings: ModuleName { ModuleName("model.embed_tokens", gguf: "token_embd") }
    public var positionEmbeddings: ModuleName? { nil }
    public var finalNorm: ModuleName { ModuleName("model.norm", gguf: "output_norm") }
    /// The LM head when it is not tied to the embeddings.
    var untiedHeadName: ModuleName { ModuleName("lm_head", gguf: "output") }

    public func sharedWeights(_ c: ModelConfig) -> [WeightSpec] {
        let h = c.hiddenSize
        var weights = [tokenEmbeddings.weightSpec([c.vocabSize, h]), finalNorm.weightSpec([h], .ones)]
        if !c.tieWordEmbeddings { weights.append(untiedHeadName.weightSpec([c.vocabSize, h])) }
        return weights
    }

    /// Both norms, every projection's weight, then the biases the config asks for.
    public func layerWeights(_ c: ModelConfig, layer: Int) -> [WeightSpec] {
        let names = LlamaLayerNames(layer: layer)
        let modules = linearModules(c, layer: layer)
        return [names.inputNorm.weightSpec([c.hiddenSize], .ones), names.postNorm.weightSpec([c.hiddenSize], .ones)]
            + modules.map(\.weightSpec) + modules.filter(\.hasBias).map(\.biasSpec)
    }

    public var layerPrefix: String { "model.layers." }
    public var checkpointPrefix: String { "" }

    /// llama.cpp's converter interleaves each head's rows of q and k for its adjacent-pair RoPE
    /// when it writes arch `llama`; qwen2 files keep transformers' order.
    public func ggufInterleavedHeads(_ c: ModelConfig, layer: Int) -> [String: Int] {
        guard c.architecture == .llama else { return [:] }
        let names = LlamaLayerNames(layer: layer)
        return [names.q.weight: c.heads, names.q.bias: c.heads, names.k.weight: c.kvHeads, names.k.bias: c.kvHeads]
    }

    public func linearModules(_ c: ModelConfig, layer: Int) -> [LinearModule] {
        let names = LlamaLayerNames(layer: layer)
        let (h, f, q, kv) = (c.hiddenSize, c.intermediateSize, c.heads * c.headDim, c.kvHeads * c.headDim)
        func module(_ name: ModuleName, _ inputs: Int, _ outputs: Int, bias: Bool) -> LinearModule {
            LinearModule(name: name, inputs: inputs, outputs: outputs, layout: projectionLayout, hasBias: bias)
        }
        return [module(names.q, h, q, bias: c.qkvBias), module(names.k, h, kv, bias: c.qkvBias), module(names.v, h, kv, bias: c.qkvBias),
                module(names.o, q, h, bias: c.outputBias), module(names.gate, h, f, bias: c.mlpBias),
                module(names.up, h, f, bias: c.mlpBias), module(names.down, f, h, bias: c.mlpBias)]
    }

    public func head(_ c: ModelConfig) -> LinearModule {
        LinearModule(name: c.tieWordEmbeddings ? tokenEmbeddings : untiedHeadName, inputs: c.hiddenSize, outputs: c.vocabSize,
                     layout: .outIn, hasBias: false)
    }

    public var projectionLayout: WeightLayout { .outIn }
    public var adaptableModules: [String] { LlamaLayerNames(layer: 0).projections.map(\.shortName) }
    /// All four attention projections (PEFT itself defaults to q_proj and v_proj only; adapting
    /// k and o as well is the more common recipe for preference tuning).
    public var defaultLoRATargets: [String] {
        let names = LlamaLayerNames(layer: 0)
        return [names.q, names.k, names.v, names.o].map(\.shortName)
    }

    // MARK: Features

    public var normalization: NormKind { .rms }
    public var gatedFeedForward: Bool { true }
    public var groupedQueryAttention: Bool { true }
    public var untiedHead: Bool { true }

    public func forward(_ model: TransformerModel, tokens: Tensor, keyMask: Tensor?, cache: KVCache?) throws -> Tensor {
        try model.llamaForward(tokens, keyMask: keyMask, cache: cache)
    }
}
