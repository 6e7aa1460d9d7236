import Base
import Foundation
import Testing
import Training
@testable import Lang

/// `pref_train` and preference runs in the language.
@Suite(.serialized) struct PreferenceTrainingBuiltinTests {
    static let tokenizerPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/tokenizers/gpt2.json").path

    func run(_ code: String) throws -> Value {
        let interpreter = Interpreter(write: { _ in })
        interpreter.define("tok_path", .string(Self.tokenizerPath))
        return try interpreter.evaluate(Source(name: "<test>", text: Self.setup + code)).value
    }

    static let setup = """
        let tok = tokenizer(tok_path)
        let m = new_model(vocab: 400, hidden: 32, layers: 2, heads: 4, max_len: 128, seed: 3, tokenizer: tok)
        let ps = synthetic_pairs("arithmetic", count: 6, corrupt: 1, seed: 1)
        let dir = temp_dir() + "/run"
        let cache = temp_dir()

        """

    @Test func dpopRunLogsTRLMetricsAndTheProbeAndResumes() throws {
        let value = try run("""
            let before = completion_logprob(m, ps.list[0].prompt, ps.list[0].chosen)
            let r = pref_train(m, ps, loss: "dpop", beta: 0.3, lambda: 50, steps: 3, batch: 2, lr: 0.001, dir: dir, ref_cache: cache)
            let after = completion_logprob(m, ps.list[0].prompt, ps.list[0].chosen)
            let names = keys(r.metrics[0])
            let again = resume(dir)
            let probe = token_probe(r, window: 3)
            let drawn = str(heatmap(probe))
            [len(r.losses), abs(r.losses[0] - 0.6931) < 0.001, len(metric(r, "rewards/accuracies")), len(metric(r, "probe/chosen_at")),
             after != before, again.step, again.status, len(names) > 10, probe.shape, len(drawn) > 0]
            """)
        #expect(valuesEqual(value, .list([.number(3), .bool(true), .number(3), .number(3), .bool(true), .number(3), .string("finished"), .bool(true),
                                              .list([.number(6), .number(7)]), .bool(true)])),
                "\(value)")
    }

    @Test func pairsFromRecordsAndASeparateReference() throws {
        let value = try run("""
            let ref = new_model(vocab: 400, hidden: 32, layers: 2, heads: 4, max_len: 128, seed: 9, tokenizer: tok)
            let data = [{prompt: "Q: 2 + 2 =", chosen: " 4", rejected: " 5"}, {prompt: "Q: 3 + 3 =", chosen: " 6", rejected: " 7"}]
            let r = pref_train(m, data, loss: ["sigmoid", "sft"], weights: [1, 0.5], ref: ref, steps: 2, batch: 2, dir: dir, ref_cache: cache)
            [len(r.losses), r.losses[0] != 0.6931471805599453]
            """)
        #expect(valuesEqual(value, .list([.number(2), .bool(true)])), "\(value)")
    }

    @Test func pairsWhosePromptFillsSeqLenAreRefusedNamingThePairAndTheOptions() {
        let message = errorText { try run("pref_train(m, ps, steps: 1, batch: 2, seq_len: 2, dir: dir, ref_cache: cache)") }
        #expect(message.contains("seq_len: pair 1: its prompt of") && message.contains("max_prompt_length"), "\(message)")
    }

    /// Same weights, other heads: the reference log-probs differ, so the cache must keep two entries.
    @Test func modelsDifferingOnlyInHeadsGetTheirOwnReferenceEntries() throws {
        let value = try run("""
            let train = fn(heads, name) {
                pref_train(new_model(vocab: 400, hidden: 64, heads: heads, seed: 0, tokenizer: tok), ps, steps: 1, batch: 2,
                           max_prompt_length: 16, max_length: 24, dir: dir + name, ref_cache: cache)
            }
            train(4, "/four")
            train(8, "/eight")
            train(4, "/again")
            cache
            """)
        guard case .string(let cache) = value else { Issue.record("\(value)"); return }
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).filter { $0.hasPrefix("reference-") }.count == 2)
    }

    @Test func dpoTrainsAsSigmoidAndTheRecordSaysSigmoid() throws {
        let value = try run("""
            pref_train(m, ps, loss: "dpo", steps: 1, batch: 2, dir: dir, ref_cache: cache)
            dir
            """)
        guard case .string(let dir) = value else { Issue.record("\(value)"); return }
        let record = try TrainingRun.record(directory: dir)
        #expect(record.settings["loss"] == .texts(["sigmoid"]))
        #expect(try String(contentsOfFile: dir + "/run.json", encoding: .utf8).contains(#""loss":["sigmoid"]"#))
    }

    @Test func mistakesNameTheOption() {
        func message(_ code: String) -> String { errorText { try run(code) } }
        #expect(message("pref_train(m, ps, loss: \"kto\", steps: 1, batch: 2, dir: dir)").contains("loss: unknown loss 'kto'"))
        #expect(message("pref_train(m, ps, beta: -1, steps: 1, batch: 2, dir: dir)").contains("beta"))
        #expect(message("pref_train(m, ps, steps: 1, batch: 7, dir: dir, ref_cache: cache)").contains("batch: 7 is larger than the 6 pairs"))
        #expect(message("pref_train(new_model(vocab: 16), ps, steps: 1)").contains("no tokenizer"))
        #expect(message("pref_train(m, ps, steps: 1, batch: 2, dir: \"/sys/run\", ref_cache: cache)")
            .contains("pref_train: dir: /sys/run: permission denied; choose a folder you can write to"))
        #expect(message("pref_train(m, ps, steps: 1, batch: 2, dir: dir, ref_cache: \"/sys/cache\")")
            .contains("pref_train: ref_cache: /sys/cache: permission denied; choose a folder you can write to"))
    }
}
