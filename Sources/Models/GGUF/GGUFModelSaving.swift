import Base
import Foundation
import Tensor

/// How `save_model(…, "x.gguf", type:)` stores a model's matrices; norms and biases stay F32,
/// as llama.cpp's converter keeps them.
public enum GGUFStorage: String, SettingChoice, Sendable {
    case f32, f16, q8_0

    /// The option that chooses it, as `save_model` takes it.
    public static let setting = Setting("type", GGUFStorage.f32, "how a GGUF file stores the matrices: f32, f16 or q8_0 (norms and biases stay f32)")

    var tensorType: GGUFTensorType {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .q8_0: .q8_0
        }
    }

    /// llama.cpp's `llama_ftype` for the file (not the tensor type id: Q8_0 is type 8, ftype 7).
    var fileType: UInt32 {
        switch self {
        case .f32: 0
        case .f16: 1
        case .q8_0: 7
        }
    }
}

extension TransformerModel {
    /// Writes the model as a GGUF file llama.cpp and Ollama load: the config as llama.cpp's typed
    /// keys, the tokenizer and chat template as metadata, and every weight under its GGUF name in
    /// llama.cpp's layout (llama's Q/K rows interleaved, GPT-2's Conv1D weights as [out, in]).
    /// Written atomically.
    public func save(gguf path: String, storage: GGUFStorage) throws {
        let descriptor = config.descriptor
        if let rope = config.rope, rope.kind != .default {
            throw ModelError(file: path, "the model's \(rope.kind) RoPE scaling has no GGUF form PrefLab writes; save a Hugging Face directory instead")
        }
        let architecture = GGUFConfigKeys.ggufArchitecture(config.architecture)
        var metadata: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string(architecture)), ("general.name", .string("PrefLab \(config.architecture.rawValue)")),
            ("general.file_type", .uint32(storage.fileType))]
        if storage.tensorType.blockElements > 1 { metadata.append(("general.quantization_version", .uint32(2))) }
        let values = config.huggingFaceJSON
        for entry in GGUFConfigKeys.table(descriptor) {
            guard let value = values[entry.json] as? NSNumber else { continue }
            switch entry.kind {
            case .count: metadata.append(("\(architecture).\(entry.gguf)", .uint32(UInt32(truncatingIfNeeded: value.intValue))))
            case .real: metadata.append(("\(architecture).\(entry.gguf)", .float32(value.floatValue)))
            }
        }
        if let tokenizer {
            do { metadata += try tokenizer.ggufMetadata().map { (key: $0.0, value: $0.1) } } catch {
                throw ModelError(file: path, "the model's tokenizer has no GGUF form: \(error)")
            }
        }
        let interleaved = config.ggufInterleavedHeads
        var tensors: [(name: String, tensor: Tensor, type: GGUFTensorType)] = []
        for spec in Self.expectedWeights(config) {
            guard let name = spec.gguf, var weight = weights[spec.name] else {
                throw ModelError(file: path, tensor: spec.name, "has no GGUF name or no value")
            }
            if let heads = interleaved[spec.name] { weight = try weight.rotaryRows(heads: heads, toGGUF: true) }
            if spec.transposedInGGUF { weight = try weight.transposed().contiguous() }
            tensors.append((name, weight, storage.type(for: weight)))
        }
        try GGUFWriter.write(metadata: metadata, tensors: tensors, to: path)
    }
}

extension GGUFStorage {
    /// Matrices take the storage's type when their rows fill whole blocks; vectors, and rows a
    /// block does not divide, stay F32.
    fileprivate func type(for weight: Tensor) -> GGUFTensorType {
        guard weight.rank >= 2, weight.shape[weight.rank - 1] % tensorType.blockElements == 0 else { return .f32 }
        return tensorType
    }
}

extension Tensor {
    /// Rows [H·D, …] between transformers' order and llama.cpp's, which interleaves each head's
    /// halves for its adjacent-pair RoPE: GGUF row 2i + p of a head is transformers' row
    /// p·D/2 + i (p ∈ {0, 1}, i < D/2).
    func rotaryRows(heads: Int, toGGUF: Bool) throws -> Tensor {
        let half = shape[0] / heads / 2
        let columns = rank > 1 ? shape[1] : 1
        let grouped = toGGUF ? [heads, 2, half, columns] : [heads, half, 2, columns]
        return try reshaped(grouped).permuted([0, 2, 1, 3]).contiguous().reshaped(shape)
    }
}
