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
        for weight in expectedWeights(config) {
            switch weight.initialization {
            case .zeros: weights[weight.name] = try Tensor.zeros(weight.shape)
            case .ones: weights[weight.name] = try Tensor.ones(weight.shape)
            case .normal: weights[weight.name] = try Tensor.randn(weight.shape, using: &generator) * 0.02
            }
        }
        return try TransformerModel(config: config, weights: weights, tokenizer: tokenizer)
    }

    /// Writes `config.json` and `model.safetensors` (F32) so transformers' `from_pretrained`
    /// loads the directory; a tokenizer the model carries is written as its files (`tokenizer.json`,
    /// and `tokenizer_config.json` when it has settings), whether it came from a file or from GGUF.
    public func save(directory: String) throws {
        try OutputPath.createFolder(directory)
        let configData = try JSONSerialization.data(withJSONObject: config.huggingFaceJSON, options: [.prettyPrinted, .sortedKeys])
        try AtomicWrite.write(configData, to: directory + "/config.json")
        try SafetensorsWriter.write(weights.map { ($0.key, $0.value) }, to: directory + "/model.safetensors")
        if let tokenizer, tokenizer.path != directory + "/tokenizer.json" {
            for file in try tokenizer.files { try AtomicWrite.write(file.contents, to: directory + "/" + file.name) }
        }
    }

    /// Number of parameters.
    public var parameterCount: Int { weights.values.reduce(0) { $0 + $1.count } }
}

extension ModelConfig {
    /// A config.json transformers reads: the keys every family shares and the descriptor's.
    var huggingFaceJSON: [String: Any] {
        var json: [String: Any] = ["model_type": architecture.rawValue, "vocab_size": vocabSize, "torch_dtype": "float32"]
        if let bosTokenId { json["bos_token_id"] = bosTokenId }
        if !eosTokenIds.isEmpty { json["eos_token_id"] = eosTokenIds.count == 1 ? eosTokenIds[0] : eosTokenIds }
        json.merge(descriptor.configJSON(self)) { $1 }
        return json
    }

    /// A configuration for a new model of the architecture, with the family's usual proportions.
    public static func make(architecture: Architecture, vocab: Int, hidden: Int, layers: Int, heads: Int, kvHeads: Int? = nil,
                            ffn: Int? = nil, tie: Bool = true, maxLength: Int = 512) throws -> ModelConfig {
        var json: [String: Any] = ["model_type": architecture.rawValue, "vocab_size": vocab]
        json.merge(architecture.descriptor.newModelJSON(hidden: hidden, layers: layers, heads: heads, kvHeads: kvHeads, ffn: ffn,
                                                        tie: tie, maxLength: maxLength)) { $1 }
        if hidden % Swift.max(1, heads) != 0 { throw ModelError(file: "new_model", "hidden \(hidden) is not a multiple of heads \(heads)") }
        let data = try JSONSerialization.data(withJSONObject: json)
        return try ModelConfig(json: data, file: "new_model")
    }
}
