import Tensor

/// Everything architecture-specific about one family of Hugging Face models: its config.json
/// keys and defaults, its weight names and shapes, its linear modules and what LoRA may adapt,
/// and the features its forward pass has. Code elsewhere asks the descriptor
/// (`config.descriptor`) instead of testing which architecture it has.
public protocol ArchitectureDescriptor: Sendable {
    /// The family as messages name it ("GPT-2").
    var displayName: String { get }
    /// The config.json keys of the sizes every family has, as errors name them.
    var keys: ConfigKeys { get }

    /// The configuration from config.json's keys of this family, with transformers' defaults;
    /// `bos` and `eos` are the token ids the file gives (nil and empty when absent).
    func config(_ architecture: ModelConfig.Architecture, reading reader: ConfigReader, bos: Int?, eos: [Int]) throws -> ModelConfig
    /// Checks of `config` that only this family needs, after the checks every family shares.
    func validate(_ config: ModelConfig, file: String) throws
    /// The family's keys of the config.json PrefLab writes.
    func configJSON(_ config: ModelConfig) -> [String: Any]
    /// The config.json keys of a new model of these sizes (`ModelConfig.make`); nil sizes take
    /// the family's usual proportions.
    func newModelJSON(hidden: Int, layers: Int, heads: Int, kvHeads: Int?, ffn: Int?, tie: Bool, maxLength: Int) -> [String: Any]
    /// transformers' class for the model_type (config.json's `architectures`).
    func transformersClass(_ architecture: ModelConfig.Architecture) -> String

    var tokenEmbeddings: ModuleName { get }
    /// Learned position embeddings, or nil when positions are rotary.
    var positionEmbeddings: ModuleName? { get }
    /// The norm after the last layer, of the family's `normalization`.
    var finalNorm: ModuleName { get }
    /// The weights outside the layers (embeddings, final norm, untied head), in checkpoint order.
    func sharedWeights(_ config: ModelConfig) -> [WeightSpec]
    /// The weights of layer `layer`, in checkpoint order.
    func layerWeights(_ config: ModelConfig, layer: Int) -> [WeightSpec]
    /// What comes before the layer index in a weight name ("model.layers.").
    var layerPrefix: String { get }
    /// A prefix some checkpoints put before every weight name and PrefLab's names leave out
    /// (GPT2LMHeadModel's "transformer."); empty when there is none.
    var checkpointPrefix: String { get }
    /// The weights of layer `layer` whose rows a GGUF file holds interleaved per head (llama.cpp's
    /// converter does this for its own RoPE), by name, with their head counts.
    func ggufInterleavedHeads(_ config: ModelConfig, layer: Int) -> [String: Int]

    /// The linear modules of layer `layer` in transformers' order (the order PEFT lists them).
    func linearModules(_ config: ModelConfig, layer: Int) -> [LinearModule]
    /// The LM head as a linear module (the embedding table when tied).
    func head(_ config: ModelConfig) -> LinearModule
    /// How the layers' linear weights are stored: nn.Linear's [out, in] or Conv1D's [in, out].
    var projectionLayout: WeightLayout { get }
    /// The short names of the linear modules LoRA may adapt, in layer order, each once.
    var adaptableModules: [String] { get }
    /// The modules LoRA adapts when the user names none.
    var defaultLoRATargets: [String] { get }

    var normalization: NormKind { get }
    /// The MLP multiplies a gate by an up projection (SwiGLU) rather than applying one activation.
    var gatedFeedForward: Bool { get }
    /// Keys and values may have fewer heads than queries (config's kv heads).
    var groupedQueryAttention: Bool { get }
    /// The LM head may be a matrix of its own rather than the embedding table.
    var untiedHead: Bool { get }

    /// Logits [B, T, V] of `tokens` [B, T] with the family's Tensor forward pass; `keyMask` is
    /// an additive mask over key positions [B, 1, 1, S+T], `cache` the earlier positions' keys
    /// and values, extended in place.
    func forward(_ model: TransformerModel, tokens: Tensor, keyMask: Tensor?, cache: KVCache?) throws -> Tensor
}

extension ArchitectureDescriptor {
    /// Positions are learned embeddings, so a sequence may not exceed `maxPositions`.
    public var learnsPositions: Bool { positionEmbeddings != nil }
}

/// The config.json keys naming the sizes every family has.
public struct ConfigKeys: Sendable {
    public let hidden: String
    public let layers: String
    public let heads: String
    public let kvHeads: String
    public let headDim: String
    public let intermediate: String
    public let positions: String
    public let normEpsilon: String
}

public enum NormKind: Sendable {
    /// x · rsqrt(mean(x²) + ε) · w.
    case rms
    /// (x − mean) / √(var + ε) · w + b.
    case layer
}
