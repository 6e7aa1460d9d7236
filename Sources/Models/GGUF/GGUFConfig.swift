import Foundation

/// How a GGUF file's metadata maps to config.json's keys, declared once for reading and writing:
/// the file's `{arch}.` keys as transformers' GGUF loader maps them (../docs/gguf.md).
enum GGUFConfigKeys {
    /// The value type llama.cpp insists on for a key (it refuses a u64 where it expects u32).
    enum Kind { case count, real }

    /// `{arch}.` key suffix, config.json key, and kind, for `descriptor`'s family.
    static func table(_ descriptor: any ArchitectureDescriptor) -> [(gguf: String, json: String, kind: Kind)] {
        let keys = descriptor.keys
        var table: [(gguf: String, json: String, kind: Kind)] = [
            ("context_length", keys.positions, .count), ("embedding_length", keys.hidden, .count), ("block_count", keys.layers, .count),
            ("feed_forward_length", keys.intermediate, .count), ("attention.head_count", keys.heads, .count),
            ("vocab_size", "vocab_size", .count)]
        switch descriptor.normalization {
        case .rms: table.append(("attention.layer_norm_rms_epsilon", keys.normEpsilon, .real))
        case .layer: table.append(("attention.layer_norm_epsilon", keys.normEpsilon, .real))
        }
        if descriptor.groupedQueryAttention { table.append(("attention.head_count_kv", keys.kvHeads, .count)) }
        if descriptor.positionEmbeddings == nil {
            table.append(("rope.freq_base", "rope_theta", .real))
            table.append(("rope.dimension_count", keys.headDim, .count))
        }
        return table
    }

    /// GGUF's `general.architecture` for each model_type: the Llama family's Mistral is written as
    /// `llama`, as llama.cpp's converter does.
    static func ggufArchitecture(_ architecture: ModelConfig.Architecture) -> String {
        architecture == .mistral ? "llama" : architecture.rawValue
    }

    static func architecture(gguf name: String) -> ModelConfig.Architecture? {
        ModelConfig.Architecture.allCases.first { $0 != .mistral && ggufArchitecture($0) == name }
    }
}

extension ModelConfig {
    /// Every weight whose rows a GGUF file holds interleaved per head, by Hugging Face name, with
    /// its head count (the descriptor's answer for each layer).
    var ggufInterleavedHeads: [String: Int] {
        (0..<layers).reduce(into: [:]) { all, layer in all.merge(descriptor.ggufInterleavedHeads(self, layer: layer)) { first, _ in first } }
    }

    /// The config of the model in a GGUF file, read through the same checks as config.json.
    init(gguf file: GGUFFile) throws {
        guard let name = file["general.architecture"]?.string else {
            throw ModelError(file: file.path, "has no general.architecture, so it is not a model PrefLab can load")
        }
        guard let architecture = GGUFConfigKeys.architecture(gguf: name) else {
            let known = ModelConfig.Architecture.allCases.filter { $0 != .mistral }.map(\.rawValue)
            throw ModelError(file: file.path, "general.architecture '\(name)' is not supported; PrefLab reads \(known.joined(separator: ", "))")
        }
        let descriptor = architecture.descriptor
        var json: [String: Any] = ["model_type": architecture.rawValue]
        for entry in GGUFConfigKeys.table(descriptor) {
            let key = "\(name).\(entry.gguf)"
            guard let value = file[key] else { continue }
            switch entry.kind {
            case .count:
                // A per-layer array (some files give one count per layer) is not a model PrefLab runs.
                guard let count = value.int else { throw ModelError(file: file.path, "\(key) must be a whole number, got a \(value.type)") }
                json[entry.json] = count
            case .real:
                guard let real = value.double else { throw ModelError(file: file.path, "\(key) must be a number, got a \(value.type)") }
                // Stored as f32: widened exactly as transformers widens it (1e-5 reads 9.99999974738e-06).
                json[entry.json] = real
            }
        }
        if json["vocab_size"] == nil, let tokens = file["tokenizer.ggml.tokens"]?.array { json["vocab_size"] = tokens.count }
        // Tied embeddings are stated by absence: no `output.weight` means the head is the embedding table.
        if descriptor.untiedHead { json["tie_word_embeddings"] = !file.tensorRecords.contains { $0.name == "output.weight" } }
        // Llama's optional biases are stated by their tensors, as llama.cpp reads them.
        if architecture == .llama {
            let names = LlamaLayerNames(layer: 0)
            json["attention_bias"] = file.tensorRecords.contains { $0.name == names.q.gguf.map { $0 + ".bias" } }
            json["mlp_bias"] = file.tensorRecords.contains { $0.name == names.gate.gguf.map { $0 + ".bias" } }
        }
        if let bos = file["tokenizer.ggml.bos_token_id"]?.int { json["bos_token_id"] = bos }
        if let eos = file["tokenizer.ggml.eos_token_id"]?.int { json["eos_token_id"] = eos }
        if file.tensorRecords.contains(where: { $0.name == "rope_freqs.weight" }) {
            throw ModelError(file: file.path, tensor: "rope_freqs.weight",
                             "holds per-frequency RoPE factors (Llama 3.1-style scaling), which PrefLab's GGUF loader does not apply; load the Hugging Face directory instead")
        }
        try self.init(json: json, file: file.path)
    }
}
