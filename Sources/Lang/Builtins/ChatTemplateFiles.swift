import Foundation
import Models

/// A tokenizer's chat template and special tokens, read from the Hugging Face files beside its
/// tokenizer.json: `chat_template.jinja`, else `tokenizer_config.json`'s `chat_template` (a
/// string, or a list of named templates whose "default" is used), and that config's
/// `bos_token`, `eos_token`, `unk_token` and `pad_token`. A stand-in until `Tokenizer` carries
/// its chat template itself (also from GGUF files); only this file changes then.
struct ChatTemplateFiles {
    let template: String?
    /// The special tokens transformers passes to the template, by variable name.
    let specialTokens: [String: String]

    init(tokenizer: Tokenizer) throws {
        let directory = URL(fileURLWithPath: tokenizer.path).deletingLastPathComponent()
        let jinjaPath = directory.appendingPathComponent("chat_template.jinja").path
        let configPath = directory.appendingPathComponent("tokenizer_config.json").path
        var config: [String: Any] = [:]
        if let data = FileManager.default.contents(atPath: configPath) {
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ModelError(file: configPath, "is not a JSON object")
            }
            config = object
        }
        if let data = FileManager.default.contents(atPath: jinjaPath) {
            guard let text = String(data: data, encoding: .utf8) else { throw ModelError(file: jinjaPath, "is not UTF-8 text") }
            template = text
        } else if let text = config["chat_template"] as? String {
            template = text
        } else if let named = config["chat_template"] as? [[String: Any]] {
            template = named.first { $0["name"] as? String == "default" }?["template"] as? String
        } else {
            template = nil
        }
        var tokens: [String: String] = [:]
        for name in ["bos_token", "eos_token", "unk_token", "pad_token"] {
            // A token is written as its text or as an AddedToken object holding it in "content".
            if let text = config[name] as? String ?? (config[name] as? [String: Any])?["content"] as? String { tokens[name] = text }
        }
        specialTokens = tokens
    }
}
