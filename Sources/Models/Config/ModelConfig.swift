import Foundation

/// The architecture facts of a Hugging Face `config.json`, with transformers' defaults for
/// missing keys and both on-disk forms of the RoPE parameters.
public struct ModelConfig: Equatable, Sendable {
    public enum Architecture: String, Sendable, CaseIterable {
        case llama, mistral, qwen2, gpt2
    }

    public var architecture: Architecture
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var layers: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var maxPositions: Int
    /// RMSNorm epsilon (Llama family) or LayerNorm epsilon (GPT-2).
    public var normEpsilon: Double
    public var tieWordEmbeddings: Bool
    /// Biases on the q, k and v projections (Qwen2 always; Llama when `attention_bias`).
    public var qkvBias: Bool
    /// A bias on the output projection (Llama's `attention_bias`; not Qwen2's).
    public var outputBias: Bool
    public var mlpBias: Bool
    /// Mistral's sliding window: a position attends to at most this many positions, itself
    /// included. Nil attends to every earlier position.
    public var slidingWindow: Int?
    /// Nil for GPT-2, which learns its positions.
    public var rope: RoPE?
    public var bosTokenId: Int?
    public var eosTokenIds: [Int]

    /// Reads `config.json` text; `file` names it in errors.
    public init(json data: Data, file: String) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelError(file: file, "is not valid JSON")
        }
        guard let json = object as? [String: Any] else { throw ModelError(file: file, "is not a JSON object") }
        let reader = ConfigReader(json: json, file: file)
        let type = try reader.string("model_type") ?? ""
        guard let architecture = Architecture(rawValue: type) else {
            throw ModelError(file: file, "model_type '\(type)' is not supported; PrefLab reads \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.architecture = architecture
        bosTokenId = try reader.int("bos_token_id")
        eosTokenIds = try reader.intOrList("eos_token_id")

        if architecture == .gpt2 {
            vocabSize = try reader.int("vocab_size") ?? 50257
            hiddenSize = try reader.int("n_embd") ?? 768
            layers = try reader.int("n_layer") ?? 12
            heads = try reader.int("n_head") ?? 12
            kvHeads = heads
            intermediateSize = try reader.int("n_inner") ?? 4 * hiddenSize
            maxPositions = try reader.int("n_positions") ?? 1024
            normEpsilon = try reader.double("layer_norm_epsilon") ?? 1e-5
            tieWordEmbeddings = try reader.bool("tie_word_embeddings") ?? true
            qkvBias = true
            outputBias = true
            mlpBias = true
            rope = nil
            slidingWindow = nil
            headDim = hiddenSize / Swift.max(1, heads)
            if bosTokenId == nil { bosTokenId = 50256 }
            if eosTokenIds.isEmpty { eosTokenIds = [50256] }
        } else {
            let defaults: (vocab: Int, intermediate: Int, positions: Int) = switch architecture {
            case .mistral: (32000, 14336, 131072)
            case .qwen2: (151936, 22016, 32768)
            default: (32000, 11008, 2048)
            }
            vocabSize = try reader.int("vocab_size") ?? defaults.vocab
            hiddenSize = try reader.int("hidden_size") ?? 4096
            intermediateSize = try reader.int("intermediate_size") ?? defaults.intermediate
            layers = try reader.int("num_hidden_layers") ?? 32
            heads = try reader.int("num_attention_heads") ?? 32
            kvHeads = try reader.int("num_key_value_heads") ?? (architecture == .mistral ? 8 : heads)
            headDim = try reader.int("head_dim") ?? hiddenSize / Swift.max(1, heads)
            maxPositions = try reader.int("max_position_embeddings") ?? defaults.positions
            normEpsilon = try reader.double("rms_norm_eps") ?? 1e-6
            tieWordEmbeddings = try reader.bool("tie_word_embeddings") ?? false
            let attentionBias = try reader.bool("attention_bias") ?? false
            qkvBias = architecture == .qwen2 || attentionBias
            outputBias = architecture != .qwen2 && attentionBias
            mlpBias = try reader.bool("mlp_bias") ?? false
            rope = try RoPE(reader: reader)
            slidingWindow = try Self.slidingWindow(architecture, reader: reader, layers: layers)
            if let act = try reader.string("hidden_act"), act != "silu" {
                throw ModelError(file: file, "hidden_act '\(act)' is not supported (PrefLab's Llama family uses silu)")
            }
        }
        // Counts are named by their config.json key. The upper bound keeps every product of two
        // sizes (shapes, parameter counts) far from Int overflow; the real check of a hostile
        // count is against the checkpoint, in `TransformerModel.load`.
        let gpt2 = architecture == .gpt2
        let counts: [(key: String, value: Int)] = [
            ("vocab_size", vocabSize), (gpt2 ? "n_embd" : "hidden_size", hiddenSize), (gpt2 ? "n_layer" : "num_hidden_layers", layers),
            (gpt2 ? "n_head" : "num_attention_heads", heads), (gpt2 ? "n_head" : "num_key_value_heads", kvHeads),
            (gpt2 ? "n_embd / n_head" : "head_dim", headDim), (gpt2 ? "n_inner" : "intermediate_size", intermediateSize),
            (gpt2 ? "n_positions" : "max_position_embeddings", maxPositions)]
        for (key, value) in counts {
            guard value > 0 else { throw ModelError(file: file, "\(key) must be positive, got \(value)") }
            guard value <= Self.maximumCount else {
                throw ModelError(file: file, "\(key) is \(value), more than PrefLab accepts (\(Self.maximumCount))")
            }
        }
        let epsilonKey = gpt2 ? "layer_norm_epsilon" : "rms_norm_eps"
        guard normEpsilon.isFinite, normEpsilon >= 0 else {
            throw ModelError(file: file, "\(epsilonKey) must be a non-negative number, got \(normEpsilon)")
        }
        if let rope {
            guard rope.theta.isFinite, rope.theta > 0 else { throw ModelError(file: file, "rope_theta must be positive, got \(rope.theta)") }
            guard rope.partialRotaryFactor > 0, rope.partialRotaryFactor <= 1 else {
                throw ModelError(file: file, "partial_rotary_factor must be in (0, 1], got \(rope.partialRotaryFactor)")
            }
        }
        if let slidingWindow, slidingWindow <= 0 {
            throw ModelError(file: file, "sliding_window must be positive or null, got \(slidingWindow)")
        }
        guard heads % kvHeads == 0 else {
            throw ModelError(file: file, "num_attention_heads \(heads) is not a multiple of num_key_value_heads \(kvHeads)")
        }
        if architecture == .gpt2, hiddenSize % heads != 0 {
            throw ModelError(file: file, "n_embd \(hiddenSize) is not a multiple of n_head \(heads)")
        }
    }

    /// The attention window: Mistral's `sliding_window` (transformers' default 4096 when the key
    /// is absent, none when it is null). Qwen2 windows only some layers, which PrefLab does not
    /// implement, so a config that turns that on is refused rather than computed wrongly.
    private static func slidingWindow(_ architecture: Architecture, reader: ConfigReader, layers: Int) throws -> Int? {
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

    /// The largest size or count a config may give (2^24): beyond any real model, and small
    /// enough that products of two sizes cannot overflow.
    public static let maximumCount = 1 << 24

    /// Reads `directory/config.json`.
    public init(directory: String) throws {
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError(file: path, "cannot read") }
        try self.init(json: data, file: path)
    }
}

/// Typed access to a JSON object with errors that name the file and key.
struct ConfigReader {
    let json: [String: Any]
    let file: String

    private func present(_ key: String) -> Any? {
        guard let value = json[key], !(value is NSNull) else { return nil }
        return value
    }

    /// Whether the key is present with the value null (which may differ from its absence).
    func isNull(_ key: String) -> Bool { json[key] is NSNull }

    func int(_ key: String) throws -> Int? {
        guard let value = present(key) else { return nil }
        guard let number = value as? NSNumber, Double(number.intValue) == number.doubleValue else {
            throw ModelError(file: file, "\(key) must be a whole number")
        }
        return number.intValue
    }

    func double(_ key: String) throws -> Double? {
        guard let value = present(key) else { return nil }
        guard let number = value as? NSNumber else { throw ModelError(file: file, "\(key) must be a number") }
        return number.doubleValue
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = present(key) else { return nil }
        guard let flag = value as? Bool else { throw ModelError(file: file, "\(key) must be true or false") }
        return flag
    }

    func string(_ key: String) throws -> String? {
        guard let value = present(key) else { return nil }
        guard let text = value as? String else { throw ModelError(file: file, "\(key) must be a string") }
        return text
    }

    func stringList(_ key: String) throws -> [String]? {
        guard let value = present(key) else { return nil }
        guard let list = value as? [String] else { throw ModelError(file: file, "\(key) must be a list of strings") }
        return list
    }

    func intOrList(_ key: String) throws -> [Int] {
        guard let value = present(key) else { return [] }
        if let list = value as? [Any] {
            return try list.map { item in
                guard let number = item as? NSNumber, Double(number.intValue) == number.doubleValue else {
                    throw ModelError(file: file, "\(key) must hold whole numbers")
                }
                return number.intValue
            }
        }
        guard let single = try int(key) else { return [] }
        return [single]
    }

    func object(_ key: String) throws -> ConfigReader? {
        guard let value = present(key) else { return nil }
        guard let map = value as? [String: Any] else { throw ModelError(file: file, "\(key) must be an object") }
        return ConfigReader(json: map, file: file)
    }
}
