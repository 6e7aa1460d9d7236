import Foundation
import Tensor

/// The weight names of one GPT-2 layer.
public struct GPT2LayerNames: Sendable {
    /// The fused q | k | v projection (c_attn) and the attention's output projection.
    public let attention, attentionOutput: ModuleName
    /// The MLP's up projection (c_fc) and its down projection.
    public let fc, mlpOutput: ModuleName
    /// The LayerNorms before the attention and before the MLP.
    public let ln1, ln2: ModuleName

    public init(layer: Int) {
        let p = GPT2().layerPrefix + "\(layer).", g = ggufLayerPrefix + "\(layer)."
        attention = ModuleName(p + "attn.c_attn", gguf: g + "attn_qkv")
        attentionOutput = ModuleName(p + "attn.c_proj", gguf: g + "attn_output")
        fc = ModuleName(p + "mlp.c_fc", gguf: g + "ffn_up")
        mlpOutput = ModuleName(p + "mlp.c_proj", gguf: g + "ffn_down")
        ln1 = ModuleName(p + "ln_1", gguf: g + "attn_norm")
        ln2 = ModuleName(p + "ln_2", gguf: g + "ffn_norm")
    }

    /// The linear modules in transformers' order.
    public var projections: [ModuleName] { [attention, attentionOutput, fc, mlpOutput] }
}

/// GPT-2: learned positions, LayerNorm, Conv1D weights stored [in, out], gelu_new, and an LM
/// head always tied to the token embeddings.
public struct GPT2: ArchitectureDescriptor {
    public var displayName: String { "GPT-2" }
    public var keys: ConfigKeys {
        ConfigKeys(hidden: "n_embd", layers: "n_layer", heads: "n_head", kvHeads: "n_head", headDim: "n_embd / n_head",
                   intermediate: "n_inner", positions: "n_positions", normEpsilon: "layer_norm_epsilon")
    }

    // MARK: config.json

    public func config(_ architecture: ModelConfig.Architecture, reading reader: ConfigReader, bos: Int?, eos: [Int]) throws -> ModelConfig {
        let vocabSize = try reader.int("vocab_size") ?? 50257
        let hiddenSize = try reader.int(keys.hidden) ?? 768
        let layers = try reader.int(keys.layers) ?? 12
        let heads = try reader.int(keys.heads) ?? 12
        let intermediateSize = try reader.int(keys.intermediate) ?? 4 * hiddenSize
        let maxPositions = try reader.int(keys.positions) ?? 1024
        let normEpsilon = try reader.double(keys.normEpsilon) ?? 1e-5
        let tieWordEmbeddings = try reader.bool("tie_word_embeddings") ?? true
        return ModelConfig(architecture: architecture, vocabSize: vocabSize, hiddenSize: hiddenSize, intermediateSize: intermediateSize,
                           layers: layers, heads: heads, kvHeads: heads, headDim: hiddenSize / Swift.max(1, heads),
                           maxPositions: maxPositions, normEpsilon: normEpsilon, tieWordEmbeddings: tieWordEmbeddings,
                           qkvBias: true, outputBias: true, mlpBias: true, slidingWindow: nil, rope: nil,
                           bosTokenId: bos ?? 50256, eosTokenIds: eos.isEmpty ? [50256] : eos)
    }

    public func validate(_ config: ModelConfig, file: String) throws {
        if config.hiddenSize % config.heads != 0 {
            throw ModelError(file: file, "\(keys.hidden) \(config.hiddenSize) is not a multiple of \(keys.heads) \(config.heads)")
        }
    }

    public func configJSON(_ c: ModelConfig) -> [String: Any] {
        ["architectures": [transformersClass(c.architecture)], keys.hidden: c.hiddenSize, keys.layers: c.layers, keys.heads: c.heads,
         keys.intermediate: c.intermediateSize, keys.positions: c.maxPositions, keys.normEpsilon: c.normEpsilon,
         "activation_function": "gelu_new", "tie_word_embeddings": true]
    }

    public func newModelJSON(hidden: Int, layers: Int, heads: Int, kvHeads: Int?, ffn: Int?, tie: Bool, maxLength: Int) -> [String: Any] {
        [keys.hidden: hidden, keys.layers: layers, keys.heads: heads, keys.positions: maxLength, keys.intermediate: ffn ?? 4 * hidden]
    }

    public func transformersClass(_ architecture: ModelConfig.Architecture) -> String { "GPT2LMHeadModel" }

    // MARK: Weights

    public var tokenEmbeddings: ModuleName { ModuleName("wte", gguf: "token_embd") }
    public var positionEmbeddings: ModuleName? { learnedPositions }
    /// The position table [n_positions, H].
    var learnedPositions: ModuleName { ModuleName("wpe", gguf: "position_embd") }
    public var finalNorm: ModuleName { ModuleName("ln_f", gguf: "output_norm") }

    public func sharedWeights(_ c: ModelConfig) -> [WeightSpec] {
        let h = c.hiddenSize
        return [tokenEmbeddings.weightSpec([c.vocabSize, h]), learnedPositions.weightSpec([c.maxPositions, h]),
                finalNorm.weightSpec([h], .ones), finalNorm.biasSpec([h])]
    }

    /// Both LayerNorms, then each projection's weight and bias.
    public func layerWeights(_ c: ModelConfig, layer: Int) -> [WeightSpec] {
        let names = GPT2LayerNames(layer: layer)
        let h = c.hiddenSize
        return [names.ln1.weightSpec([h], .ones), names.ln1.biasSpec([h]), names.ln2.weightSpec([h], .ones), names.ln2.biasSpec([h])]
            + linearModules(c, layer: layer).flatMap { [$0.weightSpec, $0.biasSpec] }
    }

    public var layerPrefix: String { "h." }
    public var checkpointPrefix: String { "transformer." }
    public func ggufInterleavedHeads(_ c: ModelConfig, layer: Int) -> [String: Int] { [:] }

    public func linearModules(_ c: ModelConfig, layer: Int) -> [LinearModule] {
        let names = GPT2LayerNames(layer: layer)
        let (h, f) = (c.hiddenSize, c.intermediateSize)
        func module(_ name: ModuleName, _ inputs: Int, _ outputs: Int) -> LinearModule {
            LinearModule(name: name, inputs: inputs, outputs: outputs, layout: projectionLayout, hasBias: true)
        }
        return [module(names.attention, h, 3 * h), module(names.attentionOutput, h, h), module(names.fc, h, f), module(names.mlpOutput, f, h)]
    }

    public func head(_ c: ModelConfig) -> LinearModule {
        LinearModule(name: tokenEmbeddings, inputs: c.hiddenSize, outputs: c.vocabSize, layout: .outIn, hasBias: false)
    }

    public var projectionLayout: WeightLayout { .inOut }
    /// As in PEFT, "c_proj" names both the attention's and the MLP's output projection.
    public var adaptableModules: [String] {
        GPT2LayerNames(layer: 0).projections.map(\.shortName).reduce(into: []) { names, name in
            if !names.contains(name) { names.append(name) }
        }
    }
    /// The fused q/k/v projection.
    public var defaultLoRATargets: [String] { [GPT2LayerNames(layer: 0).attention.shortName] }

    // MARK: Features

    public var normalization: NormKind { .layer }
    public var gatedFeedForward: Bool { false }
    public var groupedQueryAttention: Bool { false }
    public var untiedHead: Bool { false }

    public func forward(_ model: TransformerModel, tokens: Tensor, keyMask: Tensor?, cache: KVCache?) throws -> Tensor {
        try model.gpt2Forward(tokens, keyMask: keyMask, cache: cache)
    }
}
