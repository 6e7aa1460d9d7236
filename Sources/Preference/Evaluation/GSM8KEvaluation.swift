import Models
import Training

/// GSM8K-style evaluation by generation, as lm-evaluation-harness runs `gsm8k`: a few-shot
/// prompt, greedy decoding until a stop sequence, then both filters of `GSM8KAnswer` and
/// `exact_match` against the reference.
public enum GSM8KEvaluation {
    /// One problem's outcome.
    public struct Outcome: Equatable, Sendable, Codable {
        public var origin: String
        /// The generated text, cut at the first stop sequence.
        public var response: String
        /// What the strict-match and flexible-extract filters took from the response.
        public var strictAnswer: String
        public var flexibleAnswer: String
        /// The reference after the ignore patterns and lower-casing.
        public var reference: String
        public var strictCorrect: Bool
        public var flexibleCorrect: Bool
    }

    public struct Result: Sendable {
        public var outcomes: [Outcome]
        public var interrupted: Bool
        public var strict: MetricMean? { MetricMean(outcomes.map(\.strictCorrect)) }
        public var flexible: MetricMean? { MetricMean(outcomes.map(\.flexibleCorrect)) }
    }

    /// The most new tokens `generate` allows.
    public static let maxNewTokensLimit = 100_000

    /// The prompt of problem `index`: `options.shots` worked examples, then its question.
    public static func context(of index: Int, in problems: [GSM8KProblem], options: Options) -> String {
        let examples = FewShot.examples(options.shots, of: problems.count, excluding: index, seed: options.seed)
        return examples.map { problems[$0].example }.joined() + problems[index].prompt
    }

    /// Scores a generated response against a reference with both filters.
    public static func outcome(response: String, reference: String, origin: String) -> Outcome {
        let strict = GSM8KAnswer.strict(response), flexible = GSM8KAnswer.flexible(response)
        return Outcome(origin: origin, response: response, strictAnswer: strict, flexibleAnswer: flexible,
                       reference: GSM8KAnswer.normalized(reference),
                       strictCorrect: GSM8KAnswer.matches(strict, reference: reference),
                       flexibleCorrect: GSM8KAnswer.matches(flexible, reference: reference))
    }

    /// The problems this rank answers: the first `options.limit` of `problems`, split between the ranks.
    public static func share(of problems: [GSM8KProblem], options: Options) -> ItemShare {
        ItemShare(count: min(problems.count, options.limit ?? problems.count))
    }

    /// Generates an answer to each of the first `options.limit` problems, one at a time on the
    /// model's KV cache, each rank its `share`; every rank returns every rank's outcomes, in
    /// problem order.
    ///
    /// The prompt keeps its last `max(window − maxNewTokens, window / 2)` tokens (`window` being
    /// the model's positions): lm-evaluation-harness keeps `window − max_gen_toks`, which leaves
    /// nothing for a model whose window is no longer than 256 tokens.
    /// - Parameters:
    ///   - onProgress: after each problem, with this rank's problems done and flexible-extract's correct count.
    ///   - shouldStop: checked before each problem; the result then holds the problems done.
    public static func run(model: TransformerModel, problems: [GSM8KProblem], options: Options = Options(),
                           onProgress: (_ done: Int, _ correct: Int) -> Void = { _, _ in },
                           shouldStop: () -> Bool = { false }) throws -> Result {
        guard let tokenizer = model.tokenizer else { throw PreferenceError("model", "has no tokenizer, so it cannot read a question") }
        try options.checkEach()
        try FewShot.check(options.shots, count: problems.count)
        let leading = options.bos ? ContinuationScorer.leadingSpecialTokens(tokenizer) : []
        let window = model.config.maxPositions
        let kept = max(window - options.maxNewTokens, window / 2, 1)
        let share = Self.share(of: problems, options: options)
        var done: [Outcome] = []
        var interrupted = false
        let inference = try InferenceModel(model: model)
        for index in share.positions {
            if shouldStop() {
                interrupted = true
                break
            }
            let prompt = Array((leading + tokenizer.encode(context(of: index, in: problems, options: options), addSpecialTokens: false)).suffix(kept))
            let made: [Int]
            do {
                made = try inference.generate(prompt: prompt, maxTokens: options.maxNewTokens, stop: options.stop)
            } catch let error as ModelError {
                throw PreferenceError(problems[index].origin, error.message)
            }
            let response: String
            do {
                response = try tokenizer.decode(made, skipSpecialTokens: true)
            } catch let error as ModelError {
                throw PreferenceError(problems[index].origin, error.message)
            }
            let cut = options.stop.compactMap { response.range(of: $0)?.lowerBound }.min() ?? response.endIndex
            done.append(outcome(response: String(response[..<cut]), reference: problems[index].reference, origin: problems[index].origin))
            onProgress(done.count, done.filter(\.flexibleCorrect).count)
        }
        let gathered = try share.gather(done, interrupted: interrupted)
        return Result(outcomes: gathered.results, interrupted: gathered.interrupted)
    }
}
