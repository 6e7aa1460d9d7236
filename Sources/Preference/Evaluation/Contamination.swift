import Models
import Training

/// A contamination check of a model against its reference model on a benchmark's samples: per
/// sample, `NeighbourComparison`'s share (the model card's statistic), both models' mean token
/// loss and both models' Min-K% Prob.
public enum Contamination {
    /// One sample's values.
    public struct Sample: Equatable, Sendable, Codable {
        public var origin: String
        /// The share of neighbours the target model finds easier than the sample.
        public var share: Double
        /// Mean token loss (negative log-likelihood) of the sample under each model.
        public var loss: Double
        public var referenceLoss: Double
        /// Min-K% Prob of the sample under each model, and target minus reference.
        public var minK: Double
        public var referenceMinK: Double
        public var minKDifference: Double { minK - referenceMinK }
        /// The repository's "calibrate PPL to the reference model": target loss minus reference loss.
        public var lossDifference: Double { loss - referenceLoss }
    }

    public struct Result: Sendable {
        public var samples: [Sample]
        public var threshold: Double
        public var interrupted: Bool
        /// The model card's figure: the share of samples whose neighbour share is below the threshold.
        public var score: Double? { NeighbourComparison.score(samples.map(\.share), threshold: threshold) }
    }

    /// More neighbours than this would take days and say nothing more.
    public static let maxNeighbours = 10_000

    /// The positions in the shuffled samples this rank checks: the first `options.samples`, split between the ranks.
    public static func share(of all: [BenchmarkSample], options: Options) -> ItemShare {
        ItemShare(count: min(all.count, options.samples))
    }

    /// Draws `options.samples` samples (a seeded shuffle of `all`) and computes each one's values,
    /// each rank its `share` (a sample's neighbours are drawn by its position in the shuffle,
    /// whichever rank checks it); every rank returns every rank's samples, in shuffled order.
    /// - Parameters:
    ///   - onProgress: after each sample, with this rank's samples done and how many fall below the threshold.
    ///   - shouldStop: checked before each sample; the result then holds the samples done.
    public static func run(model: TransformerModel, reference: TransformerModel, samples all: [BenchmarkSample], options: Options = Options(),
                           onProgress: (_ done: Int, _ below: Int) -> Void = { _, _ in },
                           shouldStop: () -> Bool = { false }) throws -> Result {
        try options.checkEach()
        guard let tokenizer = model.tokenizer else { throw PreferenceError("model", "has no tokenizer, so it cannot read the samples") }
        guard let referenceTokenizer = reference.tokenizer else { throw PreferenceError("ref", "has no tokenizer, so it cannot read the samples") }
        var order = Array(all.indices)
        var shuffle = PairRandom(seed: options.seed, stream: -1)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, shuffle.below(i + 1)) }
        let share = Self.share(of: all, options: options)
        var done: [Sample] = []
        var interrupted = false
        for position in share.positions {
            if shouldStop() {
                interrupted = true
                break
            }
            let sample = all[order[position]]
            // A sample longer than a model's window is scored on its beginning.
            let targetTokens = Array(tokenizer.encode(sample.text).prefix(model.config.maxPositions + 1))
            let referenceTokens = Array(referenceTokenizer.encode(sample.text).prefix(reference.config.maxPositions + 1))
            let scored = try TeacherForcing.score(model, rows: [ScoredRow(tokens: targetTokens, firstTarget: 1, origin: sample.origin)])
            let referenceScored = try TeacherForcing.score(reference, rows: [ScoredRow(tokens: referenceTokens, firstTarget: 1, origin: sample.origin)])
            guard let logprobs = scored.first?.logprobs, let referenceLogprobs = referenceScored.first?.logprobs,
                  let minK = MinKProb.score(logprobs, fraction: options.k), let referenceMinK = MinKProb.score(referenceLogprobs, fraction: options.k) else {
                throw PreferenceError(sample.origin, "the sample is a single token; its loss needs at least two")
            }
            let loss = meanLoss(logprobs)
            let neighbours = try neighbourTexts(of: sample, reference: reference, options: options, stream: position)
            let neighbourRows = neighbours.map {
                ScoredRow(tokens: Array(tokenizer.encode($0).prefix(min(NeighbourComparison.neighbourTokenLimit, model.config.maxPositions + 1))), firstTarget: 1, origin: sample.origin)
            }
            // A neighbour of no or one token has no loss: NaN, never below the sample's, as in the repository.
            let usable = neighbourRows.filter { !$0.tokens.isEmpty }
            let neighbourLosses = try TeacherForcing.score(model, rows: usable).map { meanLoss($0.logprobs) }
                + [Double](repeating: .nan, count: neighbourRows.count - usable.count)
            done.append(Sample(origin: sample.origin, share: NeighbourComparison.share(sampleLoss: loss, neighbourLosses: neighbourLosses),
                               loss: loss, referenceLoss: meanLoss(referenceLogprobs), minK: minK, referenceMinK: referenceMinK))
            onProgress(done.count, done.filter { $0.share < options.threshold }.count)
        }
        let gathered = try share.gather(done, interrupted: interrupted)
        return Result(samples: gathered.results, threshold: options.threshold, interrupted: gathered.interrupted)
    }

    /// Texts written by the reference model from the sample's first words: the prefix and the
    /// sampled continuation, special tokens left out (`batch_decode(skip_special_tokens=True)`).
    static func neighbourTexts(of sample: BenchmarkSample, reference: TransformerModel, options: Options, stream: Int) throws -> [String] {
        guard let tokenizer = reference.tokenizer else { throw PreferenceError("ref", "has no tokenizer") }
        let (prefix, newTokens) = NeighbourComparison.prefix(of: sample.text, ratio: options.prefixRatio)
        let prompt = tokenizer.encode(prefix)
        guard !prompt.isEmpty else { throw PreferenceError(sample.origin, "the sample's first words give no tokens to continue") }
        var sampling = TransformerModel.Sampling()
        sampling.temperature = options.temperature
        sampling.topK = options.topK
        let inference = try InferenceModel(model: reference)
        return try (0..<options.neighbours).map { neighbour in
            var random = PairRandom(seed: options.seed, stream: stream &* options.neighbours &+ neighbour)
            sampling.seed = UInt64(random.below(Int.max))
            do {
                let made = try inference.generate(prompt: prompt, maxTokens: newTokens, sampling: sampling)
                return try tokenizer.decode(prompt + made, skipSpecialTokens: true)
            } catch let error as ModelError {
                throw PreferenceError(sample.origin, error.message)
            }
        }
    }

    /// The mean negative log-prob: Hugging Face's causal-LM loss. NaN for no tokens.
    static func meanLoss(_ logprobs: [Double]) -> Double {
        logprobs.isEmpty ? .nan : -logprobs.reduce(0, +) / Double(logprobs.count)
    }
}
