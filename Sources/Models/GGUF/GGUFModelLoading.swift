import Base
import Foundation
import Tensor

extension TransformerModel {
    /// The model in a GGUF file: its config from the metadata, every weight dequantised to
    /// Float32 under its Hugging Face name and layout (llama's Q/K rows un-interleaved, GPT-2's
    /// Conv1D weights transposed back), as transformers' GGUF loader gives them, and the
    /// tokenizer the metadata describes.
    public static func load(gguf path: String) throws -> TransformerModel {
        let file = try GGUFFile(path: path)
        let config = try ModelConfig(gguf: file)
        let stored = Set(file.tensorRecords.map(\.name))
        let interleaved = config.ggufInterleavedHeads
        var weights: [String: Tensor] = [:]
        for spec in expectedWeights(config) {
            guard let name = spec.gguf, stored.contains(name) else {
                throw ggufMissing(spec, file: file, config: config)
            }
            var weight = try file.tensor(named: name)
            if spec.transposedInGGUF { weight = try weight.transposed().contiguous() }
            if let heads = interleaved[spec.name] {
                guard weight.shape[0] % (2 * heads) == 0 else {
                    throw ModelError(file: path, tensor: name, "has \(weight.shape[0]) rows, which do not split into \(heads) heads of an even size")
                }
                weight = try weight.rotaryRows(heads: heads, toGGUF: false)
            }
            guard weight.shape == spec.shape else {
                throw ModelError(file: path, tensor: name, "has shape \(weight.shape), but the metadata makes \(spec.name) \(spec.shape)")
            }
            weights[spec.name] = weight
        }
        // A file may hold weights alone (llama.cpp needs a vocabulary, but converters of parts do not).
        let tokenizer = file["tokenizer.ggml.model"] == nil ? nil : try Tokenizer(gguf: file)
        return try TransformerModel(config: config, weights: weights, tokenizer: tokenizer)
    }

    /// The error for a weight the file lacks; when the metadata claims more layers than the file
    /// holds, it says so, since that is the likelier culprit.
    private static func ggufMissing(_ spec: WeightSpec, file: GGUFFile, config: ModelConfig) -> ModelError {
        let held = file.tensorRecords.compactMap { record -> Int? in
            guard record.name.hasPrefix(ggufLayerPrefix) else { return nil }
            return Int(record.name.dropFirst(ggufLayerPrefix.count).prefix { $0 != "." })
        }.max().map { $0 + 1 } ?? 0
        var message = "missing from the file (PrefLab's \(spec.name))"
        if held < config.layers {
            message += "; the metadata says \(config.layers) layers, but the file holds \(held)"
        }
        return ModelError(file: file.path, tensor: spec.gguf ?? spec.name, message)
    }

    /// Where a model path leads: a GGUF file, a directory holding exactly one GGUF file and no
    /// config.json, a Hugging Face directory, or a file naming one beside it (checkpoints/latest).
    public static func load(path: String) throws -> TransformerModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError(file: path, "no such file or folder; \(modelPathHint)")
        }
        if path.hasSuffix(".gguf") { return try load(gguf: path) }
        if !isDirectory.boolValue {
            if let named = folderNamed(by: path) { return try load(directory: named) }
            let advice = path.hasSuffix(".safetensors") ? "load the folder that holds it and its config.json: load_model(\"\(OutputPath.folder(of: path))\")" : modelPathHint
            throw ModelError(file: path, "is a file, not a model; \(advice)")
        }
        let config = path + "/config.json"
        if !FileManager.default.fileExists(atPath: config), let entries = try? FileManager.default.contentsOfDirectory(atPath: path) {
            let ggufs = entries.filter { $0.hasSuffix(".gguf") }.sorted()
            if ggufs.count == 1 { return try load(gguf: path + "/" + ggufs[0]) }
            if ggufs.count > 1 {
                throw ModelError(file: path, "holds \(ggufs.count) GGUF files (\(ggufs.joined(separator: ", "))) and no config.json; load one of them by its path")
            }
            throw ModelError(file: path, "holds no config.json and no .gguf file; \(modelPathHint)")
        }
        return try load(directory: path)
    }

    /// The model folder that a short text file names beside itself, as a run's
    /// checkpoints/latest names its newest checkpoint; nil for any other file.
    static func folderNamed(by file: String) -> String? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size <= 256,
              let data = FileManager.default.contents(atPath: file),
              let name = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !name.isEmpty, !name.contains("/") else { return nil }
        let folder = OutputPath.folder(of: file) + "/" + name
        return FileManager.default.fileExists(atPath: folder + "/config.json") ? folder : nil
    }

    /// What `load(path:)` takes, for its errors.
    static let modelPathHint = "give a model folder (config.json and *.safetensors), a .gguf file or a folder holding one"
}
