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
        /// Whether `shouldStop` ended grading, on any rank, before every problem was graded.
        public let interrupted: Bool
        public var accuracy: Double { correct.isEmpty ? 0 : Double(correct.filter { $0 }.count) / Double(correct.count) }
    }

    public static let batchSize = 16

    /// The problems this rank grades: all of them, split between the ranks in whole batches.
    public static func share(of problems: [(prompt: String, solution: String)]) -> ItemShare {
        ItemShare(count: problems.count, itemsPerStep: batchSize)
    }

    /// One problem's grade, as the ranks exchange it.
    private struct Grade: Codable {
        var correct: Bool
        var firstError: Int?
    }

    /// Grades each rank's `share` of `problems`; every rank returns every rank's grades, in
    /// problem order.
    /// - Parameters:
    ///   - onBatch: called after each batch with the number this rank has done and correct so far.
    ///   - shouldStop: checked before each batch; grading stops early (with what it has) when true.
    public static func grade(model: TransformerModel, problems: [(prompt: String, solution: String)],
                             onBatch: (_ done: Int, _ correct: Int) -> Void = { _, _ in },
                             shouldStop: () -> Bool = { false }) throws -> Outcome {
        guard let tokenizer = model.tokenizer else { throw PreferenceError("model", "has no tokenizer, so its solutions cannot be read") }
        guard let eos = model.config.eosTokenIds.first else { throw PreferenceError("model", "has no EOS token, so a solution has no end") }
        let share = Self.share(of: problems)
        var done: [Grade] = []
        var interrupted = false
        for batch in share.steps {
            if shouldStop() {
                interrupted = true
                break
            }
            let rows = batch.map { index in
                let prompt = tokenizer.encode(problems[index].prompt)
                return ScoredRow(tokens: prompt + tokenizer.encode(problems[index].solution, addSpecialTokens: false) + [eos],
                                 firstTarget: prompt.count, origin: "problem \(index + 1)")
            }
            for scored in try TeacherForcing.score(model, rows: rows) {
                let departure = scored.greedy.firstIndex(of: false)
                done.append(Grade(correct: departure == nil, firstError: departure))
            }
            onBatch(done.count, done.filter(\.correct).count)
        }
        let gathered = try share.gather(done, interrupted: interrupted)
        return Outcome(correct: gathered.results.map(\.correct), firstError: gathered.results.map(\.firstError), interrupted: gathered.interrupted)
    }
}
