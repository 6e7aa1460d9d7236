import Foundation
import Models
import Training

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

/// Batched teacher-forced scoring with the engine's inference forward (`InferenceModel.score`):
/// rows are sorted by length (longest first, as lm-evaluation-harness orders its requests) so a
/// batch pads little, and a batch is capped in rows and in tokens.
enum TeacherForcing {
    static let maxRowsPerBatch = 32
    /// Input tokens of one batch (rows × longest row): the activations of one block scale with it.
    static let maxTokensPerBatch = 4096

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
            if let problem = model.config.vocabularyProblem(in: row.tokens) { throw PreferenceError(row.origin, problem) }
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
        let inference = try InferenceModel(model: model)
        var start = 0
        while start < order.count {
            let longest = fitted[order[start]].tokens.count - 1
            let fits = max(1, maxTokensPerBatch / max(1, longest))
            let batch = Array(order[start..<min(order.count, start + min(maxRowsPerBatch, fits))])
            let scored = try scoreBatch(inference, batch.map { fitted[$0] }, length: longest)
            for (index, row) in zip(batch, scored) { results[index] = row }
            start += batch.count
        }
        return results
    }

    /// Rows padded on the right to `length` inputs: causal attention keeps padding from reaching
    /// the positions before it, and padded positions have no target.
    private static func scoreBatch(_ model: InferenceModel, _ rows: [ScoredRow], length: Int) throws -> [RowLogprobs] {
        var inputs = [Int32](repeating: 0, count: rows.count * length)
        var targets = [Int32](repeating: -1, count: rows.count * length)
        for (b, row) in rows.enumerated() {
            // The last token is only a target, never an input; position p predicts token p + 1.
            for p in 0..<(row.tokens.count - 1) { inputs[b * length + p] = Int32(row.tokens[p]) }
            for target in row.firstTarget..<row.tokens.count { targets[b * length + target - 1] = Int32(row.tokens[target]) }
        }
        let scores = try model.score(inputs: inputs, targets: targets, batch: rows.count, length: length)
        return rows.enumerated().map { b, row in
            let positions = (row.firstTarget - 1 + b * length)..<(row.tokens.count - 1 + b * length)
            return RowLogprobs(logprobs: positions.map { Double(scores.logprobs[$0]) }, greedy: positions.map { scores.greedy[$0] })
        }
    }
}
