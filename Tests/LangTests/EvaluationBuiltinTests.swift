import Foundation
import Testing
import Base
import Preference
@testable import Lang

/// `eval_mc`, `eval_gsm8k`, `contamination`, `min_k_prob` and `ngram_overlap` on the default model.
@Suite struct EvaluationBuiltinTests {
    static let fixtures = PairBuiltinTests.fixtures

    /// An ARC-format file of two questions in the default model's own style, written by the language.
    static let arcFile = """
        let dir = temp_dir()
        let p = dir + "/arc.jsonl"
        save_jsonl([
          {question: "What is frozen water called?", choices: {text: ["Ice, which floats because it is less dense than liquid water.", "A kitten.", "The piano."], label: ["A", "B", "C"]}, answerKey: "A"},
          {question: "Which season follows autumn?", choices: {text: ["Mars.", "Winter, usually the coldest part of the year."], label: ["A", "B"]}, answerKey: "B"}
        ], p)
        let m = default_model()
        """

    func run(_ code: String) throws -> Value {
        let interpreter = Interpreter(write: { _ in })
        interpreter.define("fixtures", .string(Self.fixtures))
        return try interpreter.evaluate(Source(name: "<test>", text: code)).value
    }

    func number(_ value: Value) -> Double? { if case .number(let x) = value { x } else { nil } }

    func numbers(_ value: Value) -> [Double] {
        guard case .list(let items) = value else { return [] }
        return items.compactMap(number)
    }

    func fields(_ value: Value) -> [String] {
        guard case .record(let record) = value else { return [] }
        return Array(record.keys)
    }

    @Test func evalMCReportsTheThreeAccuraciesAndPerItemSums() throws {
        let value = try run(Self.arcFile + """

            let r = eval_mc(m, p, task: "arc")
            let q = "Question: What is frozen water called?\\nAnswer:"
            [r, completion_logprob(m, q, " Ice, which floats because it is less dense than liquid water."), completion_logprob(m, q, " A kitten."),
             completion_logprob(m, "Question: Which season follows autumn?\\nAnswer:", " Winter, usually the coldest part of the year.")]
            """)
        guard case .list(let parts) = value, parts.count == 4, case .record(let record) = parts[0] else { Issue.record("\(repr(value))"); return }
        #expect(fields(parts[0]) == ["acc", "acc_norm", "acc_bytes", "n", "acc_stderr", "acc_norm_stderr", "acc_bytes_stderr", "task", "shots",
                                     "interrupted", "items", "out"])
        #expect(record["n"].flatMap(number) == 2 && record["task"].map(repr) == "\"arc\"")
        guard case .list(let items)? = record["items"], items.count == 2, case .record(let first) = items[0], case .record(let second) = items[1] else {
            Issue.record("items: \(repr(record["items"] ?? .nil))"); return
        }
        let sums = numbers(first["logprobs"] ?? .nil)
        #expect(sums.count == 3)
        // The default tokenizer splits before a space, so joint and separate encodings agree here.
        #expect(abs(sums[0] - (number(parts[1]) ?? 0)) < 1e-3 && abs(sums[1] - (number(parts[2]) ?? 0)) < 1e-3)
        #expect(abs(numbers(second["logprobs"] ?? .nil)[1] - (number(parts[3]) ?? 0)) < 1e-3)
        // The record's accuracies are the means of the per-item ones.
        for metric in ["acc", "acc_norm", "acc_bytes"] {
            let perItem = items.compactMap { item -> Double? in if case .record(let r) = item { r[metric].flatMap(number) } else { nil } }
            #expect(record[metric].flatMap(number) == perItem.reduce(0, +) / 2, "\(metric)")
        }
        #expect(first["gold"].flatMap(number) == 0 && second["gold"].flatMap(number) == 1)
        let predicted = first["pred"].flatMap(number).map(Int.init) ?? -1
        #expect(predicted == sums.indices.max { sums[$0] < sums[$1] })
    }

    @Test func resultsAreWrittenAsJSON() throws {
        let value = try run(Self.arcFile + """

            let r = eval_mc(m, p, task: "arc", limit: 1)
            let other = eval_mc(m, p, task: "arc", limit: 1, out: dir + "/mine.json")
            let none = eval_mc(m, p, task: "arc", limit: 1, out: false)
            [r.out, other.out, none.out, dir, r.acc, r.n]
            """)
        guard case .list(let parts) = value, parts.count == 6, case .string(let out) = parts[0], case .string(let mine) = parts[1],
              case .string(let dir) = parts[3] else { Issue.record("\(repr(value))"); return }
        #expect(out == dir + "/arc.eval_mc.json" && mine == dir + "/mine.json")
        #expect(valuesEqual(parts[2], .nil))
        let data = try Data(contentsOf: URL(fileURLWithPath: out))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((object["acc"] as? NSNumber)?.doubleValue == number(parts[4]) && (object["n"] as? NSNumber)?.intValue == 1)
        #expect(object["out"] as? String == out && (object["items"] as? [Any])?.count == 1)
        #expect(FileManager.default.fileExists(atPath: mine))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(leftovers == ["arc.eval_mc.json", "arc.jsonl", "mine.json"], "no file for out: false, no temporary files")
    }

    @Test func evalMCReadsHellaSwagAndUsesFewShotExamples() throws {
        let value = try run("""
            let m = default_model()
            let h = eval_mc(m, fixtures + "/hellaswag.jsonl", task: "hellaswag", out: false)
            let shot = eval_mc(m, fixtures + "/arc.jsonl", task: "arc", shots: 2, limit: 1, out: false)
            let zero = eval_mc(m, fixtures + "/arc.jsonl", task: "arc", limit: 1, out: false)
            [h.n, len(h.items[0].logprobs), h.items[1].gold, shot.shots, shot.items[0].logprobs == zero.items[0].logprobs]
            """)
        #expect(repr(value) == "[2, 4, 2, 2, false]", "examples change the context, hence the scores")
    }

    @Test func evalGSM8KReportsStrictAndFlexible() throws {
        let value = try run("""
            let m = default_model()
            let r = eval_gsm8k(m, fixtures + "/gsm8k.jsonl", shots: 1, max_new_tokens: 16, out: false)
            [r, len(r.items), r.items[0].reference, r.items[1].reference, r.items[0].strict + r.items[1].strict == 2 * r.strict]
            """)
        guard case .list(let parts) = value, parts.count == 5 else { Issue.record("\(repr(value))"); return }
        #expect(fields(parts[0]) == ["strict", "flexible", "n", "strict_stderr", "flexible_stderr", "shots", "interrupted", "items", "out"])
        #expect(repr(Value.list(Array(parts[1...]))) == "[2, \"80\", \"4625\", true]")
        let items = try run("let r = eval_gsm8k(default_model(), fixtures + \"/gsm8k.jsonl\", shots: 0, limit: 1, max_new_tokens: 8, out: false)\nkeys(r.items[0])")
        #expect(repr(items) == #"["origin", "response", "strict_answer", "flexible_answer", "reference", "strict", "flexible"]"#)
    }

    @Test func contaminationOfAModelAgainstItselfHasNoDifference() throws {
        let value = try run("""
            let p = temp_dir() + "/bench.jsonl"
            save_jsonl([{text: "Ana has 3 apples and buys 4 more, so she has 7 apples."}, {question: "What is frozen water called?", answer: "Ice.\\n#### 0"}], p)
            let m = default_model()
            let r = contamination(m, m, p, neighbours: 3, out: false)
            [r, r.min_k_diff, r.loss_diff, len(r.samples), keys(r.samples[0]), min_k_prob(m, "Ana has 3 apples and buys 4 more, so she has 7 apples.")]
            """)
        guard case .list(let parts) = value, parts.count == 6 else { Issue.record("\(repr(value))"); return }
        #expect(fields(parts[0]) == ["score", "n", "threshold", "mean_share", "min_k_diff", "loss_diff", "k", "neighbours", "interrupted", "samples", "out"])
        #expect(number(parts[1]) == 0 && number(parts[2]) == 0 && number(parts[3]) == 2)
        #expect(repr(parts[4]) == #"["origin", "share", "loss", "ref_loss", "loss_diff", "min_k", "ref_min_k", "min_k_diff"]"#)
        let sampleMinK = try run("""
            let p = temp_dir() + "/bench.jsonl"
            save_jsonl([{text: "Ana has 3 apples and buys 4 more, so she has 7 apples."}], p)
            contamination(default_model(), default_model(), p, neighbours: 1, out: false).samples[0].min_k
            """)
        #expect(abs((number(sampleMinK) ?? 0) - (number(parts[5]) ?? 1)) < 1e-5, "the same log-probs, batched or not")
    }

    @Test func minKProbIsTheMeanOfTheLowestTokenLogprobs() throws {
        let text = "Question: Ana has 3 apples and 4 pears."
        let value = try run("""
            let m = default_model()
            [min_k_prob(m, "\(text)"), min_k_prob(m, "\(text)", k: 1), token_logprobs(m, encode(m, "\(text)"))]
            """)
        guard case .list(let parts) = value, parts.count == 3, case .tensor(let logprobs) = parts[2] else { Issue.record("\(repr(value))"); return }
        let sorted = logprobs.scalars.map(Double.init).sorted()
        let count = max(1, Int(Double(sorted.count) * 0.2))
        #expect(abs((number(parts[0]) ?? 0) - sorted.prefix(count).reduce(0, +) / Double(count)) < 1e-6)
        #expect(abs((number(parts[1]) ?? 0) - sorted.reduce(0, +) / Double(sorted.count)) < 1e-6)
    }

    @Test func ngramOverlapCountsContaminatedItems() throws {
        let value = try run("""
            let dir = temp_dir()
            save_jsonl([{text: "The quick, brown fox jumps over the lazy dog."}], dir + "/train.jsonl")
            save_jsonl([{text: "the QUICK brown fox sleeps"}, {text: "a lazy cat"}], dir + "/bench.jsonl")
            let r = ngram_overlap(dir + "/train.jsonl", dir + "/bench.jsonl", n: 3)
            [r.overlap, r.contaminated, r.n, r.ngram, r.documents, r.items[0].matched, r.items[1].contaminated, r.out == dir + "/bench.ngram_overlap.json"]
            """)
        #expect(repr(value) == "[0.5, 1, 2, 3, 1, 2, false, true]")
    }

    @Test func errorsNameTheProblem() throws {
        let setup = Self.arcFile + "\n"
        func message(_ code: String) -> String { errorText { try run(setup + code) } }
        #expect(message("eval_mc(m, \"/no/such.jsonl\", task: \"arc\")").contains("eval_mc: /no/such.jsonl: no such file"))
        #expect(message("save_jsonl([{a: 1}], dir + \"/bad.jsonl\")\neval_mc(m, dir + \"/bad.jsonl\", task: \"arc\")").contains("bad.jsonl:1: has no 'question' field"))
        #expect(message("""
            save_jsonl([{question: "q", choices: {text: ["a", "b"], label: ["A", "B"]}, answerKey: "A"}], dir + "/two.jsonl")
            eval_mc(m, dir + "/two.jsonl", task: "hellaswag")
            """).contains("two.jsonl:1: has no 'ctx' (or 'ctx_a' and 'ctx_b') field"))
        #expect(message("eval_mc(m, p, task: \"mmlu\")").contains("task: unknown multiple-choice task 'mmlu'; expected one of arc, hellaswag"))
        #expect(message("eval_mc(m, p)").contains("missing argument 'task'"))
        #expect(message("eval_mc(m, p, task: \"arc\", limit: 0)").contains("limit: must be at least 1"))
        #expect(message("eval_mc(m, p, task: \"arc\", shots: 2)").contains("shots: 2 examples need at least 3 items in the file"))
        #expect(message("eval_mc(new_model(vocab: 32, hidden: 16, layers: 1, heads: 2), p, task: \"arc\")").contains("model: has no tokenizer"))
        #expect(message("eval_mc(m, p, task: \"arc\", out: 3)").contains("argument 'out' must be a file path, nil (the default path) or false"))
        #expect(message("eval_mc(m, p, task: \"arc\", out: \"/sys/r.json\")").contains("eval_mc: out: /sys/r.json: permission denied; choose a folder you can write to, or out: false for no file"))
        #expect(message("eval_mc(m, p, task: \"arc\", out: p)").contains("arc.jsonl: is the benchmark file being read; choose another file to write"))
        #expect(message("eval_gsm8k(m, p)").contains("arc.jsonl:1: has no 'answer' field"))
        #expect(message("eval_gsm8k(m, fixtures + \"/gsm8k.jsonl\", max_new_tokens: 0, shots: 0)").contains("max_new_tokens: must be between 1 and 100000"))
        #expect(message("eval_gsm8k(m, fixtures + \"/gsm8k.jsonl\", shots: -1)").contains("shots: must not be negative"))
        let broken = "let b = dir + \"/broken.jsonl\"\nsave_jsonl([{text: \"fine\"}], b)\n"
        #expect(errorText { try run(setup + broken + "contamination(m, m, b, samples: 0)") }.contains("samples: must be at least 1"))
        #expect(errorText { try run(setup + broken + "contamination(m, m, b, k: 0)") }.contains("k: must be a fraction in (0, 1]"))
        #expect(errorText { try run(setup + broken + "contamination(m, 3, b)") }.contains("argument 'ref' must be a model"))
        #expect(errorText { try run(setup + broken + "contamination(m, m, dir + \"/none.jsonl\")") }.contains("none.jsonl: no such file"))
        #expect(message("ngram_overlap(p, p, n: 0)").contains("n: must be at least 1"))
        #expect(message("min_k_prob(m, \"x\", k: 1.5)").contains("k: must be a fraction in (0, 1], got 1.5"))
    }

    /// The evaluations' signatures and help come from their option declarations, so a default
    /// or a doc is written once.
    @Test func signaturesAndHelpComeFromTheDeclarations() throws {
        let tables: [(String, [(property: String, setting: any AnySetting)], Set<String>)] = [
            ("eval_mc", MultipleChoiceEvaluation.Options.table.settings, []),
            ("eval_gsm8k", GSM8KEvaluation.Options.table.settings, ["stop"]),
            ("contamination", Contamination.Options.table.settings, []),
        ]
        for (builtin, settings, omitted) in tables {
            // help wraps these to the terminal; the builtin's signature and doc are what it wraps.
            let signature = Builtins.table[builtin]?.signature ?? "", doc = Builtins.table[builtin]?.doc ?? ""
            for (_, setting) in settings where !omitted.contains(setting.name) {
                #expect(signature.contains(setting.name + " = "), "\(builtin)'s signature lacks \(setting.name)")
                #expect(doc.contains(setting.name + ": " + setting.doc), "\(builtin)'s help lacks \(setting.name)'s doc")
            }
        }
        #expect(Builtins.table["eval_gsm8k"]?.signature.contains("shots = 5, limit = nil, max_new_tokens = 256, seed = 1234, bos = true, out = nil") == true)
        #expect(try Builtins.helpText("min_k_prob").contains("min_k_prob(model, text, k = 0.2)"))
    }
}

/// Builtins read their arguments by parameter name.
@Suite struct ArgumentNameTests {
    /// A body that reads a name its signature lacks is reported, never handed another argument.
    @Test func readingAnUndeclaredParameterIsAnErrorNotAnotherArgument() throws {
        let builtin = Builtin("probe(x, y = 2)", topic: "test", doc: "", example: "") { a in .number(try a.number("z")) }
        let interpreter = Interpreter(write: { _ in })
        interpreter.define("probe", .builtin(builtin))
        let message = errorText { _ = try interpreter.evaluate(Source(name: "<test>", text: "probe(1)")) }
        #expect(message.contains("probe: reads a parameter 'z' its signature does not have; usage: probe(x, y = 2)"))
    }
}
