import Base
import Distributed
import Foundation
import Models
import OrderedCollections
import Preference
import Training

/// Benchmark evaluation as lm-evaluation-harness scores it (multiple choice, GSM8K) and
/// contamination checks against a reference model (docs/evaluation.md).
extension Builtins {
    static let evaluation: [Builtin] = [
        Builtin("eval_mc(model, path, task, \(SettingSignature.parameters(MultipleChoiceEvaluation.Options.table)), out = nil)", topic: "evaluation",
                doc: "Multiple-choice accuracy as lm-evaluation-harness scores ARC and HellaSwag: each choice is scored by the summed log-probs of \" \" + choice after the prompt (joint tokenisation), task \"arc\" (prompt \"Question: …\\nAnswer:\") or \"hellaswag\" (activity label and context, preprocessed). Returns {acc (argmax of the sums), acc_norm (sums divided by the choice's length in characters), acc_bytes (… in UTF-8 bytes), n, their *_stderr, task, shots, interrupted, out, items}; items holds per question its origin, gold, logprobs and the three predictions. Options: " + SettingSignature.help(MultipleChoiceEvaluation.Options.table) + ". Also writes the record as JSON to out (default: the file's path with .eval_mc.json for .jsonl; false: none). Shows progress; Ctrl-C stops with the questions done.",
                example: "let p = temp_dir() + \"/arc.jsonl\"\nsave_jsonl([{question: \"What is frozen water called?\", choices: {text: [\"Ice, which floats.\", \"A kitten.\"], label: [\"A\", \"B\"]}, answerKey: \"A\"}], p)\neval_mc(default_model(), p, task: \"arc\").acc") { a in
            let model = try a.model("model"), path = try a.path("path")
            let task = try MultipleChoiceTask.named(try a.string("task"))
            let options = try a.settings(MultipleChoiceEvaluation.Options.self)
            let items = try task.items(path: path)
            let out = try a.resultsPath("out", beside: path, kind: "eval_mc")
            let share = MultipleChoiceEvaluation.share(of: items, options: options)
            let result = try a.withProgress(share, label: task.rawValue) { progress, shouldStop in
                try MultipleChoiceEvaluation.run(model: model, items: items, options: options, onProgress: { done, correct in
                    progress.advance(to: done, figures: "acc \(String(format: "%.3f", Double(correct) / Double(max(done, 1))))")
                }, shouldStop: shouldStop)
            }
            var record: OrderedDictionary<String, Value> = [:]
            record.addMetric("acc", result.acc)
            record.addMetric("acc_norm", result.accNorm)
            record.addMetric("acc_bytes", result.accBytes)
            record["n"] = .number(Double(result.scores.count))
            record.addStandardError("acc", result.acc)
            record.addStandardError("acc_norm", result.accNorm)
            record.addStandardError("acc_bytes", result.accBytes)
            record["task"] = .string(task.rawValue)
            record["shots"] = .number(Double(options.shots))
            record["interrupted"] = .bool(result.interrupted)
            record["items"] = .list(result.scores.map { score in
                .record(["origin": .string(score.origin), "gold": .number(Double(score.gold)),
                         "logprobs": .list(score.logprobs.map(Value.number)),
                         "pred": .number(Double(score.predicted)), "pred_norm": .number(Double(score.predictedPerCharacter)),
                         "pred_bytes": .number(Double(score.predictedPerByte)),
                         "acc": .number(score.acc ? 1 : 0), "acc_norm": .number(score.accNorm ? 1 : 0), "acc_bytes": .number(score.accBytes ? 1 : 0)])
            })
            return try writeResults(record, to: out)
        },
        Builtin("eval_gsm8k(model, path, \(SettingSignature.parameters(GSM8KEvaluation.Options.table, omitting: ["stop"])), out = nil)", topic: "evaluation",
                doc: "GSM8K exact match as lm-evaluation-harness scores it: shots worked examples (\"Question: …\\nAnswer: <solution>\" and a blank line, drawn with seed from the file's other problems), then the question; greedy decoding on the KV cache until \"Question:\", \"</s>\", \"<|im_end|>\", EOS or max_new_tokens. strict takes the first \"#### N\", flexible the last number; both are compared with the reference ignoring commas, $, a trailing period and case. Rows are GSM8K's {question, answer ending \"#### N\"} or MetaMath's {query, response ending \"The answer is: N\"}. Returns {strict, flexible, n, their *_stderr, shots, interrupted, out, items}; items holds per problem its origin, response, strict_answer, flexible_answer, reference and the two 0/1 scores. Options: " + SettingSignature.help(GSM8KEvaluation.Options.table, omitting: ["stop"]) + ". Also writes the record as JSON to out (default: the file's path with .eval_gsm8k.json; false: none). Shows progress; Ctrl-C stops with the problems done.",
                example: "let p = temp_dir() + \"/gsm8k.jsonl\"\nsave_jsonl([{question: \"Ana has 3 apples and buys 4 more. How many apples does she have?\", answer: \"Ana has 3 + 4 = 7 apples.\\n#### 7\"}], p)\neval_gsm8k(default_model(), p, shots: 0, max_new_tokens: 24).n") { a in
            let model = try a.model("model"), path = try a.path("path")
            let options = try a.settings(GSM8KEvaluation.Options.self)
            let problems = try GSM8KProblem.read(path: path)
            let out = try a.resultsPath("out", beside: path, kind: "eval_gsm8k")
            let share = GSM8KEvaluation.share(of: problems, options: options)
            let result = try a.withProgress(share, label: "gsm8k") { progress, shouldStop in
                try GSM8KEvaluation.run(model: model, problems: problems, options: options, onProgress: { done, correct in
                    progress.advance(to: done, figures: "flexible \(String(format: "%.3f", Double(correct) / Double(max(done, 1))))")
                }, shouldStop: shouldStop)
            }
            var record: OrderedDictionary<String, Value> = [:]
            record.addMetric("strict", result.strict)
            record.addMetric("flexible", result.flexible)
            record["n"] = .number(Double(result.outcomes.count))
            record.addStandardError("strict", result.strict)
            record.addStandardError("flexible", result.flexible)
            record["shots"] = .number(Double(options.shots))
            record["interrupted"] = .bool(result.interrupted)
            record["items"] = .list(result.outcomes.map { outcome in
                .record(["origin": .string(outcome.origin), "response": .string(outcome.response),
                         "strict_answer": .string(outcome.strictAnswer), "flexible_answer": .string(outcome.flexibleAnswer),
                         "reference": .string(outcome.reference),
                         "strict": .number(outcome.strictCorrect ? 1 : 0), "flexible": .number(outcome.flexibleCorrect ? 1 : 0)])
            })
            return try writeResults(record, to: out)
        },
        Builtin("contamination(model, ref, path, \(SettingSignature.parameters(Contamination.Options.table)), out = nil)", topic: "evaluation",
                doc: "Contamination of model against its reference model ref on a benchmark file, as the Smaug model card's figures were computed (swj0419/detect-pretrain-code-contamination): for each of samples samples (seeded shuffle), ref writes neighbours continuations of the sample's first ratio of words; share is the fraction of neighbours on which model's mean token loss is lower than on the sample. score is the fraction of samples with share < threshold (near 1: likely trained on the benchmark). Also per sample: both models' loss and Min-K% Prob (mean of the k lowest token log-probs) and their differences. A sample is question + \" \" + answer (ARC, HellaSwag, GSM8K, MetaMath, MMLU, TruthfulQA rows) or a text/input field. Returns {score, n, threshold, mean_share, min_k_diff, loss_diff, k, neighbours, interrupted, out, samples}. Options: " + SettingSignature.help(Contamination.Options.table) + ". Also writes the record as JSON to out (default: the file's path with .contamination.json; false: none). Shows progress; Ctrl-C stops with the samples done.",
                example: "let p = temp_dir() + \"/bench.jsonl\"\nsave_jsonl([{text: \"Ana has 3 apples and buys 4 more, so she has 7 apples.\"}], p)\ncontamination(default_model(), default_model(), p, neighbours: 4).n") { a in
            let model = try a.model("model"), reference = try a.model("ref"), path = try a.path("path")
            let options = try a.settings(Contamination.Options.self)
            let samples = try BenchmarkSample.read(path: path)
            let out = try a.resultsPath("out", beside: path, kind: "contamination")
            let result = try a.withProgress(Contamination.share(of: samples, options: options), label: "contamination") { progress, shouldStop in
                try Contamination.run(model: model, reference: reference, samples: samples, options: options, onProgress: { done, below in
                    progress.advance(to: done, figures: "\(below) below \(format(options.threshold))")
                }, shouldStop: shouldStop)
            }
            func mean(_ values: [Double]) -> Value { values.isEmpty ? .nil : .number(values.reduce(0, +) / Double(values.count)) }
            let record: OrderedDictionary<String, Value> = [
                "score": result.score.map(Value.number) ?? .nil,
                "n": .number(Double(result.samples.count)),
                "threshold": .number(options.threshold),
                "mean_share": mean(result.samples.map(\.share)),
                "min_k_diff": mean(result.samples.map(\.minKDifference)),
                "loss_diff": mean(result.samples.map(\.lossDifference)),
                "k": .number(options.k),
                "neighbours": .number(Double(options.neighbours)),
                "interrupted": .bool(result.interrupted),
                "samples": .list(result.samples.map { sample in
                    .record(["origin": .string(sample.origin), "share": .number(sample.share),
                             "loss": .number(sample.loss), "ref_loss": .number(sample.referenceLoss), "loss_diff": .number(sample.lossDifference),
                             "min_k": .number(sample.minK), "ref_min_k": .number(sample.referenceMinK), "min_k_diff": .number(sample.minKDifference)])
                }),
            ]
            return try writeResults(record, to: out)
        },
        Builtin("min_k_prob(model, text, \(SettingSignature.parameter(Contamination.Options.table.declarations.k)))", topic: "evaluation",
                doc: "Min-K% Prob of a text (Shi et al. 2023): the mean of the lowest k fraction of its token log-probs (at least one token), the text encoded with its special tokens (BOS). Higher (closer to 0) hints the model has seen the text.",
                example: "min_k_prob(default_model(), \"Question: Ana has 3 apples.\")") { a in
            let model = try a.model("model"), text = try a.string("text")
            let k = try a.setting(Contamination.Options.table.declarations.k)
            guard let tokenizer = model.tokenizer else { throw BuiltinError("the model has no tokenizer (no tokenizer.json in its directory)") }
            let ids = Array(tokenizer.encode(text).prefix(model.config.maxPositions + 1))
            guard ids.count >= 2 else { throw BuiltinError("the text must give at least two tokens (with BOS), got \(ids.count)") }
            let logprobs = try InferenceModel(model: model).tokenLogprobs(ids).map { Double($0) }
            return MinKProb.score(logprobs, fraction: k).map(Value.number) ?? .nil
        },
        Builtin("ngram_overlap(train_path, bench_path, n = 13, out = nil)", topic: "evaluation",
                doc: "Word n-gram overlap by lm-evaluation-harness's decontamination rule: texts lower-cased (ASCII), ASCII punctuation removed, split on whitespace; a benchmark item is contaminated when any of its n-grams occurs in the training file. train_path: a .jsonl file (every string of every line is a document) or any text file (one document); bench_path: a benchmark JSONL, each line's text as contamination reads it. Returns {overlap (share of items contaminated), contaminated, n (items), ngram, documents, out, items: [{origin, ngrams, matched, contaminated}]}. Also writes the record as JSON to out (default: bench_path with .ngram_overlap.json; false: none).",
                example: "let dir = temp_dir()\nsave_jsonl([{text: \"the quick brown fox jumps over the lazy dog\"}], dir + \"/train.jsonl\")\nsave_jsonl([{text: \"A quick brown fox jumps over a fence.\"}], dir + \"/bench.jsonl\")\nngram_overlap(dir + \"/train.jsonl\", dir + \"/bench.jsonl\", n: 3).overlap") { a in
            let training = try a.string("train_path"), benchmark = try a.string("bench_path"), n = try a.int("n")
            let out = try a.resultsPath("out", beside: benchmark, kind: "ngram_overlap")
            let result = try NGramOverlap.measure(trainingPath: training, benchmarkPath: benchmark, n: n)
            let record: OrderedDictionary<String, Value> = [
                "overlap": result.overlap.map(Value.number) ?? .nil,
                "contaminated": .number(Double(result.items.filter(\.contaminated).count)),
                "n": .number(Double(result.items.count)),
                "ngram": .number(Double(result.n)),
                "documents": .number(Double(result.documents)),
                "items": .list(result.items.map { item in
                    .record(["origin": .string(item.origin), "ngrams": .number(Double(item.ngrams)),
                             "matched": .number(Double(item.matched)), "contaminated": .bool(item.contaminated)])
                }),
            ]
            return try writeResults(record, to: out)
        },
    ]

    /// The record with its `out` field set, written as JSON (atomically) when `out` is a path,
    /// by rank 0 alone: every rank holds the same record.
    private static func writeResults(_ record: OrderedDictionary<String, Value>, to out: String?) throws -> Value {
        var record = record
        record["out"] = out.map(Value.string) ?? .nil
        guard let out else { return .record(record) }
        let world = World.current
        if world.isRoot { try AtomicWrite.write(json(.record(record)) + "\n", to: out) }
        // A rank stopped by a signal goes on to end the job, which must not cut the writing short.
        world.barrier()
        return .record(record)
    }
}

extension OrderedDictionary where Key == String, Value == Lang.Value {
    /// `name`: the metric's mean (nil when nothing was evaluated).
    fileprivate mutating func addMetric(_ name: String, _ metric: MetricMean?) {
        self[name] = metric.map { .number($0.mean) } ?? .nil
    }

    /// `name_stderr`: the metric's standard error (nil below two items).
    fileprivate mutating func addStandardError(_ name: String, _ metric: MetricMean?) {
        self[name + "_stderr"] = metric?.standardError.map(Lang.Value.number) ?? .nil
    }
}

extension Arguments {
    /// The `out` argument: nil gives `<path without .jsonl>.<kind>.json`, false no file, a string that
    /// path. Rank 0 checks it before any work (`OutputPath`), so a long evaluation never ends unable to save.
    fileprivate func resultsPath(_ name: String, beside path: String, kind: String) throws -> String? {
        let out: String
        switch try self[name] {
        case .nil:
            let stem = path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path
            out = "\(stem).\(kind).json"
        case .bool(false): return nil
        case .string(let chosen) where !chosen.isEmpty: out = chosen
        case let other: throw BuiltinError("argument 'out' must be a file path, nil (the default path) or false (no file), got \(repr(other))")
        }
        // Only rank 0 writes it, and another rank's machine may not even see its folder.
        guard World.current.isRoot else { return out }
        do {
            try OutputPath.checkFile(out, input: (path, "the benchmark file being read"))
        } catch let error as PlaceError {
            throw PlaceError(name, "\(error), or \(name): false for no file")
        }
        return out
    }

    /// Runs a long evaluation of this rank's `share` with a progress bar on standard error (on
    /// several ranks each counts its own share, and rank 0's alone shows unless --all-ranks);
    /// Ctrl-C makes `shouldStop` true, so the evaluation returns what it has (and the
    /// interpreter then stops the entry).
    func withProgress<T: InterruptibleResult>(_ share: ItemShare, label: String,
                                              _ body: (ProgressReporter, _ shouldStop: () -> Bool) throws -> T) throws -> T {
        let world = World.current
        let total = share.positions.count
        let progress = ProgressReporter.standardError(total: total, every: max(1, total / 4),
                                                      label: world.size > 1 ? "\(label) (rank \(world.rank)'s share)" : label)
        let interrupt = runtime.interrupt
        defer { progress.finish() }
        let result = try body(progress, { interrupt.isSet })
        if result.interrupted { stopWithTheOtherRanks() }
        return result
    }
}
