import Models
import Training

/// What `generate` runs once its arguments are read, public so that preflab-bench times exactly
/// the path a user's call takes: the engine's forward with a KV cache, stopping at the caller's
/// stop strings and at the end of an assistant's turn when the tokenizer has a chat template.
public enum TextGeneration {
    /// The caller's stop strings and the chat template's end of turn, when there is one.
    public static func stopStrings(_ stop: [String], model: TransformerModel) -> [String] {
        guard let tokenizer = model.tokenizer, let end = Builtins.endOfTurn(of: tokenizer), !stop.contains(end) else { return stop }
        return stop + [end]
    }

    /// The ids made after `prompt` (ids in, ids out).
    public static func tokens(_ model: TransformerModel, prompt: [Int], maxTokens: Int, sampling: TransformerModel.Sampling,
                              stop: [String]) throws -> [Int] {
        try InferenceModel(model: model).generate(prompt: prompt, maxTokens: maxTokens, sampling: sampling,
                                                  stop: stopStrings(stop, model: model))
    }

    /// The text made after `prompt`, through the model's tokenizer, cut before the first stop string.
    public static func text(_ model: TransformerModel, tokenizer: Tokenizer, prompt: String, maxTokens: Int,
                            sampling: TransformerModel.Sampling, stop: [String]) throws -> String {
        let made = try tokens(model, prompt: tokenizer.encode(prompt), maxTokens: maxTokens, sampling: sampling, stop: stop)
        let output = try tokenizer.decode(made, skipSpecialTokens: true)
        guard let cut = stopStrings(stop, model: model).compactMap({ output.range(of: $0)?.lowerBound }).min() else { return output }
        return String(output[..<cut])
    }
}
