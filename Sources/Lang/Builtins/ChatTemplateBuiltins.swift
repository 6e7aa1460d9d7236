import ChatTemplates
import Models

/// Conversations in a model's own chat format, rendered from its Hugging Face chat template as
/// transformers' `apply_chat_template(…, tokenize=False)` does.
extension Builtins {
    static let chatTemplates: [Builtin] = [
        Builtin("chat_template(m, messages, add_generation_prompt = true, template = nil)", topic: "models",
                doc: "The conversation (a list of records {role, content}) as text in the chat format of m (a model or tokenizer with a chat template: from its GGUF metadata, its tokenizer_config.json or chat_template.jinja), with its special tokens; template: Jinja text to use instead (m may then be nil). add_generation_prompt ends with the assistant's header. Errors in the template name its line and column; the template's raise_exception(…) becomes an error with its message.",
                example: "chat_template(default_model(), [{role: \"user\", content: \"What is 2 + 3?\"}], template: \"{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\\n{% endif %}\")") { a in
            let chat = try chatTemplate(a)
            let messages = try a.list("messages").map { message in
                guard case .record = message else { throw BuiltinError("messages must be records {role, content}, got a \(message.typeName)") }
                return try templateValue(message)
            }
            return .string(try chat.template.render(messages: messages, addGenerationPrompt: try a.bool("add_generation_prompt"),
                                                    bosToken: chat.bos, eosToken: chat.eos, extra: chat.otherTokens))
        },
        Builtin("chat_end_of_turn(m, template = nil)", topic: "models",
                doc: "The text m's chat template writes after an assistant message (<|im_end|> for ChatML, <|eot_id|> for Llama 3, the EOS token for Mistral), for generate's stop; nil when the template writes none. m and template as for chat_template.",
                example: "chat_end_of_turn(nil, template: \"{% for m in messages %}<|im_start|>{{ m.role }}\\n{{ m.content }}<|im_end|>\\n{% endfor %}\")") { a in
            return try chatTemplate(a).endOfTurn.map(Value.string) ?? .nil
        },
    ]

    /// The template to render (the argument `template`, else the tokenizer's) with `m`'s special tokens.
    private static func chatTemplate(_ a: Arguments) throws -> TokenizerChat {
        let config = try a.isNil("m") ? nil : try a.tokenizerValue("m").config
        if try !a.isNil("template") { return try TokenizerChat(source: try a.string("template"), config: config) }
        guard let config else { throw BuiltinError("give m (a model or tokenizer with a chat template) or template") }
        guard let source = config.chatTemplate else {
            throw BuiltinError("the tokenizer has no chat template (none in its GGUF metadata, tokenizer_config.json or chat_template.jinja); pass template: …")
        }
        return try TokenizerChat(source: source, config: config)
    }

    /// What the tokenizer's chat template writes after an assistant's turn, when it has a
    /// template and writes one: generation stops there, as chat front ends stop.
    static func endOfTurn(of tokenizer: Tokenizer) -> String? {
        guard let source = tokenizer.config.chatTemplate, let chat = try? TokenizerChat(source: source, config: tokenizer.config) else { return nil }
        return chat.endOfTurn
    }

    /// A language value as the template sees it: whole numbers as Python ints, records as dicts.
    private static func templateValue(_ value: Value) throws -> TemplateValue {
        switch value {
        case .nil: return .none
        case .bool(let b): return .bool(b)
        case .string(let s): return .string(s)
        case .number(let x): return x.rounded() == x && abs(x) < 9.0e15 ? .int(Int(x)) : .double(x)
        case .list(let items): return .list(try items.map(templateValue))
        case .record(let fields): return .dict(TemplateDictionary(try fields.map { ($0.key, try templateValue($0.value)) }))
        default: throw BuiltinError("a \(value.typeName) cannot be passed to a chat template (use strings, numbers, bools, lists and records)")
        }
    }
}

/// A chat template with the special tokens transformers passes it: BOS and EOS by their own
/// parameters, the unknown and padding tokens by name.
private struct TokenizerChat {
    let template: ChatTemplate
    let bos: String?
    let eos: String?
    let otherTokens: [String: TemplateValue]

    init(source: String, config: TokenizerConfig?) throws {
        template = try ChatTemplate(source: source)
        bos = config?.bosToken
        eos = config?.eosToken
        var others: [String: TemplateValue] = [:]
        if let unknown = config?.unknownToken { others["unk_token"] = .string(unknown) }
        if let padding = config?.paddingToken { others["pad_token"] = .string(padding) }
        otherTokens = others
    }

    var endOfTurn: String? { template.endOfTurn(bosToken: bos, eosToken: eos, extra: otherTokens) }
}

