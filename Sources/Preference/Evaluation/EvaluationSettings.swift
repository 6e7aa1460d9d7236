import Base

/// The options of the evaluations, each declared once: `eval_mc`, `eval_gsm8k` and
/// `contamination` take them by name, and their help and signatures are derived from here.
public struct MultipleChoiceDeclarations: Sendable {
    public let limit = Setting("limit", Int?.none, "evaluate only the first questions (lm-evaluation-harness's --limit); nil: all", check: checkLimit)
    public let shots = Setting("shots", 0, "examples (prompt, answer, blank line) before each question, from the file's other questions", check: Check.atLeast(0))
    public let seed = Setting("seed", UInt64(1234), "seeds the choice of examples (lm-evaluation-harness's default seed)")
    public let bos = Setting("bos", true, "start each context with BOS")
}

public struct GSM8KDeclarations: Sendable {
    public let shots = Setting("shots", 5, "worked examples before each question, from the file's other problems (lm-evaluation-harness: 5)", check: Check.atLeast(0))
    public let limit = Setting("limit", Int?.none, "evaluate only the first problems; nil: all", check: checkLimit)
    public let maxNewTokens = Setting("max_new_tokens", 256, "the longest answer generated (lm-evaluation-harness's max_gen_toks)") { count in
        (1...GSM8KEvaluation.maxNewTokensLimit).contains(count) ? nil : "must be between 1 and \(GSM8KEvaluation.maxNewTokensLimit), got \(count)"
    }
    public let seed = Setting("seed", UInt64(1234), "seeds the choice of examples")
    public let bos = Setting("bos", true, "start each prompt with BOS")
    /// Generation also stops at the model's EOS; the response is cut before the first of these.
    public let stop = Setting("stop", ["Question:", "</s>", "<|im_end|>"], "texts that end an answer") { stops in
        stops.firstIndex(of: "").map { "stop sequence \($0) is empty" }
    }
}

public struct ContaminationDeclarations: Sendable {
    public let samples = Setting("samples", 100, "samples drawn from the file after a seeded shuffle (the repository takes 100)", check: Check.atLeast(1))
    public let neighbours = Setting("neighbours", NeighbourComparison.defaultNeighbours, "continuations the reference writes per sample") { count in
        (1...Contamination.maxNeighbours).contains(count) ? nil : "must be between 1 and \(Contamination.maxNeighbours), got \(count)"
    }
    public let prefixRatio = Setting("ratio", NeighbourComparison.defaultPrefixRatio, "the share of a sample's words the neighbours continue") { ratio in
        ratio > 0 && ratio < 1 ? nil : "must be a fraction in (0, 1), got \(ratio)"
    }
    public let k = Setting("k", MinKProb.defaultFraction, "Min-K% Prob's fraction of lowest token log-probs") { k in
        k > 0 && k <= 1 ? nil : "must be a fraction in (0, 1], got \(k)"
    }
    public let threshold = Setting("threshold", NeighbourComparison.defaultThreshold, "a sample counts as seen when its share is below this") { threshold in
        threshold > 0 && threshold <= 1 ? nil : "must be in (0, 1], got \(threshold)"
    }
    /// Neighbour sampling: Hugging Face `generate(do_sample=True)`'s defaults.
    public let topK = Setting("top_k", 50, "neighbour sampling keeps the k likeliest tokens (0: every token)") { k in
        k >= 0 ? nil : "must not be negative (0 keeps every token), got \(k)"
    }
    public let temperature = Setting("temperature", 1.0, "neighbour sampling's temperature", check: Check.positive())
    public let seed = Setting("seed", UInt64(0), "seeds the shuffle and the neighbours' sampling")
}

/// nil (every item) or at least 1.
private let checkLimit: @Sendable (Int?) -> String? = { limit in
    guard let limit, limit < 1 else { return nil }
    return "must be at least 1 (or nil for every item), got \(limit)"
}

extension MultipleChoiceEvaluation {
    public struct Options: SettingSet {
        public static let table = SettingTable(MultipleChoiceDeclarations())
        public var values: [String: SettingValue]
        public init() { values = Self.table.defaults }
    }
}

extension GSM8KEvaluation {
    public struct Options: SettingSet {
        public static let table = SettingTable(GSM8KDeclarations())
        public var values: [String: SettingValue]
        public init() { values = Self.table.defaults }
    }
}

extension Contamination {
    public struct Options: SettingSet {
        public static let table = SettingTable(ContaminationDeclarations())
        public var values: [String: SettingValue]
        public init() { values = Self.table.defaults }
    }
}
