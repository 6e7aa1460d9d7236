import Foundation

/// The architecture facts of a Hugging Face `config.json`, with transformers' defaults for
/// missing keys and both on-disk forms of the RoPE parameters.
public struct ModelConfig: Equatable, Sendable {
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
}

/// Reading: kept out of the type's body so the memberwise initialiser the descriptors build
/// configurations with stays.
extension ModelConfig {
    /// Reads `config.json` text; `file` names it in errors.
    public init(json data: Data, file: String) throws {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ModelError(file: file, "is not valid JSON")
        }
        guard let json = object as? [String: Any] else { throw ModelError(file: file, "is not a JSON object") }
        try self.init(json: json, file: file)
    }

    /// A config from config.json's keys and values (parsed from the file, or mapped from another
    /// format's metadata), with every check a config.json gets.
    init(json: [String: Any], file: String) throws {
        let reader = ConfigReader(json: json, file: file)
        let type = try reader.string("model_type") ?? ""
        guard let architecture = Architecture(rawValue: type) else {
            throw ModelError(file: file, "model_type '\(type)' is not supported; PrefLab reads \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let bos = try reader.int("bos_token_id")
        let eos = try reader.intOrList("eos_token_id")
        let descriptor = architecture.descriptor
        self = try descriptor.config(architecture, reading: reader, bos: bos, eos: eos)
        // Counts are named by their config.json key. The upper bound keeps every product of two
        // sizes (shapes, parameter counts) far from Int overflow; the real check of a hostile
        // count is against the checkpoint, in `TransformerModel.load`.
        let keys = descriptor.keys
        let counts: [(key: String, value: Int)] = [
            ("vocab_size", vocabSize), (keys.hidden, hiddenSize), (keys.layers, layers), (keys.heads, heads), (keys.kvHeads, kvHeads),
            (keys.headDim, headDim), (keys.intermediate, intermediateSize), (keys.positions, maxPositions)]
        for (key, value) in counts {
            guard value > 0 else { throw ModelError(file: file, "\(key) must be positive, got \(value)") }
            guard value <= Self.maximumCount else {
                throw ModelError(file: file, "\(key) is \(value), more than PrefLab accepts (\(Self.maximumCount))")
            }
        }
        guard normEpsilon.isFinite, normEpsilon >= 0 else {
            throw ModelError(file: file, "\(keys.normEpsilon) must be a non-negative number, got \(normEpsilon)")
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
        try descriptor.validate(self, file: file)
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
public struct ConfigReader {
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

extension ModelConfig {
    /// Refuses a sequence of `count` tokens longer than the learned positions, if the
    /// architecture learns them.
    public func checkPositions(_ count: Int) throws {
        if descriptor.learnsPositions, count > maxPositions {
            throw ModelError(file: "model", "\(count) tokens exceed \(descriptor.displayName)'s \(maxPositions) positions")
        }
    }

    /// Why `ids` cannot go into the model: `Vocabulary.problem` over its `vocabSize` tokens.
    @inlinable public func vocabularyProblem<S: Sequence>(in ids: S, unscored: S.Element? = nil) -> String? where S.Element: BinaryInteger {
        Vocabulary.problem(in: ids, size: vocabSize, unscored: unscored)
    }
}
