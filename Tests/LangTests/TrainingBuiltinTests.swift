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

    /// Ctrl-C stops the run after a step with a checkpoint, binds the run it returns, and stops
    /// the rest of the entry: the loop does not start its next run and `after` is never set.
    @Test func controlCStopsTheRunAndTheRestOfTheEntryKeepingTheRunAndModel() throws {
        let interpreter = interpreter()
        _ = try run(Self.setup + "let started = 0\nlet run = nil", in: interpreter)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.5) { interpreter.interrupt.set() }
        let stopped = errorText {
            try run("""
                for i in [1, 2] {
                    started = started + 1
                    run = train(m, ids, steps: 1000000, batch: 2, seq_len: 8, lr: 0.001, dir: dir + str(i))
                }
                let after = 1
                """, in: interpreter)
        }
        #expect(stopped.contains("interrupted"))
        let value = try run("[started, run.status, run.step > 0, run.step < 1000000, len(run.losses) == run.step, shape(logits(m, [1, 2]))]", in: interpreter)
        guard case .list(let items) = value, items.count == 6 else { Issue.record("\(value)"); return }
        #expect(valuesEqual(items[0], .number(1)), "the loop's second run did not start")
        #expect(valuesEqual(items[1], .string("interrupted")))
        #expect(valuesEqual(items[2], .bool(true)) && valuesEqual(items[3], .bool(true)) && valuesEqual(items[4], .bool(true)))
        #expect(errorText { try run("after", in: interpreter) }.contains("after"), "the statement after the loop did not run")
        let latest = try run("dir", in: interpreter)
        guard case .string(let dir) = latest else { Issue.record("\(latest)"); return }
        #expect(FileManager.default.fileExists(atPath: dir + "1/checkpoints/latest"), "a checkpoint is written on Ctrl-C")
        #expect(!FileManager.default.fileExists(atPath: dir + "2"))
    }

    /// `checkpoint_minutes` writes a checkpoint once that much time has passed since the last,
    /// whatever `keep` asks of the end; its default is ten minutes.
    @Test func checkpointsComeEverySoManyMinutes() throws {
        let interpreter = interpreter()
        _ = try run(Self.setup + """
            let run = train(m, ids, steps: 3, batch: 2, seq_len: 8, lr: 0.001, dir: dir, keep: "none", checkpoint_minutes: 0.000001, keep_checkpoints: 5)
            """, in: interpreter)
        guard case .string(let dir) = try run("dir", in: interpreter) else { Issue.record("no dir"); return }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints").filter { $0.hasPrefix("step-") }.sorted()
        #expect(names.count == 2, "after steps 1 and 2; the last step is the end, where keep: none writes nothing: \(names)")
        #expect(TrainingOptions.table.defaults["checkpoint_minutes"] == .number(10))
    }

    @Test func openRunReadsAFinishedRunWithoutTouchingIt() throws {
        let interpreter = interpreter()
        _ = try run(Self.setup + "let trained = train(m, ids, steps: 3, batch: 2, seq_len: 8, lr: 0.01, dir: dir)", in: interpreter)
        guard case .string(let dir) = try run("dir", in: interpreter) else { Issue.record("dir"); return }
        let before = try directoryListing(dir)
        let value = try run("""
            let opened = open_run(dir)
            [opened.status, opened.step, opened.losses == trained.losses, metric(opened, "grad_norm") == trained.grad_norms,
             opened.checkpoints, item(sum(abs(logits(opened.model, [1, 2, 3]) - logits(m, [1, 2, 3])))), opened.dir == dir]
            """, in: interpreter)
        guard case .list(let items) = value, items.count == 7 else { Issue.record("\(value)"); return }
        #expect(valuesEqual(items[0], .string("finished")) && valuesEqual(items[1], .number(3)))
        #expect(valuesEqual(items[2], .bool(true)) && valuesEqual(items[3], .bool(true)))
        #expect(valuesEqual(items[4], .list([.string(dir + "/checkpoints/step-000003")])))
        #expect(valuesEqual(items[5], .number(0)), "the opened run's model is the trained one")
        #expect(valuesEqual(items[6], .bool(true)))
        #expect(try directoryListing(dir) == before, "open_run writes nothing")
    }

    @Test func openRunOfAnInterruptedRunSaysSoAndResumeContinuesIt() throws {
        let interpreter = interpreter()
        _ = try run(Self.setup + "train(m, ids, steps: 4, batch: 2, seq_len: 8, checkpoint_every: 2, dir: dir)", in: interpreter)
        guard case .string(let dir) = try run("dir", in: interpreter) else { Issue.record("dir"); return }
        // A run killed after step 2: its newest checkpoint is step 2's.
        try FileManager.default.removeItem(atPath: dir + "/checkpoints/step-000004")
        let value = try run("let opened = open_run(dir)\n[opened.status, opened.step, len(opened.losses), resume(dir).step]", in: interpreter)
        #expect(valuesEqual(value, .list([.string("interrupted"), .number(2), .number(2), .number(4)])), "\(repr(value))")
        #expect(errorMessage("open_run(temp_dir())").contains("run.json: cannot read"))
    }

    /// Every file under `dir` with its size and modification time.
    private func directoryListing(_ dir: String) throws -> [String] {
        let files = FileManager.default.enumerator(atPath: dir)?.allObjects as? [String] ?? []
        return try files.sorted().map { file in
            let attributes = try FileManager.default.attributesOfItem(atPath: dir + "/" + file)
            return "\(file) \(attributes[.size] ?? "") \(attributes[.modificationDate] ?? "")"
        }
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
        #expect(errorMessage(Self.setup + "train(m, ids, steps: 2, batch: 2, seq_len: 8, dir: \"/sys/run\")")
            .contains("train: dir: /sys/run: permission denied; choose a folder you can write to"))
    }

    /// Every writer checks its path before any work (OutputPath): a model or adapter folder that
    /// is a file, or a place that takes no files, is one line naming the path and the cause.
    @Test func outputPathsAreCheckedBeforeWriting() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-out-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/file"
        try "x".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(errorMessage(Self.setup + "save_model(m, \"\(file)\")").contains("save_model: \(file): is a file, not a folder; choose a folder path"))
        #expect(errorMessage(Self.setup + "save_model(m, \"/sys/m.gguf\")").contains("save_model: /sys/m.gguf: permission denied; choose a folder you can write to"))
        #expect(errorMessage(Self.setup + "save_model(m, \"\(directory)\")").contains("no error"), "a folder that exists is written into")
        let adapter = Self.setup + "let run = train(m, ids, steps: 1, batch: 2, seq_len: 8, lora_rank: 2, dir: dir)\n"
        #expect(errorMessage(adapter + "save_adapter(run, \"\(file)/adapter\")").contains("save_adapter: \(file)/adapter: \(file) is a file, not a folder; choose another path"))
        // The one convention: missing folders on the way are created, for every writer.
        _ = try run(Self.setup + "save_model(m, \"\(directory)/a/b/model\")\nsave(spark([1, 2]), \"\(directory)/c/d/spark.svg\")")
        #expect(FileManager.default.fileExists(atPath: directory + "/a/b/model/config.json"))
        #expect(FileManager.default.fileExists(atPath: directory + "/c/d/spark.svg"))
        #expect(errorMessage("save(spark([1, 2]), \"\(file)/x.svg\")").contains("save: \(file)/x.svg: \(file) is a file, not a folder; choose another path"))
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
