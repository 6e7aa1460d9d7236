import Models
import Tensor

/// Greedy exact match on worked problems: a problem counts as solved when greedy decoding from
/// its prompt reproduces the reference solution token for token, EOS included — the strictest
/// reading of "the model's answer matches", and lm-evaluation-harness's `is_greedy` test.
///
/// It is measured by teacher forcing rather than by generating: one forward pass over prompt,
/// solution and EOS, and a check that the arg-max at every solution position is the next
/// reference token. If all are, greedy decoding would emit exactly the reference (each step sees
/// the same prefix); if one is not, greedy decoding leaves the reference there. So the result
/// equals generate-and-compare, at the cost of one batched forward pass instead of one per token.
public enum ExactMatch {
    public struct Outcome: Sendable {
        /// Per problem: whether greedy decoding reproduces the solution.
        public let correct: [Bool]
        /// Per problem: the first solution token (0-based) where greedy decoding departs from
        /// the reference, nil when it does not.
        public let firstError: [Int?]
        public var accuracy: Double { correct.isEmpty ? 0 : Double(correct.filter { $0 }.count) / Double(correct.count) }
    }

    public static let batchSize = 16

    /// - Parameters:
    ///   - onBatch: called after each batch with the number done and correct so far.
    ///   - shouldStop: checked before each batch; grading stops early (with what it has) when true.
    public static func grade(model: TransformerModel, problems: [(prompt: String, solution: String)],
                             onBatch: (_ done: Int, _ correct: Int) -> Void = { _, _ in },
                             shouldStop: () -> Bool = { false }) throws -> Outcome {
        guard let tokenizer = model.tokenizer else { throw PreferenceError("model", "has no tokenizer, so its solutions cannot be read") }
        guard let eos = model.config.eosTokenIds.first else { throw PreferenceError("model", "has no EOS token, so a solution has no end") }
        var correct: [Bool] = [], firstError: [Int?] = []
        var start = 0
        while start < problems.count, !shouldStop() {
            let chunk = problems[start..<Swift.min(start + batchSize, problems.count)]
            let rows = chunk.map { problem in
                (prompt: tokenizer.encode(problem.prompt), completion: tokenizer.encode(problem.solution, addSpecialTokens: false) + [eos])
            }
            let logits = try GradMode.withoutGrad { try model.logits(batch: rows.map { $0.prompt + $0.completion }) }   // [B, T, V]
            let predicted = try logits.argmax(axis: -1)   // [B, T]
            let width = predicted.shape[1]
            let choices = predicted.scalars
            for (b, row) in rows.enumerated() {
                // Position p predicts token p + 1; the completion's first token is predicted at the prompt's last position.
                let departure = row.completion.indices.first { k in
                    Int(choices[b * width + row.prompt.count - 1 + k]) != row.completion[k]
                }
                correct.append(departure == nil)
                firstError.append(departure)
            }
            start += chunk.count
            onBatch(correct.count, correct.filter { $0 }.count)
        }
        return Outcome(correct: correct, firstError: firstError)
    }
}
