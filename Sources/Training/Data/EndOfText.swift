import Models

extension Tokenizer {
    /// The id of this tokenizer's end-of-text token, found by the names the supported families use:
    /// Llama 3's `<|end_of_text|>`, GPT-2's and Qwen2's `<|endoftext|>`, SentencePiece's `</s>`,
    /// Gemma's `<eos>`. tokenizer.json does not say which token ends a document (config.json
    /// does, as `eos_token_id`), so a caller with a model config should pass that id instead.
    public var endOfTextId: Int? {
        for name in ["<|end_of_text|>", "<|endoftext|>", "</s>", "<eos>"] {
            if let id = id(of: name) { return id }
        }
        return nil
    }
}
