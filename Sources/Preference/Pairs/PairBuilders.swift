import Base

/// The public datasets the DPOP paper built pairs from, and what a builder produced.
public enum PairSource: String, CaseIterable, Sendable {
    case arc, hellaswag, metamath, gsm8k

    /// The pairs built from the JSONL file at `path`. `seed` drives the seeded choices (which
    /// number the math builders corrupt, and to what); the same seed gives the same pairs.
    public func build(path: String, seed: UInt64 = 0) throws -> BuiltPairs {
        let lines = try JSONLines.read(path, noun: "pair")
        switch self {
        case .arc: return try ARCPairs.build(lines)
        case .hellaswag: return try HellaSwagPairs.build(lines)
        case .metamath: return try MathPairs.build(lines, format: .metaMath, seed: seed)
        case .gsm8k: return try MathPairs.build(lines, format: .gsm8k, seed: seed)
        }
    }

    /// Parses a kind name as the language writes it ("arc", "hellaswag", "metamath", "gsm8k").
    public static func named(_ name: String) throws -> PairSource {
        guard let kind = PairSource(rawValue: name.lowercased()) else {
            throw PreferenceError("kind", "unknown pair source '\(name)'; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return kind
    }
}

/// A builder's output: the pairs, and the items that gave none with the reason (a one-step
/// solution has no intermediate result to corrupt; a wrong answer may repeat the right one).
public struct BuiltPairs: Sendable {
    public var pairs: [PreferencePair]
    public var skipped: [PreferenceError]

    public init(pairs: [PreferencePair] = [], skipped: [PreferenceError] = []) {
        self.pairs = pairs
        self.skipped = skipped
    }
}

/// Prompt layout shared by the builders and generators: the question, the options when there are
/// any, then `Answer:` and a newline. The newline ends the prompt so that completions start
/// with their own text (no leading space) and, tokenised separately, begin on a fresh token.
enum PairPrompt {
    static func question(_ text: String, options: [(label: String, text: String)] = []) -> String {
        var prompt = "Question: \(text)\n"
        for option in options { prompt += "\(option.label). \(option.text)\n" }
        return prompt + "Answer:\n"
    }
}
