/// The statistic behind the Smaug model card's "contamination results with reference model",
/// computed by swj0419/detect-pretrain-code-contamination (`src/run.py`, `evaluate_RMIA`;
/// `src/analyze.py`, `analyze_data`).
///
/// For a sample x, the reference model writes neighbours: it continues the first 40 % of x's
/// words (whitespace-split, rounded up) by as many tokens as x has remaining words. The target
/// model's mean token loss on each neighbour is compared with its loss on x; the sample's value
/// is the share of neighbours with a **lower** loss than x. A model that memorised x finds x
/// easier than text like it, so its share is near 0. The benchmark's score is the share of
/// samples whose value is below 0.1; the repository reads a score above 0.9 as "highly likely"
/// trained on.
public enum NeighbourComparison {
    /// `ratio_gen`: the share of a sample's words the neighbours start from.
    public static let defaultPrefixRatio = 0.4
    /// Neighbours per sample (`num_z`).
    public static let defaultNeighbours = 100
    /// A sample counts as contaminated below this share.
    public static let defaultThreshold = 0.1
    /// Neighbours are cut to this many tokens before the target scores them (`max_length=150`).
    public static let neighbourTokenLimit = 150

    /// The share of `neighbourLosses` strictly below `sampleLoss` (a NaN loss is never below).
    public static func share(sampleLoss: Double, neighbourLosses: [Double]) -> Double {
        guard !neighbourLosses.isEmpty else { return .nan }
        return Double(neighbourLosses.filter { $0 < sampleLoss }.count) / Double(neighbourLosses.count)
    }

    /// The benchmark's score: the share of samples whose neighbour share is below `threshold`.
    public static func score(_ shares: [Double], threshold: Double = defaultThreshold) -> Double? {
        guard !shares.isEmpty else { return nil }
        return Double(shares.filter { $0 < threshold }.count) / Double(shares.count)
    }

    /// Where the neighbours start: the first ⌈ratio · W⌉ of the text's W whitespace-split words,
    /// joined by single spaces, and how many new tokens to write (the other words' count).
    public static func prefix(of text: String, ratio: Double = defaultPrefixRatio) -> (prefix: String, newTokens: Int) {
        let words = text.split(whereSeparator: \.isWhitespace)
        let kept = min(words.count, Int((Double(words.count) * ratio).rounded(.up)))
        return (words.prefix(kept).joined(separator: " "), words.count - kept)
    }
}
