import Foundation
import Models
import Tensor

/// A token sequence to score under teacher forcing: every token from `firstTarget` on is scored
/// given the tokens before it.
struct ScoredRow {
    var tokens: [Int]
    /// The first scored token's position (at least 1: the first token has no context).
    var firstTarget: Int
    /// Where the row comes from (`file:line`), for errors.
    var origin: String
}

/// The scored tokens of one row: log p(token | tokens before it) and whether the token is the
/// arg-max there (what greedy decoding would have picked).
struct RowLogprobs: Equatable {
    var logprobs: [Double]
    var greedy: [Bool]
}

/// Batched teacher-forced scoring with `TransformerModel.logits(batch:)`: rows are sorted by
/// length (longest first, as lm-evaluation-harness orders its requests) so a batch pads little,
/// and a batch is capped both in rows and in logits held at once.
enum TeacherForcing {
    static let maxRowsPerBatch = 32
    /// Logits of one batch (rows × longest row × vocabulary): 2²⁴ floats, 64 MiB.
    static let maxLogitsPerBatch = 1 << 24

    /// The scored tokens of every row, in the order given.
    ///
    /// A row longer than the model's window (`max_position_embeddings` + 1 tokens: the last token
    /// is only a target) loses tokens on the left, as lm-evaluation-harness truncates; a row whose
    /// scored tokens alone do not fit is an error naming its origin.
    static func score(_ model: TransformerModel, rows: [ScoredRow]) throws -> [RowLogprobs] {
        let window = model.config.maxPositions
        var fitted = rows
        for i in fitted.indices {
            let row = fitted[i]
            guard row.firstTarget >= 1, row.firstTarget <= row.tokens.count else {
                throw PreferenceError(row.origin, "has nothing to condition on (a scored row needs at least one context token)")
            }
            if let bad = row.tokens.first(where: { $0 < 0 || $0 >= model.config.vocabSize }) {
                throw PreferenceError(row.origin, "token id \(bad) is outside the model's vocabulary (\(model.config.vocabSize) tokens)")
            }
            let excess = row.tokens.count - (window + 1)
            guard excess > 0 else { continue }
            guard row.firstTarget - excess >= 1 else {
                throw PreferenceError(row.origin, "has \(row.tokens.count - row.firstTarget) tokens to score, more than the model's \(window)-token window holds")
            }
            fitted[i] = ScoredRow(tokens: Array(row.tokens.dropFirst(excess)), firstTarget: row.firstTarget - excess, origin: row.origin)
        }
        var results = [RowLogprobs](repeating: RowLogprobs(logprobs: [], greedy: []), count: rows.count)
        // Rows with no scored token need no forward pass.
        let order = fitted.indices.filter { fitted[$0].firstTarget < fitted[$0].tokens.count }
            .sorted { fitted[$0].tokens.count > fitted[$1].tokens.count }
        var start = 0
        while start < order.count {
            let longest = fitted[order[start]].tokens.count - 1
            let fits = max(1, maxLogitsPerBatch / max(1, longest * model.config.vocabSize))
            let batch = Array(order[start..<min(order.count, start + min(maxRowsPerBatch, fits))])
            let scored = try scoreBatch(model, batch.map { fitted[$0] })
            for (index, row) in zip(batch, scored) { results[index] = row }
            start += batch.count
        }
        return results
    }

    private static func scoreBatch(_ model: TransformerModel, _ rows: [ScoredRow]) throws -> [RowLogprobs] {
        // The last token is only a target, never an input.
        let logits = try GradMode.withoutGrad { try model.logits(batch: rows.map { Array($0.tokens.dropLast()) }) }   // [B, T, V]
        let width = logits.shape[1], vocabulary = logits.shape[2]
        let values = logits.scalars
        return rows.enumerated().map { b, row in
            var scored = RowLogprobs(logprobs: [], greedy: [])
            for target in row.firstTarget..<row.tokens.count {
                // Position p's logits predict token p + 1.
                let base = (b * width + target - 1) * vocabulary
                let (logprob, isArgmax) = logSoftmax(values, base: base, count: vocabulary, at: row.tokens[target])
                scored.logprobs.append(logprob)
                scored.greedy.append(isArgmax)
            }
            return scored
        }
    }

    /// log softmax(values[base ..< base + count])[index], in Double, and whether `index` is the
    /// first arg-max.
    private static func logSoftmax(_ values: [Float], base: Int, count: Int, at index: Int) -> (Double, Bool) {
        var peak = -Float.infinity, peakIndex = 0
        for j in 0..<count where values[base + j] > peak {
            peak = values[base + j]
            peakIndex = j
        }
        var total = 0.0
        for j in 0..<count { total += Foundation.exp(Double(values[base + j] - peak)) }
        return (Double(values[base + index] - peak) - Foundation.log(total), peakIndex == index)
    }
}
