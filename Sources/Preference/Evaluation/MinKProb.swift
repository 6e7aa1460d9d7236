/// Min-K% Prob (Shi et al. 2023, "Detecting Pretraining Data from Large Language Models",
/// arXiv:2310.16789): the mean log-prob of the k % least likely tokens of a text. Text a model
/// was trained on has few very unlikely tokens, so a higher (less negative) value hints that the
/// model has seen it.
public enum MinKProb {
    /// The paper's default k.
    public static let defaultFraction = 0.2

    /// The mean of the ⌊k·N⌋ lowest of the N token log-probs, and at least of the lowest one
    /// (the authors' code, `int(len(all_prob) * ratio)`, would average nothing below 1/k tokens).
    /// The authors' code stores the negation of this value. nil for no tokens.
    public static func score(_ logprobs: [Double], fraction k: Double = defaultFraction) -> Double? {
        guard !logprobs.isEmpty else { return nil }
        let count = max(1, Int(Double(logprobs.count) * k))
        let lowest = logprobs.sorted().prefix(count)
        return lowest.reduce(0, +) / Double(lowest.count)
    }
}
