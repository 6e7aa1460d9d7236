import Base
import Models

/// Supervised fine-tuning pairs: JSON lines with `prompt` and `completion`.
enum PromptCompletionLoading {
    /// Prompt and completion are tokenised separately and joined, as `completion_logprob` does:
    /// the prompt with the tokenizer's template (e.g. BOS), the completion without, so the
    /// completion's first token never merges with the end of the prompt and the prompt/completion
    /// boundary is exact. Only completion tokens and the EOS are in the loss: the model learns to
    /// answer, and to stop, not to write prompts.
    static func load(_ lines: [JSONLine], path: String, tokenizer: Tokenizer, eos: Int32?) throws -> TrainingData {
        var examples: [TrainingExample] = []
        examples.reserveCapacity(lines.count)
        for line in lines {
            let prompt = try Tokenization.ids(tokenizer.encode(try line.string("prompt"), addSpecialTokens: true), tokenizer: tokenizer)
            var completion = try Tokenization.ids(tokenizer.encode(try line.string("completion"), addSpecialTokens: false), tokenizer: tokenizer)
            if let eos { completion.append(eos) }
            guard !completion.isEmpty else {
                throw TrainingError(line.place, "'completion' is empty and there is no EOS token, so nothing would be learned")
            }
            examples.append(TrainingExample(ids: prompt + completion, lossStart: prompt.count))
        }
        return TrainingData(source: path, format: .promptCompletion, examples: examples)
    }
}
