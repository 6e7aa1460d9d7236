import Foundation

/// tokenizer_config.json: what transformers keeps beside tokenizer.json — the special tokens by
/// role (by text), add_bos_token/add_eos_token and the chat template. PrefLab reads the roles and the
/// template and keeps the whole object, so writing it back loses none of the keys it does not read.
public struct TokenizerConfig {
    static let fileName = "tokenizer_config.json"
    /// transformers' file for the default chat template, which wins over the config's entry.
    static let templateFileName = "chat_template.jinja"

    /// The object as read or built (empty when there is none), with the chat template folded in.
    let json: [String: Any]
    /// The Jinja chat template: the config's string, or the entry named "default" of its list of
    /// {name, template}, or chat_template.jinja.
    public let chatTemplate: String?

    public var bosToken: String? { Self.tokenText(json["bos_token"]) }
    public var eosToken: String? { Self.tokenText(json["eos_token"]) }
    public var unknownToken: String? { Self.tokenText(json["unk_token"]) }
    public var paddingToken: String? { Self.tokenText(json["pad_token"]) }

    init(json: [String: Any], file: String) throws {
        switch json["chat_template"] {
        case nil, is NSNull:
            chatTemplate = nil
        case let text as String:
            chatTemplate = text
        case let list as [Any]:
            let named = try list.map { entry -> (String, String) in
                guard let entry = entry as? [String: Any], let name = entry["name"] as? String, let template = entry["template"] as? String else {
                    throw ModelError(file: file, "chat_template must be a string or a list of {\"name\", \"template\"}")
                }
                return (name, template)
            }
            chatTemplate = named.first { $0.0 == "default" }?.1
        default:
            throw ModelError(file: file, "chat_template must be a string or a list of {\"name\", \"template\"}")
        }
        self.json = json
    }

    /// The settings in `directory`: tokenizer_config.json and chat_template.jinja, each when present.
    init(directory: String) throws {
        let configPath = directory + "/" + Self.fileName
        var json: [String: Any] = [:]
        if let data = FileManager.default.contents(atPath: configPath) {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ModelError(file: configPath, "is not a JSON object")
            }
            json = object
        }
        if let data = FileManager.default.contents(atPath: directory + "/" + Self.templateFileName) {
            guard let template = String(data: data, encoding: .utf8) else {
                throw ModelError(file: directory + "/" + Self.templateFileName, "is not UTF-8 text")
            }
            json["chat_template"] = template
        }
        try self.init(json: json, file: configPath)
    }

    /// tokenizer_config.json's bytes, or nil when there are no settings to write.
    func document() throws -> Data? {
        guard !json.isEmpty else { return nil }
        do {
            return try JSONSerialization.data(withJSONObject: json, options: [.prettyPrinted, .sortedKeys])
        } catch {
            throw ModelError(file: Self.fileName, "cannot be written: \(error.localizedDescription)")
        }
    }

    /// A special token is its text, or an AddedToken object with the text as `content`.
    private static func tokenText(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        return (value as? [String: Any])?["content"] as? String
    }
}
