import Foundation
import Models

/// PrefLab's embedded default model: a small Llama and its BPE tokenizer that PrefLab made from
/// nothing — a synthetic corpus of worked arithmetic problems and multiple-choice questions,
/// pre-training, then SFT — with `examples/default-model.pref` (run by `scripts/default-model`).
/// Its files are committed (4 MB), so experiments start at once; `card.json` beside them records
/// the recipe's final losses and held-out exact-match accuracy.
public enum DefaultModel {
    /// The folder holding config.json, model.safetensors, tokenizer.json and card.json: the copy
    /// SwiftPM puts beside the executable, or else the source tree the executable was built from.
    public static func directory() throws -> String {
        let besideExecutable = Bundle.main.bundleURL.appendingPathComponent("PrefLab_DefaultModel.resources/Files").path
        let inSources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Files").path
        for candidate in [besideExecutable, inSources] where FileManager.default.fileExists(atPath: candidate + "/config.json") {
            return candidate
        }
        throw ModelError(file: besideExecutable, "the default model's files are missing (looked there and in \(inSources)); rebuild PrefLab or run scripts/default-model")
    }

    /// A fresh copy of the default model, with its tokenizer.
    public static func load() throws -> TransformerModel {
        try TransformerModel.load(directory: try directory())
    }
}
