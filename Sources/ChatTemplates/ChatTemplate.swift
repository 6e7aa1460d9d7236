import Foundation

/// A Hugging Face chat template (Jinja), parsed once and rendered as transformers'
/// `apply_chat_template(…, tokenize=False)` renders it.
public struct ChatTemplate {
    public let source: String
    private let text: TemplateSource
    private let statements: [Statement]

    /// Parses the template; a `TemplateError` names the line and column of anything malformed
    /// or unsupported.
    public init(source: String) throws {
        self.source = source
        // Jinja reads every newline sequence as "\n" and drops one final newline
        // (keep_trailing_newline is off in transformers' environment).
        var normalized = source.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        if normalized.hasSuffix("\n") { normalized.removeLast() }
        text = TemplateSource(scalars: Array(normalized.unicodeScalars))
        statements = try TemplateParser.parse(text)
    }

    /// The conversation in the model's format. The template sees what transformers passes:
    /// `messages`, `tools` and `documents` (None), `add_generation_prompt`, the special tokens
    /// given, then `extra` (other special tokens such as `unk_token`, or template options),
    /// which overrides the rest as transformers' keyword arguments do.
    public func render(messages: [TemplateValue], addGenerationPrompt: Bool, bosToken: String? = nil, eosToken: String? = nil,
                       extra: [String: TemplateValue] = [:]) throws -> String {
        var variables: [String: TemplateValue] = [
            "messages": .list(messages), "tools": .none, "documents": .none, "add_generation_prompt": .bool(addGenerationPrompt),
        ]
        if let bosToken { variables["bos_token"] = .string(bosToken) }
        if let eosToken { variables["eos_token"] = .string(eosToken) }
        variables.merge(extra) { _, given in given }
        return try TemplateRenderer(source: text).render(statements, variables: variables)
    }

    /// Messages as string dictionaries. Swift's dictionaries have no order, so each message's
    /// keys are given to the template as `role`, `content`, then the rest sorted: the order
    /// messages are usually written in, which `tojson` and iteration show.
    public func render(messages: [[String: String]], addGenerationPrompt: Bool, bosToken: String? = nil, eosToken: String? = nil,
                       extra: [String: TemplateValue] = [:]) throws -> String {
        let values = messages.map { message in
            let keys = ["role", "content"].filter { message[$0] != nil } + message.keys.filter { $0 != "role" && $0 != "content" }.sorted()
            return TemplateValue.dict(TemplateDictionary(keys.map { ($0, .string(message[$0]!)) }))
        }
        return try render(messages: values, addGenerationPrompt: addGenerationPrompt, bosToken: bosToken, eosToken: eosToken, extra: extra)
    }

    /// The text the template writes after an assistant message (`<|im_end|>` for ChatML,
    /// `<|eot_id|>` for Llama 3, `eos_token` for Mistral), which generation can stop at; nil when
    /// the template writes nothing there or cannot render a user–assistant exchange.
    public func endOfTurn(bosToken: String? = nil, eosToken: String? = nil, extra: [String: TemplateValue] = [:]) -> String? {
        let probe = "PrefLabEndOfTurnProbe"
        let exchange: [[String: String]] = [["role": "user", "content": "Hello"], ["role": "assistant", "content": probe]]
        guard let rendered = try? render(messages: exchange, addGenerationPrompt: false, bosToken: bosToken, eosToken: eosToken, extra: extra),
              let end = rendered.range(of: probe, options: .backwards)?.upperBound else { return nil }
        let after = rendered[end...].trimmingCharacters(in: .whitespacesAndNewlines)
        return after.isEmpty ? nil : after
    }
}
