import Foundation
import Testing
@testable import Lang

/// `problems`, `save_jsonl`, `train_tokenizer`, `exact_match` and `default_model`.
@Suite struct ExperimentBuiltinTests {
    func run(_ code: String) throws -> Value { try evaluate(code) }

    @Test func problemsAreRecordsOfWorkedSolutions() throws {
        let value = try run("""
            let p = problems(3, steps: 2, seed: 4)
            [len(p), keys(p[0]), p[0].steps, p[0].prompt == problems(1, steps: 2, seed: 4)[0].prompt, p[0].prompt == p[1].prompt]
            """)
        #expect(repr(value) == #"[3, ["prompt", "solution", "answer", "steps"], 2, true, false]"#)
        let answer = try run(#"let p = problems(1, steps: 1, seed: 0)[0]"# + "\np.solution")
        guard case .string(let solution) = answer else { Issue.record("\(answer)"); return }
        #expect(solution.hasSuffix("The answer is: \(repr(try run("problems(1, steps: 1, seed: 0)[0].answer")))"))
        #expect(errorText { try run("problems(0)") }.contains("count must be between 1"))
        #expect(errorText { try run("problems(2, steps: 0)") }.contains("steps must be between 1 and 21"))
    }

    @Test func savedRowsTrainAModel() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("experiment-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let value = try run("""
            let rows = map(problems(12, steps: 1, seed: 2), fn(p) => {prompt: p.prompt, completion: p.solution})
            let path = save_jsonl(rows, "\(directory)/sft.jsonl")
            let tok = train_tokenizer(path, "\(directory)", vocab: 300)
            let m = new_model(vocab: tok.vocab, hidden: 16, layers: 1, heads: 2, max_len: 128, tokenizer: tok)
            let run = train(m, path, steps: 2, batch: 4, seq_len: 96, dir: "\(directory)/run")
            [run.step, tok.vocab, decode(tok, encode(tok, rows[0].completion, special: false)) == rows[0].completion]
            """)
        #expect(repr(value) == "[2, 300, true]")
        let lines = try String(contentsOfFile: directory + "/sft.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 12 && lines[0].hasPrefix("{\"prompt\": \"Question: "))
        #expect(FileManager.default.fileExists(atPath: directory + "/tokenizer.json"))
        #expect(errorText { try run("save_jsonl([1, 2], \"\(directory)/bad.jsonl\")") }.contains("rows[0] must be a record"))
        #expect(errorText { try run("save_jsonl([{a: 1}], \"/sys/x.jsonl\")") }.contains("save_jsonl: /sys/x.jsonl: permission denied; choose a folder you can write to"))
        #expect(errorText { try run("train_tokenizer([\"a\"], \"/sys/t.json\")") }.contains("train_tokenizer: /sys/t.json: permission denied"))
        #expect(errorText { try run("train_tokenizer([\"a\", 3], \"\(directory)/t.json\")") }.contains("data[1] must be a string"))
        #expect(errorText { try run("train_tokenizer([\"a\"], \"\(directory)/t.json\", vocab: 10)") }.contains("vocab must be between 259"))
    }

    /// Ctrl-C during grading returns the problems graded so far, marked interrupted.
    @Test func exactMatchStoppedEarlySaysSo() throws {
        let interpreter = Interpreter(write: { _ in })
        try interpreter.evaluate(Source(name: "<test>", text: "let m = default_model()\nlet ps = problems(20000, steps: 1, seed: 5)"))
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { interpreter.interrupt.set() }
        _ = errorText { try interpreter.evaluate(Source(name: "<test>", text: "let graded = exact_match(m, ps)")) }
        let value = try interpreter.evaluate(Source(name: "<test>", text: "[graded.interrupted, graded.n < 20000, graded.n == len(graded.correct)]")).value
        #expect(repr(value) == "[true, true, true]")
        let whole = try run("exact_match(default_model(), problems(2, steps: 1, seed: 5)).interrupted")
        #expect(repr(whole) == "false")
    }

    /// Teacher-forced grading says "solved" exactly when greedy generation writes the solution.
    @Test func exactMatchAgreesWithGreedyGeneration() throws {
        let value = try run("""
            let m = default_model()
            let ps = problems(4, steps: 1, seed: 31)
            let graded = exact_match(m, ps)
            let generated = map(ps, fn(p) => generate(m, p.prompt, max_tokens: 80) == p.solution)
            [graded.correct, generated, graded.n, len(graded.first_error)]
            """)
        guard case .list(let items) = value, items.count == 4 else { Issue.record("\(value)"); return }
        #expect(valuesEqual(items[0], items[1]), "grading \(repr(items[0])) vs generation \(repr(items[1]))")
        #expect(repr(items[2]) == "4" && repr(items[3]) == "4")
        #expect(errorText { try run("exact_match(default_model(), [{prompt: \"x\"}])") }.contains("problems[0] must be a record with prompt and solution"))
    }

    /// card.json reports what exact_match measures on the recipe's held-out problems.
    @Test func theDefaultModelsCardTellsTheTruth() throws {
        let card = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DefaultModel/Files/card.json")
        let object = try JSONSerialization.jsonObject(with: try Data(contentsOf: card)) as? [String: Any]
        let reported = try #require((object?["exact_match"] as? [String: Any])?["steps_1"] as? Double)
        let value = try run("exact_match(default_model(), problems(100, steps: 1, seed: 901)).accuracy")
        guard case .number(let measured) = value else { Issue.record("\(value)"); return }
        #expect(measured == reported, "card says \(reported), exact_match gives \(measured)")
    }

    @Test func eachDefaultModelIsAFreshCopy() throws {
        let value = try run("""
            let a = default_model()
            let b = default_model()
            let before = completion_logprob(b, "Question: x\\nAnswer:\\n", "The answer is: 3")
            train(a, tensor([[1, 5, 9, 13, 17, 21, 25, 29, 33]]), steps: 2, batch: 1, seq_len: 8, lr: 0.01, dir: temp_dir() + "/run")
            completion_logprob(b, "Question: x\\nAnswer:\\n", "The answer is: 3") == before
            """)
        #expect(repr(value) == "true")
    }
}

/// The scripts of examples/ parse; scripts/test runs each in its quick mode (a few steps on a few
/// items, through every builtin the real runs use) on the release build, since their training
/// runs are too slow for a debug build, and checks the figures the main job promises.
@Suite struct ExampleScriptTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    @Test func everyExampleParses() throws {
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path).filter { $0.hasSuffix(".pref") }
        #expect(scripts.count >= 2)
        for script in scripts {
            let text = try String(contentsOf: Self.examples.appendingPathComponent(script), encoding: .utf8)
            #expect(throws: Never.self, "\(script)") { _ = try Parser.parse(Source(name: script, text: text)) }
        }
    }
}
