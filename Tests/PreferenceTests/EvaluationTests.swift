import Foundation
import Models
import Tensor
import Testing
@testable import Preference

/// A tiny Llama with a real tokenizer fixture, for scoring tests.
enum EvaluationFixtures {
    static func model(tokenizer name: String = "llama3", seed: UInt64 = 3, maxLength: Int = 128) throws -> TransformerModel {
        let tokenizer = try PairFixtures.tokenizer(name)
        let config = try ModelConfig.make(architecture: .llama, vocab: tokenizer.vocabularySize, hidden: 16, layers: 1, heads: 2, kvHeads: 1,
                                          ffn: 24, tie: true, maxLength: maxLength)
        return try TransformerModel.random(config: config, seed: seed, tokenizer: tokenizer)
    }

    /// Σ log p(token) over `ids[from...]`, one sequence at a time (no batching, no joint encoding).
    static func summedLogprob(_ model: TransformerModel, _ ids: [Int], from: Int) throws -> Double {
        try model.tokenLogprobs(ids).scalars.dropFirst(from - 1).reduce(0) { $0 + Double($1) }
    }
}

@Suite struct EvaluationTests {}

// MARK: - Multiple-choice metrics

extension EvaluationTests {
    @Suite struct MultipleChoiceMetrics {
        /// The notes' worked example: acc picks the likelier short answer, acc_norm the longer one.
        @Test func parisAndLyon() {
            let score = MultipleChoiceScore(choices: ["Paris", "the city of Lyon"], gold: 1, logprobs: [-3.0, -6.0])
            #expect(score.predicted == 0 && !score.acc)
            #expect(score.predictedPerCharacter == 1 && score.accNorm, "-3/5 = -0.6 < -6/16 = -0.375")
            #expect(score.predictedPerByte == 1 && score.accBytes, "ASCII: bytes are characters")
        }

        /// "ééé" is 3 characters but 6 bytes: per character it loses (-1 < -0.8), per byte it wins (-0.5 > -0.8).
        @Test func nonASCIIChoiceSeparatesBytesFromCharacters() {
            let score = MultipleChoiceScore(choices: ["ééé", "abcd"], gold: 0, logprobs: [-3.0, -3.2])
            #expect(score.predicted == 0 && score.acc)
            #expect(score.predictedPerCharacter == 1 && !score.accNorm)
            #expect(score.predictedPerByte == 0 && score.accBytes)
        }

        @Test func tiesGoToTheFirstChoice() {
            let score = MultipleChoiceScore(choices: ["ab", "cd", "efgh"], gold: 1, logprobs: [-2, -2, -4])
            #expect(score.predicted == 0 && score.predictedPerCharacter == 0 && score.predictedPerByte == 0)
            #expect(!score.acc && !score.accNorm && !score.accBytes)
            #expect(MultipleChoiceScore.firstArgmax([.nan, -1, -1]) == 1, "NaN never wins")
        }

        /// mean 0.75; sample standard deviation √(0.75/3) = 0.5; standard error 0.5/√4 = 0.25.
        @Test func meansAndStandardErrors() throws {
            let metric = try #require(MetricMean([true, false, true, true]))
            #expect(metric.mean == 0.75 && metric.standardError == 0.25)
            #expect(MetricMean([0.5])?.standardError == nil && MetricMean([Double]()) == nil)
        }
    }
}

// MARK: - Encoding and scoring continuations

extension EvaluationTests {
    @Suite struct Continuations {
        static let context = "Question: Which is it?\nAnswer:"

        @Test func trailingWhitespaceMovesToTheContinuation() throws {
            let scorer = try ContinuationScorer(model: try EvaluationFixtures.model())
            let tokenizer = try PairFixtures.tokenizer("llama3")
            let plain = try scorer.encode(context: Self.context, continuation: " Paris")
            #expect(try scorer.encode(context: Self.context + " ", continuation: "Paris") == plain)
            // BOS (<|begin_of_text|>, id 1), then the context's own encoding.
            #expect(plain.context == [1] + tokenizer.encode(Self.context, addSpecialTokens: false))
            #expect(plain.continuation == [222, 49, 66, 83, 334], "byte-level BPE: ' Paris' as encoded alone")
            // A trailing newline moves too (Python's rstrip), so the newline is scored with "Paris".
            let newline = try scorer.encode(context: Self.context + "\n", continuation: "Paris")
            #expect(newline.context == plain.context && newline.continuation == [200, 49, 66, 83, 334])
            #expect(try ContinuationScorer(model: try EvaluationFixtures.model(), bos: false).encode(context: Self.context, continuation: " Paris").context.first != 1)
        }

        /// SentencePiece merges the context's end with the continuation's start, so the continuation
        /// is the joint encoding minus as many tokens as the context has alone — not " Paris" encoded alone.
        @Test func continuationIsTheJointEncodingMinusTheContext() throws {
            let scorer = try ContinuationScorer(model: try EvaluationFixtures.model(tokenizer: "sentencepiece"))
            let tokenizer = try PairFixtures.tokenizer("sentencepiece")
            let whole = tokenizer.encode(Self.context + " Paris", addSpecialTokens: false)
            let alone = tokenizer.encode(Self.context, addSpecialTokens: false)
            let encoded = try scorer.encode(context: Self.context, continuation: " Paris")
            #expect(encoded.context == [1] + alone)
            #expect(encoded.continuation == Array(whole.dropFirst(alone.count)))
            #expect(encoded.continuation == [288, 304, 296, 305])
            #expect(encoded.continuation != tokenizer.encode(" Paris", addSpecialTokens: false))
        }

        /// Batched, padded scoring gives each request the sum a lone forward pass gives.
        @Test func batchedSumsEqualOneSequenceAtATime() throws {
            let model = try EvaluationFixtures.model()
            let scorer = try ContinuationScorer(model: model)
            let requests = [ContinuationRequest(context: "Question: Which is it?\nAnswer:", continuation: " Paris"),
                            ContinuationRequest(context: "Question: Which is it?\nAnswer:", continuation: " the city of Lyon, far away"),
                            ContinuationRequest(context: "A short one.", continuation: " x")]
            let scores = try scorer.score(requests)
            for (request, score) in zip(requests, scores) {
                let encoded = try scorer.encode(context: request.context, continuation: request.continuation)
                let expected = try EvaluationFixtures.summedLogprob(model, encoded.context + encoded.continuation, from: encoded.context.count)
                #expect(abs(score.logprob - expected) < 1e-4, "\(request.continuation)")
                #expect(score.tokens == encoded.continuation.count)
                let ids = encoded.context + encoded.continuation
                let argmax = try model.logits(ids).argmax(axis: -1).scalars.map { Int($0) }
                let greedy = encoded.continuation.indices.allSatisfy { argmax[encoded.context.count - 1 + $0] == encoded.continuation[$0] }
                #expect(score.isGreedy == greedy)
            }
            let bad = MultipleChoiceItem(query: "Q", choices: ["a", "b"], gold: 2, origin: "f:7")
            #expect(preferenceError { _ = try MultipleChoiceEvaluation.run(model: model, items: [bad]) }
                == PreferenceError("f:7", "the gold index 2 is not one of its 2 choices"))
        }

        @Test func tooLongContextsAreCutOnTheLeft() throws {
            let model = try EvaluationFixtures.model(maxLength: 16)
            let scorer = try ContinuationScorer(model: model)
            let long = String(repeating: "word ", count: 40) + "end"
            let score = try #require(try scorer.score([ContinuationRequest(context: long, continuation: " Paris")]).first)
            let encoded = try scorer.encode(context: long, continuation: " Paris")
            let window = Array((encoded.context + encoded.continuation).suffix(17))
            let expected = try EvaluationFixtures.summedLogprob(model, window, from: window.count - encoded.continuation.count)
            #expect(abs(score.logprob - expected) < 1e-4)
            let tooLong = String(repeating: " Paris", count: 30)
            #expect(preferenceError { _ = try scorer.score([ContinuationRequest(context: "Q", continuation: tooLong, origin: "f.jsonl:4")]) }?
                .place == "f.jsonl:4")
        }
    }
}

// MARK: - HellaSwag text

extension EvaluationTests {
    @Suite struct HellaSwagPreprocessing {
        @Test func preprocessFollowsTheHarness() {
            // strip; " [title]" → ". "; "[step]" removed; double spaces halved.
            #expect(HellaSwagText.preprocess("  A man [title] Washing a car [step] He  scrubs.  ") == "A man. Washing a car He scrubs.")
            #expect(HellaSwagText.preprocess("a   b") == "a  b", "one pass of replace, as Python's")
            #expect(HellaSwagText.preprocess("keep [this and [header] that]") == "keep that]", "the nearest ] closes; then the double space halves")
            #expect(HellaSwagText.preprocess("open [bracket") == "open [bracket")
            #expect(HellaSwagText.preprocess("no [line\nbreak] inside") == "no [line\nbreak] inside")
        }

        @Test func capitalizeLowerCasesTheRest() {
            #expect(HellaSwagText.capitalized("she IS here") == "She is here")
            #expect(HellaSwagText.capitalized("") == "")
            #expect(HellaSwagText.capitalized("élan") == "Élan")
        }

        @Test func itemsUseQueryAndPreprocessedEndings() throws {
            let items = try MultipleChoiceTask.hellaswag.items(path: PairFixtures.pairs("hellaswag.jsonl"))
            #expect(items.count == 2)
            #expect(items[0].query == "Baking bread: A man kneads a ball of dough on a floured table. He")
            #expect(items[1].query == "Washing a car: A woman sprays the car with a hose. She", "ctx_b capitalised")
            #expect(items[1].gold == 2 && items[1].choices[2] == "scrubs the doors with a soapy sponge.")
            #expect(items[1].continuation(2) == " scrubs the doors with a soapy sponge.")
            let marked = try PairFixtures.file(#"{"activity_label": "Tying a tie", "ctx_a": "[header] Drape the tie.", "ctx_b": "then CROSS it.", "endings": ["[step] Pull  it through.", "b"], "label": 0}"# + "\n")
            let item = try #require(try MultipleChoiceTask.hellaswag.items(path: marked).first)
            #expect(item.query == "Tying a tie: Drape the tie. Then cross it.")
            // preprocess strips before removing "[step]", so the ending keeps the space after it, as in the harness.
            #expect(item.choices == [" Pull it through.", "b"])
        }
    }
}

// MARK: - ARC items and few-shot prompts

extension EvaluationTests {
    @Suite struct Prompts {
        @Test func arcItemsReadBothLayouts() throws {
            let items = try MultipleChoiceTask.arc.items(path: PairFixtures.pairs("arc.jsonl"))
            #expect(items.map(\.gold) == [1, 0, 1])
            #expect(items[0].query == "Question: Which material lets electricity pass through it most easily?\nAnswer:")
            #expect(items[0].choices == ["rubber", "copper", "wood", "glass"])
            #expect(items[2].choices[1] == "They turn into solid.", "digit labels and a numeric answerKey")
            #expect(items[0].origin.hasSuffix("arc.jsonl:1"))
        }

        @Test func fewShotExamplesExcludeTheItemAndRepeatWithTheSeed() throws {
            for index in 0..<6 {
                let examples = FewShot.examples(3, of: 6, excluding: index, seed: 1234)
                #expect(examples.count == 3 && !examples.contains(index) && examples == examples.sorted() && Set(examples).count == 3)
                #expect(examples == FewShot.examples(3, of: 6, excluding: index, seed: 1234))
            }
            #expect((0..<20).contains { FewShot.examples(2, of: 10, excluding: $0, seed: 1) != FewShot.examples(2, of: 10, excluding: $0, seed: 2) })
            #expect(FewShot.examples(5, of: 6, excluding: 2, seed: 9) == [0, 1, 3, 4, 5])
        }

        @Test func contextIsExamplesThenTheQuestion() throws {
            let items = try MultipleChoiceTask.arc.items(path: PairFixtures.pairs("arc.jsonl"))
            var options = MultipleChoiceEvaluation.Options()
            options.shots = 2
            let context = MultipleChoiceEvaluation.context(of: 1, in: items, options: options)
            #expect(context == "Question: Which material lets electricity pass through it most easily?\nAnswer: copper\n\n"
                + "Question: What happens to most liquids when they are cooled enough?\nAnswer: They turn into solid.\n\n"
                + "Question: A student puts a plant near a sunny window. Toward what will the plant grow?\nAnswer:")
            options.shots = 0
            #expect(MultipleChoiceEvaluation.context(of: 1, in: items, options: options) == items[1].query)
        }

        @Test func gsm8kContextShowsWholeSolutions() throws {
            let problems = try GSM8KProblem.read(path: PairFixtures.pairs("gsm8k.jsonl"))
            var options = GSM8KEvaluation.Options()
            options.shots = 1
            let context = GSM8KEvaluation.context(of: 1, in: problems, options: options)
            #expect(context == "Question: \(problems[0].question)\nAnswer: \(problems[0].target)\n\nQuestion: \(problems[1].question)\nAnswer:")
            #expect(problems[0].target.hasSuffix("#### 80") && problems[0].target.contains("<<12*5=60>>"), "kept as the harness shows them")
            let metaMath = try GSM8KProblem.read(path: PairFixtures.pairs("metamath.jsonl"))
            #expect(metaMath.allSatisfy { $0.reference.hasPrefix("#### ") })
        }
    }
}

// MARK: - GSM8K answers

extension EvaluationTests {
    @Suite struct GSM8KAnswers {
        @Test func workedExamplesFromTheNotes() {
            let response = "Natalia sold 48/2 = 24 clips in May, so 24 + 48 = 72 clips.\n#### 72"
            let reference = "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nAltogether 48+24 = <<48+24=72>>72 clips.\n#### 72"
            #expect(GSM8KAnswer.strict(response) == "72" && GSM8KAnswer.flexible(response) == "72")
            #expect(GSM8KAnswer.normalized(reference) == "72")
            #expect(GSM8KAnswer.matches("72", reference: reference))

            let dollars = "The answer is: $1,234."
            #expect(GSM8KAnswer.strict(dollars) == "[invalid]")
            #expect(GSM8KAnswer.flexible(dollars) == "$1,234.")
            #expect(GSM8KAnswer.normalized("$1,234.") == "1234")
            #expect(GSM8KAnswer.matches(GSM8KAnswer.flexible(dollars), reference: "#### 1,234"))
            #expect(!GSM8KAnswer.matches(GSM8KAnswer.strict(dollars), reference: "#### 1,234"))
        }

        @Test func edgeCases() {
            #expect(GSM8KAnswer.flexible("She has 7 apples") == "7", "a single digit matches through the second group")
            #expect(GSM8KAnswer.flexible("7 or 8") == "8", "the last match")
            #expect(GSM8KAnswer.flexible("It fell by -5 degrees") == "-5")
            #expect(GSM8KAnswer.strict("so\n#### -12\n#### 3") == "-12", "the first match")
            #expect(GSM8KAnswer.strict("#### 72.") == "72." && GSM8KAnswer.normalized("72.") == "72", "a trailing period is ignored")
            #expect(GSM8KAnswer.flexible("Answer: 12, then 3.") == "3.", "'3.' has two characters of [$0-9.,]")
            #expect(GSM8KAnswer.flexible("no numbers here") == "[invalid]")
            #expect(!GSM8KAnswer.matches("[invalid]", reference: "#### 5"))
            #expect(GSM8KAnswer.normalized("#### ABC") == "abc", "case is ignored")
            #expect(GSM8KAnswer.normalized("1.5") == "1.5", "only a final period goes")
            #expect(GSM8KAnswer.matches("-3", reference: "#### -3") && !GSM8KAnswer.matches("3", reference: "#### -3"))
        }

        @Test func outcomeScoresBothFilters() {
            let outcome = GSM8KEvaluation.outcome(response: " She has 5 + 2 = 7 apples.", reference: "5+2=7\n#### 7", origin: "f:1")
            #expect(outcome.strictAnswer == "[invalid]" && outcome.flexibleAnswer == "7" && outcome.reference == "7")
            #expect(!outcome.strictCorrect && outcome.flexibleCorrect)
        }
    }
}

// MARK: - Contamination statistics

extension EvaluationTests {
    @Suite struct ContaminationStatistics {
        @Test func minKAveragesTheLowestTokens() throws {
            let logprobs = [-1, -5, -0.5, -3, -2, -0.1, -4, -0.2, -0.3, -6]
            #expect(MinKProb.score(logprobs, fraction: 0.2) == -5.5, "the 2 lowest of 10: -6 and -5")
            #expect(MinKProb.score(logprobs, fraction: 0.05) == -6, "⌊0.5⌋ = 0 tokens: at least the lowest one")
            #expect(try #require(MinKProb.score(logprobs, fraction: 1)) == logprobs.reduce(0, +) / 10)
            #expect(MinKProb.score([], fraction: 0.2) == nil)
        }

        @Test func neighbourShareCountsStrictlyLowerLosses() {
            #expect(NeighbourComparison.share(sampleLoss: 2.0, neighbourLosses: [1.0, 2.0, 3.0, 1.5, .nan]) == 0.4)
            #expect(NeighbourComparison.score([0.0, 0.05, 0.1, 0.5], threshold: 0.1) == 0.5)
            #expect(NeighbourComparison.score([]) == nil)
        }

        @Test func neighboursStartFromTheFirstFortyPercentOfWords() {
            let ten = NeighbourComparison.prefix(of: "a b c d e f g h i j")
            #expect(ten.prefix == "a b c d" && ten.newTokens == 6)
            let three = NeighbourComparison.prefix(of: "one  two\n three")
            #expect(three.prefix == "one two" && three.newTokens == 1, "⌈1.2⌉ = 2 words, joined by one space")
        }

        @Test func samplesJoinQuestionAndAnswer() throws {
            let arc = try BenchmarkSample.read(path: PairFixtures.pairs("arc.jsonl"))
            #expect(arc[0].text == "Which material lets electricity pass through it most easily? copper")
            let gsm = try BenchmarkSample.read(path: PairFixtures.pairs("gsm8k.jsonl"))
            #expect(gsm[0].text.hasSuffix("pages.\nIn total he reads 60+20 = <<60+20=80>>80 pages.") && !gsm[0].text.contains("####"))
            let hellaswag = try BenchmarkSample.read(path: PairFixtures.pairs("hellaswag.jsonl"))
            #expect(hellaswag[1].text == "A woman sprays the car with a hose. she scrubs the doors with a soapy sponge.")
            let other = try PairFixtures.file(#"{"question": "q?", "mc1_targets": {"choices": ["no", "yes"], "labels": [0, 1]}}"# + "\n"
                + #"{"question": "Q", "choices": ["a", "b"], "answer": 1}"# + "\n" + #"{"input": "as is"}"# + "\n")
            #expect(try BenchmarkSample.read(path: other).map(\.text) == ["q? yes", "Q b", "as is"])
        }

        /// The per-sample values are those computed another way, and the run repeats with its seed.
        @Test func runComputesLossesAndMinKPerSample() throws {
            let model = try EvaluationFixtures.model(seed: 3), reference = try EvaluationFixtures.model(seed: 4)
            let samples = [BenchmarkSample(text: "Ana has three apples and buys four more today.", origin: "b:1"),
                           BenchmarkSample(text: "The quick brown fox jumps over the lazy dog again.", origin: "b:2")]
            var options = Contamination.Options()
            options.neighbours = 3
            let result = try Contamination.run(model: model, reference: reference, samples: samples, options: options)
            #expect(result.samples.count == 2 && !result.interrupted)
            for sample in result.samples {
                let text = try #require(samples.first { $0.origin == sample.origin }).text
                let target = try model.tokenLogprobs(try #require(model.tokenizer).encode(text)).scalars.map(Double.init)
                let ref = try reference.tokenLogprobs(try #require(reference.tokenizer).encode(text)).scalars.map(Double.init)
                #expect(abs(sample.loss + target.reduce(0, +) / Double(target.count)) < 1e-4)
                #expect(abs(sample.referenceLoss + ref.reduce(0, +) / Double(ref.count)) < 1e-4)
                #expect(abs(sample.minK - (MinKProb.score(target) ?? 0)) < 1e-4 && abs(sample.referenceMinK - (MinKProb.score(ref) ?? 0)) < 1e-4)
                #expect([0, 1.0 / 3, 2.0 / 3, 1].contains { abs($0 - sample.share) < 1e-9 })
            }
            let again = try Contamination.run(model: model, reference: reference, samples: samples, options: options)
            #expect(again.samples == result.samples)
            var checks = 0
            let stopped = try Contamination.run(model: model, reference: reference, samples: samples, options: options, shouldStop: { checks += 1; return checks > 1 })
            #expect(stopped.interrupted && stopped.samples.count == 1)
            #expect(result.score == NeighbourComparison.score(result.samples.map(\.share)))
        }
    }
}

// MARK: - N-gram overlap

extension EvaluationTests {
    @Suite struct NGramOverlapTests {
        @Test func normalisationFollowsTheJanitor() {
            #expect(NGramOverlap.normalized("Don't STOP, É!") == "dont stop É", "ASCII letters only are lower-cased")
            #expect(NGramOverlap.ngrams("a b  c\nd", n: 3) == ["a b c", "b c d"])
            #expect(NGramOverlap.ngrams("a b", n: 3).isEmpty)
        }

        @Test func itemsOverlapThroughAnySharedNGram() throws {
            let directory = try PairFixtures.scratch()
            let training = directory.appendingPathComponent("train.jsonl").path
            try Data((#"{"text": "The quick, brown fox jumps!", "meta": {"note": "a lazy cat"}}"# + "\n").utf8).write(to: URL(fileURLWithPath: training))
            let benchmark = directory.appendingPathComponent("bench.jsonl").path
            try Data([#"{"text": "the QUICK brown fox sleeps"}"#, #"{"text": "a lazy cat naps"}"#, #"{"text": "brown fox"}"#, #"{"text": "one two three"}"#]
                .joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: benchmark))
            let result = try NGramOverlap.measure(trainingPath: training, benchmarkPath: benchmark, n: 3)
            #expect(result.items.map(\.ngrams) == [3, 2, 0, 1])
            #expect(result.items.map(\.matched) == [2, 1, 0, 0], "nested strings are documents too")
            #expect(result.overlap == 0.5 && result.documents == 2)
            let text = directory.appendingPathComponent("train.txt").path
            try Data("one two three four".utf8).write(to: URL(fileURLWithPath: text))
            #expect(try NGramOverlap.measure(trainingPath: text, benchmarkPath: benchmark, n: 3).items.map(\.matched) == [0, 0, 0, 1])
        }
    }
}

// MARK: - Runs and errors

extension EvaluationTests {
    @Suite struct Runs {
        @Test func multipleChoiceRunScoresEveryChoiceAndStopsWhenAsked() throws {
            let model = try EvaluationFixtures.model()
            let items = try MultipleChoiceTask.arc.items(path: PairFixtures.pairs("arc.jsonl"))
            let result = try MultipleChoiceEvaluation.run(model: model, items: items)
            #expect(result.scores.count == 3 && !result.interrupted)
            let scorer = try ContinuationScorer(model: model)
            let first = try scorer.score(items[0].choices.indices.map { ContinuationRequest(context: items[0].query, continuation: items[0].continuation($0)) })
            #expect(zip(result.scores[0].logprobs, first).allSatisfy { abs($0 - $1.logprob) < 1e-4 }, "batched with other questions")
            #expect(result.acc?.mean == Double(result.scores.filter(\.acc).count) / 3)

            let many = Array(repeating: items[0], count: MultipleChoiceEvaluation.questionsPerStep + 4)
            var checks = 0
            let stopped = try MultipleChoiceEvaluation.run(model: model, items: many, shouldStop: { checks += 1; return checks > 1 })
            #expect(stopped.interrupted && stopped.scores.count == MultipleChoiceEvaluation.questionsPerStep)
            var limited = MultipleChoiceEvaluation.Options()
            limited.limit = 2
            #expect(try MultipleChoiceEvaluation.run(model: model, items: items, options: limited).scores.count == 2)
        }

        @Test func gsm8kRunGeneratesGreedilyAndCutsAtStops() throws {
            let model = try EvaluationFixtures.model()
            let problems = try GSM8KProblem.read(path: PairFixtures.pairs("gsm8k.jsonl"))
            var options = GSM8KEvaluation.Options()
            options.shots = 1
            options.maxNewTokens = 6
            let result = try GSM8KEvaluation.run(model: model, problems: problems, options: options)
            #expect(result.outcomes.count == 2 && result.outcomes.allSatisfy { !$0.response.contains("Question:") })
            let tokenizer = try #require(model.tokenizer)
            let prompt = tokenizer.encode(GSM8KEvaluation.context(of: 0, in: problems, options: options))
            let greedy = try tokenizer.decode(try model.generate(prompt: prompt, maxTokens: 6), skipSpecialTokens: true)
            #expect(greedy.hasPrefix(result.outcomes[0].response))
            #expect(result.outcomes.map(\.reference) == ["80", "4625"])
        }

        @Test func badInputIsNamed() throws {
            let model = try EvaluationFixtures.model()
            let items = try MultipleChoiceTask.arc.items(path: PairFixtures.pairs("arc.jsonl"))
            #expect(preferenceError { _ = try MultipleChoiceTask.arc.items(path: "/no/such.jsonl") } == PreferenceError("/no/such.jsonl", "no such file; check the path"))
            let broken = try PairFixtures.file(#"{"question": "q", "choices": {"text": ["a", "b"], "label": ["A", "B"]}, "answerKey": "A"}"# + "\n{oops\n")
            #expect(preferenceError { _ = try MultipleChoiceTask.arc.items(path: broken) } == PreferenceError("\(broken):2", "is not valid JSON"))
            #expect(preferenceError { _ = try MultipleChoiceTask.hellaswag.items(path: PairFixtures.pairs("arc.jsonl")) }?.message == "has no 'ctx' (or 'ctx_a' and 'ctx_b') field")
            #expect(preferenceError { _ = try MultipleChoiceTask.named("mmlu") } == PreferenceError("task", "unknown multiple-choice task 'mmlu'; expected one of arc, hellaswag"))
            var options = MultipleChoiceEvaluation.Options()
            options.limit = 0
            #expect(preferenceError { _ = try MultipleChoiceEvaluation.run(model: model, items: items, options: options) }?.place == "limit")
            options.limit = nil
            options.shots = 3
            #expect(preferenceError { _ = try MultipleChoiceEvaluation.run(model: model, items: items, options: options) }?.message.contains("need at least 4 items") == true)
            let bare = try TransformerModel.random(config: model.config, seed: 1)
            #expect(preferenceError { _ = try MultipleChoiceEvaluation.run(model: bare, items: items) } == PreferenceError("model", "has no tokenizer, so texts cannot be scored"))
            let problems = try GSM8KProblem.read(path: PairFixtures.pairs("gsm8k.jsonl"))
            #expect(preferenceError { _ = try GSM8KEvaluation.run(model: bare, problems: problems) }?.place == "model")
            let samples = [BenchmarkSample(text: "a b c", origin: "b:1")]
            #expect(preferenceError { _ = try Contamination.run(model: model, reference: bare, samples: samples) }?.place == "ref")
            var many = Contamination.Options()
            many.neighbours = Contamination.maxNeighbours + 1
            #expect(preferenceError { _ = try Contamination.run(model: model, reference: model, samples: samples, options: many) }?.place == "neighbours")
            let noHashes = try PairFixtures.file(#"{"question": "q", "answer": "just 5"}"# + "\n")
            #expect(preferenceError { _ = try GSM8KProblem.read(path: noHashes) }?.message == "field 'answer' has no '#### N' line with the final answer")
            let unknown = try PairFixtures.file(#"{"title": "x"}"# + "\n")
            #expect(preferenceError { _ = try BenchmarkSample.read(path: unknown) }?.place == "\(unknown):1")
            var contamination = Contamination.Options()
            contamination.k = 0
            #expect(preferenceError { _ = try Contamination.run(model: model, reference: model, samples: [], options: contamination) }?.place == "k")
            #expect(preferenceError { _ = try NGramOverlap.measure(trainingPath: "/no/train.txt", benchmarkPath: PairFixtures.pairs("arc.jsonl")) }
                == PreferenceError("/no/train.txt", "no such file; check the path"))
        }
    }
}
