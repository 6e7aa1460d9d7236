import Dispatch
import Foundation
import Testing
import Training
@testable import Lang

/// `train`, `resume` and run values in the language.
@Suite(.serialized) struct TrainingBuiltinTests {
    static let tokenizerPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/tokenizers/gpt2.json").path

    func interpreter() -> Interpreter {
        let interpreter = Interpreter(write: { _ in })
        interpreter.define("tok_path", .string(Self.tokenizerPath))
        return interpreter
    }

    func run(_ code: String, in interpreter: Interpreter? = nil) throws -> Value {
        try (interpreter ?? self.interpreter()).evaluate(Source(name: "<test>", text: code)).value
    }

    func errorMessage(_ code: String) -> String { errorText { try run(code) } }

    static let setup = """
        let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)
        let ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8, 9, 10, 11]])
        let dir = temp_dir() + "/run"

        """

    @Test func trainReturnsARunWithLossesThatCanBePlotted() throws {
        let value = try run(Self.setup + """
            let before = logits(m, [1, 2, 3])
            let run = train(m, ids, steps: 4, batch: 2, seq_len: 8, lr: 0.01, schedule: "linear", dir: dir)
            let changed = item(sum(abs(logits(m, [1, 2, 3]) - before))) > 0
            [len(run.losses), run.tokens_per_second > 0, run.step, run.status, changed, str(plot(run, width: 30, height: 5)), len(run.metrics), run.lrs[0]]
            """)
        guard case .list(let items) = value, items.count == 8 else { Issue.record("\(value)"); return }
        #expect(valuesEqual(items[0], .number(4)) && valuesEqual(items[1], .bool(true)) && valuesEqual(items[2], .number(4)))
        #expect(valuesEqual(items[3], .string("finished")))
        #expect(valuesEqual(items[4], .bool(true)), "train updates the model in place")
        if case .string(let plot) = items[5] { #expect(plot.contains("loss") && plot.contains("step")) } else { Issue.record("\(items[5])") }
        #expect(valuesEqual(items[6], .number(4)) && valuesEqual(items[7], .number(0.01)))
    }

    @Test func controlCStopsAfterAStepAndKeepsTheRunAndModel() throws {
        let interpreter = interpreter()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { interpreter.interrupt.set() }
        let value = try run(Self.setup + """
            let run = train(m, ids, steps: 1000000, batch: 2, seq_len: 8, lr: 0.001, dir: dir)
            [run.status, run.step > 0, run.step < 1000000, len(run.losses) == run.step, shape(logits(m, [1, 2]))]
            """, in: interpreter)
        guard case .list(let items) = value, items.count == 5 else { Issue.record("\(value)"); return }
        #expect(valuesEqual(items[0], .string("interrupted")))
        #expect(valuesEqual(items[1], .bool(true)) && valuesEqual(items[2], .bool(true)) && valuesEqual(items[3], .bool(true)))
        let latest = try run("dir", in: interpreter)
        guard case .string(let dir) = latest else { Issue.record("\(latest)"); return }
        #expect(FileManager.default.fileExists(atPath: dir + "/checkpoints/latest"), "a checkpoint is written on Ctrl-C")
    }

    @Test func optionsAreCheckedByName() {
        #expect(errorMessage(Self.setup + "train(m, ids, steps: 2, batch: 2, seq_len: 8, learning_rate: 0.1)").contains("has no parameter 'learning_rate'"))
        #expect(errorMessage(Self.setup + "train(m, ids, steps: 2, batch: 2, seq_len: 8, lr: -1)").contains("lr: must be a positive number"))
        #expect(errorMessage(Self.setup + "train(m, ids, steps: 2, batch: 9, seq_len: 8)").contains("batch: 9 is larger than"))
        #expect(errorMessage(Self.setup + "train(m, ids, steps: 2, batch: 2, seq_len: 40)").contains("seq_len: 40 is longer than the model's context of 16"))
        #expect(errorMessage(Self.setup + "train(m, \"/nonexistent/data.jsonl\", steps: 2, batch: 2, seq_len: 8)").contains("/nonexistent/data.jsonl"))
        #expect(errorMessage("resume(\"/nonexistent/run\")").contains("/nonexistent/run/run.json"))
        #expect(errorMessage(Self.setup + "train(m, ids, stpes: 2)").contains("has no parameter 'stpes'; did you mean 'steps'?"))
        #expect(errorMessage(Self.setup + "train(m, ids, clip: -1)") .contains("train: clip: must not be negative (0 turns clipping off), got -1.0"))
        #expect(errorMessage(Self.setup + "train(m, ids, schedule: \"step\")").contains("train: schedule: must be constant, linear or cosine, got 'step'"))
        #expect(errorMessage(Self.setup + "train(m, ids, seed: -1)").contains("train: seed: must be a whole number ≥ 0, got -1.0"))
    }

    /// `train`'s and `pref_train`'s signatures and help come from the option declarations.
    @Test func signaturesAndHelpListEveryDeclaredOption() throws {
        // Help is wrapped to the terminal: compared with its line breaks and indents as spaces.
        func unwrapped(_ text: String) -> String { text.replacingOccurrences(of: "\n *", with: " ", options: .regularExpression) }
        let text = unwrapped(try Builtins.helpText("train"))
        for (_, setting) in TrainingOptions.table.settings {
            #expect(text.contains(setting.name + " = "), "signature lacks \(setting.name)")
            #expect(text.contains(setting.name + ": " + setting.doc), "help lacks \(setting.name)'s doc")
        }
        #expect(text.contains("clip = 1, ") && text.contains("schedule = \"constant\"") && text.contains("dir = nil"))
        let prefText = unwrapped(try Builtins.helpText("pref_train"))
        #expect(prefText.contains("loss = \"sigmoid\", beta = 0.1") && prefText.contains("seq_len = nil") && prefText.contains("eos = true"))
    }

    @Test func trainsOnTextWithTheModelsTokenizer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-text-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let lines = (0..<20).map { "{\"text\": \"Janet has \($0) apples and gives \($0 % 3) away.\"}" }
        try lines.joined(separator: "\n").write(toFile: directory + "/corpus.jsonl", atomically: true, encoding: .utf8)
        let value = try run("""
            let m = new_model(vocab: 400, hidden: 32, layers: 2, heads: 4, seed: 3, tokenizer: tokenizer(tok_path))
            let run = train(m, "\(directory)/corpus.jsonl", steps: 3, batch: 2, seq_len: 16, lora_rank: 4, dir: "\(directory)/run")
            [len(run.losses), run.losses[0] > 0]
            """)
        #expect(valuesEqual(value, .list([.number(3), .bool(true)])))
    }
}
