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
}

/// The rows of a batch of pairs laid out for the engine: 2P rows of T positions, pair p's chosen
/// row at 2p and rejected row at 2p + 1; every real next token is a target, and each row knows
/// where its prompt ends.
struct PairRows {
    let pairs: Int
    let length: Int
    var inputs: [Int32]
    var targets: [Int32]
    /// Per row: positions [0, promptEnd) predict prompt tokens; [promptEnd, end) predict completion tokens.
    var promptEnd: [Int]
    var end: [Int]

    init(_ batch: [PairTokens], length: Int) {
        pairs = batch.count
        self.length = length
        inputs = []
        targets = []
        promptEnd = []
        end = []
        for pair in batch {
            for completion in [pair.chosen, pair.rejected] {
                let ids = Array((pair.prompt + completion).prefix(length + 1))
                let scored = ids.count - 1
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
