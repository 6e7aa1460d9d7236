import Models

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
        /// Whether `shouldStop` ended grading before every problem was graded.
        public let interrupted: Bool
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
        var interrupted = false
        while start < problems.count {
            if shouldStop() {
                interrupted = true
                break
            }
            let chunk = problems[start..<Swift.min(start + batchSize, problems.count)]
            let rows = chunk.enumerated().map { offset, problem in
                let prompt = tokenizer.encode(problem.prompt)
                return ScoredRow(tokens: prompt + tokenizer.encode(problem.solution, addSpecialTokens: false) + [eos],
                                 firstTarget: prompt.count, origin: "problem \(start + offset + 1)")
            }
            for scored in try TeacherForcing.score(model, rows: rows) {
                let departure = scored.greedy.firstIndex(of: false)
                correct.append(departure == nil)
                firstError.append(departure)
            }
            start += chunk.count
            onBatch(correct.count, correct.filter { $0 }.count)
        }
        return Outcome(correct: correct, firstError: firstError, interrupted: interrupted)
    }
}
