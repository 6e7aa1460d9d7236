import Foundation
import Models
import Tensor
import Training

/// One preference pair as token ids: the prompt, and each completion (EOS included) that
/// follows it. Chosen and rejected rows are prompt + completion.
public struct PairTokens: Equatable, Sendable {
    public var prompt: [Int32]
    public var chosen: [Int32]
    public var rejected: [Int32]

    public init(prompt: [Int32], chosen: [Int32], rejected: [Int32]) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
    }

    /// The first completion position where chosen and rejected differ (past the end when they
    /// are equal, so every token counts as "before").
    public var firstDifference: Int {
        PairDistance.firstDifference(chosen, rejected) ?? chosen.count
    }

    /// How many tokens of `completion` a row of `length` positions scores: the row holds
    /// length + 1 tokens, and the first completion token is predicted from the prompt's last.
    func scoredTokens(_ completion: [Int32], length: Int) -> Int {
        max(0, min(completion.count, length + 1 - prompt.count))
    }
}

/// What rows of `seq_len` positions cut from a set of pairs. A row holds seq_len + 1 tokens,
/// prompt then completion, so a longer pair loses the end of its completions; a pair whose
/// prompt alone fills the row would have no completion token to train on, and is refused.
public struct SequenceCut: Equatable, Sendable {
    public let length: Int
    /// Pairs in the set.
    public let total: Int
    /// Pairs with a completion cut short.
    public let pairs: Int
    /// Completion tokens cut, over all pairs and both completions.
    public let tokens: Int
    /// The most tokens cut from one completion.
    public let mostFromOne: Int

    /// - Throws: `PreferenceError` on "seq_len" naming the first pair (from 1) whose prompt
    ///   leaves no completion token within `length`. Prompts must not be empty.
    public init(_ pairs: [PairTokens], length: Int) throws {
        var cutPairs = 0, tokens = 0, mostFromOne = 0
        for (index, pair) in pairs.enumerated() {
            guard pair.prompt.count <= length else {
                throw PreferenceError("seq_len", "pair \(index + 1): its prompt of \(pair.prompt.count) tokens leaves no room for a completion token in seq_len \(length); "
                                      + "raise seq_len to at least \(pair.prompt.count), or cut prompts to at most \(length) tokens with max_prompt_length")
            }
            let cuts = [pair.chosen, pair.rejected].map { $0.count - pair.scoredTokens($0, length: length) }
            if cuts.contains(where: { $0 > 0 }) { cutPairs += 1 }
            tokens += cuts[0] + cuts[1]
            mostFromOne = max(mostFromOne, cuts[0], cuts[1])
        }
        self.length = length
        total = pairs.count
        self.pairs = cutPairs
        self.tokens = tokens
        self.mostFromOne = mostFromOne
    }

    /// What was cut, in a sentence, or nil when nothing was.
    public var summary: String? {
        guard pairs > 0 else { return nil }
        return "\(pairs) of \(total) pairs were cut to seq_len \(length) "
            + "(\(tokens) completion token\(tokens == 1 ? "" : "s") dropped, at most \(mostFromOne) from one completion)"
    }
}

/// The rows of a batch of pairs laid out for the engine: 2P rows of T positions, pair p's chosen
/// row at 2p and rejected row at 2p + 1; every real next token is a target, and each row knows
/// where its prompt ends. A pair longer than T + 1 tokens loses the end of its completions
/// (`SequenceCut` counts what is lost, and refuses pairs that would keep none).
struct PairRows {
    let pairs: Int
    let length: Int
    var inputs: [Int32]
    var targets: [Int32]
    /// Per row: positions [0, promptEnd) predict prompt tokens; [promptEnd, end) predict completion tokens.
    var promptEnd: [Int]
    var end: [Int]
    /// Positions holding a real token, which the forward pass reads: prompt and completion of
    /// every row, cut to `length`, padding left out.
    var inputTokens: Int

    init(_ batch: [PairTokens], length: Int) {
        pairs = batch.count
        self.length = length
        inputs = []
        targets = []
        promptEnd = []
        end = []
        inputTokens = 0
        for pair in batch {
            for completion in [pair.chosen, pair.rejected] {
                let ids = Array((pair.prompt + completion).prefix(length + 1))
                let scored = ids.count - 1
                inputTokens += min(ids.count, length)
                inputs += ids.prefix(length) + [Int32](repeating: 0, count: length - min(ids.count, length))
                targets += ids.dropFirst() + [Int32](repeating: -1, count: length - scored)
                // Position i predicts token i + 1: the completion starts at the prompt's last position.
                promptEnd.append(max(0, min(pair.prompt.count - 1, scored)))
                end.append(max(0, scored))
            }
        }
    }

    /// Σ log p over positions [from, to) of `row`.
    func sum(_ logprobs: [Float], row: Int, from: Int, to: Int) -> Double {
        guard from < to else { return 0 }
        var total = 0.0
        for t in from..<to { total += Double(logprobs[row * length + t]) }
        return total
    }
}
