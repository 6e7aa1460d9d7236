import Models

/// Multiple-choice evaluation as lm-evaluation-harness runs ARC and HellaSwag: every choice is
/// scored as a continuation of the prompt (`ContinuationScorer`), and `acc`, `acc_norm` and
/// `acc_bytes` are the means over questions of `MultipleChoiceScore`'s predictions.
public enum MultipleChoiceEvaluation {
    public struct Result: Sendable {
        public var scores: [MultipleChoiceScore]
        /// Whether `shouldStop` ended the run, on any rank, before every question was scored.
        public var interrupted: Bool
        public var acc: MetricMean? { MetricMean(scores.map(\.acc)) }
        public var accNorm: MetricMean? { MetricMean(scores.map(\.accNorm)) }
        public var accBytes: MetricMean? { MetricMean(scores.map(\.accBytes)) }
    }

    /// Questions scored per step; progress and interruption happen between steps.
    public static let questionsPerStep = 16

    /// The prompt of question `index` of `items`: `options.shots` examples (prompt, space,
    /// correct choice, blank line each), then the question's own prompt.
    public static func context(of index: Int, in items: [MultipleChoiceItem], options: Options) -> String {
        let examples = FewShot.examples(options.shots, of: items.count, excluding: index, seed: options.seed)
        return examples.map { items[$0].example }.joined() + items[index].query
    }

    /// The questions this rank scores: the first `options.limit` of `items`, split between the
    /// ranks in whole steps.
    public static func share(of items: [MultipleChoiceItem], options: Options) -> ItemShare {
        ItemShare(count: min(items.count, options.limit ?? items.count), itemsPerStep: questionsPerStep)
    }

    /// Scores the first `options.limit` questions of `items` (examples come from all of them),
    /// each rank its `share`; every rank returns every rank's scores, in question order.
    /// - Parameters:
    ///   - onProgress: after each step, with this rank's questions done and how many `acc` got right.
    ///   - shouldStop: checked before each step; the result then holds the questions done.
    public static func run(model: TransformerModel, items: [MultipleChoiceItem], options: Options = Options(),
                           onProgress: (_ done: Int, _ correct: Int) -> Void = { _, _ in },
                           shouldStop: () -> Bool = { false }) throws -> Result {
        try options.checkEach()
        try FewShot.check(options.shots, count: items.count)
        if let bad = items.first(where: { !$0.choices.indices.contains($0.gold) }) {
            throw PreferenceError(bad.origin, "the gold index \(bad.gold) is not one of its \(bad.choices.count) choices")
        }
        let scorer = try ContinuationScorer(model: model, bos: options.bos)
        let share = Self.share(of: items, options: options)
        var done: [MultipleChoiceScore] = []
        var interrupted = false
        for step in share.steps {
            if shouldStop() {
                interrupted = true
                break
            }
            var requests: [ContinuationRequest] = []
            for index in step {
                let context = context(of: index, in: items, options: options)
                requests += items[index].choices.indices.map {
                    ContinuationRequest(context: context, continuation: items[index].continuation($0), origin: items[index].origin)
                }
            }
            var scores = try scorer.score(requests)[...]
            for index in step {
                let item = items[index]
                let logprobs = scores.prefix(item.choices.count).map(\.logprob)
                scores = scores.dropFirst(item.choices.count)
                done.append(MultipleChoiceScore(choices: item.choices, gold: item.gold, logprobs: logprobs, origin: item.origin))
            }
            onProgress(done.count, done.filter(\.acc).count)
        }
        let gathered = try share.gather(done, interrupted: interrupted)
        return Result(scores: gathered.results, interrupted: gathered.interrupted)
    }
}
