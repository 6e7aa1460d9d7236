import Foundation
import Training

/// Per-token change of completion log-probs from the reference, for every pair: what the
/// step metrics average, kept per position for tables and heatmaps.
public struct TokenProbe {
    /// Per pair, the change log p_policy − log p_ref of each chosen / rejected completion token.
    public let chosen: [[Float]]
    public let rejected: [[Float]]
    /// Per pair, the completion position where chosen and rejected first differ.
    public let firstDifferences: [Int]

    /// Scores every pair with `engine`'s current weights against `reference`.
    public static func measure(_ engine: TrainableModel, pairs: [PairTokens], reference: ReferenceLogprobs,
                               length: Int, batch: Int) throws -> TokenProbe {
        let now = try ReferenceLogprobs.compute(try InferenceModel(engine: engine), pairs: pairs, length: length, batch: batch)
        func change(_ a: [[Float]], _ b: [[Float]]) -> [[Float]] {
            zip(a, b).map { policy, ref in zip(policy, ref).map { $0 - $1 } }
        }
        return TokenProbe(chosen: change(now.chosenTokens, reference.chosenTokens),
                          rejected: change(now.rejectedTokens, reference.rejectedTokens),
                          firstDifferences: pairs.map(\.firstDifference))
    }

    /// Rows of `changes` aligned at each pair's first difference: column w is that position,
    /// columns 0..<w the tokens before it, w+1... those after; positions a completion does not
    /// have are NaN. [pairs, 2w + 1].
    public func aligned(_ changes: [[Float]], window w: Int) -> [[Float]] {
        zip(changes, firstDifferences).map { row, difference in
            (-w...w).map { offset in
                let t = difference + offset
                return t >= 0 && t < row.count ? row[t] : .nan
            }
        }
    }

    /// Mean change before, at and after the first difference, over all pairs' tokens.
    public func summary(_ changes: [[Float]]) -> (before: Double, at: Double, after: Double) {
        var sums = [0.0, 0.0, 0.0], counts = [0, 0, 0]
        for (row, difference) in zip(changes, firstDifferences) {
            for (t, value) in row.enumerated() {
                let group = t < difference ? 0 : t == difference ? 1 : 2
                sums[group] += Double(value)
                counts[group] += 1
            }
        }
        let mean = { (g: Int) in counts[g] > 0 ? sums[g] / Double(counts[g]) : 0 }
        return (mean(0), mean(1), mean(2))
    }
}
