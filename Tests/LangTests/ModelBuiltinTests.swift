import Foundation
import Testing
@testable import Lang

/// The model builtins on a model that carries a real tokenizer.json (the GPT-2-style fixture).
@Suite struct ModelBuiltinTests {
    static let tokenizers = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/tokenizers")
    static let tokenizerPath = tokenizers.appendingPathComponent("gpt2.json").path
    /// Llama-3 style: Split + ByteLevel, and a TemplateProcessing post-processor that adds BOS (id 1).
    static let bosTokenizerPath = tokenizers.appendingPathComponent("llama3.json").path

    func run(_ code: String) throws -> Value {
        let interpreter = Interpreter(write: { _ in })
        interpreter.define("tok_path", .string(Self.tokenizerPath))
        interpreter.define("bos_tok_path", .string(Self.bosTokenizerPath))
        return try interpreter.evaluate(Source(name: "<test>", text: code)).value
    }

    func number(_ value: Value) -> Double? {
        if case .number(let x) = value { return x }
        return nil
    }

    @Test func encodeDecodeRoundTrip() throws {
        let value = try run("""
            let tok = tokenizer(tok_path)
            let ids = encode(tok, "Janet has 3 apples.")
            [decode(tok, ids), len(ids) > 3, encode(tok, "", special: false)]
            """)
        guard case .list(let items) = value, case .string(let text) = items[0] else { Issue.record("\(value)"); return }
        #expect(text == "Janet has 3 apples.")
        #expect(valuesEqual(items[1], .bool(true)) && valuesEqual(items[2], .list([])))
    }

    @Test func completionLogprobSumsTheCompletionTokensOnly() throws {
        let value = try run("""
            let tok = tokenizer(tok_path)
            let m = new_model(vocab: 400, hidden: 32, layers: 2, heads: 4, seed: 3, tokenizer: tok)
            let prompt = encode(tok, "Question: 6 * 7 =")
            let completion = encode(tok, " 42", special: false)
            let all = token_logprobs(m, prompt + completion)
            let by_hand = item(sum(all[len(prompt) - 1:]))
            [completion_logprob(m, "Question: 6 * 7 =", " 42"), by_hand]
            """)
        guard case .list(let items) = value, let a = number(items[0]), let b = number(items[1]) else { Issue.record("\(value)"); return }
        #expect(abs(a - b) < 1e-5 && a < 0)
    }

    /// With a BOS post-processor the prompt gets BOS and the completion does not; a prompt
    /// ending inside a word ("…app" + "les.") is scored on the two encodings joined, not on the
    /// text's joint encoding (where " apples" is one token): the score is the sum of the last
    /// three log-probs of the ids written out below, which the Rust tokenizers library gives
    /// for this fixture.
    @Test func completionLogprobGivesOnlyThePromptBOSAndScoresTheCompletionAsEncodedAlone() throws {
        let value = try run("""
            let tok = tokenizer(bos_tok_path)
            let m = new_model(vocab: 400, hidden: 32, layers: 2, heads: 4, seed: 3, tokenizer: tok)
            let scores = token_logprobs(m, [1, 312, 288, 303, 222, 20, 279, 81, 81, 77, 260, 15])
            [completion_logprob(m, "Janet has 3 app", "les."), item(sum(scores[8:])), encode(tok, "Janet has 3 app"),
             encode(tok, "les.", special: false), encode(tok, "Janet has 3 apples.")]
            """)
        guard case .list(let items) = value, items.count == 5, let score = number(items[0]), let byHand = number(items[1]) else {
            Issue.record("\(value)")
            return
        }
        func ids(_ value: Value) -> [Int] {
            guard case .list(let list) = value else { return [] }
            return list.compactMap { number($0).map(Int.init) }
        }
        let (prompt, completion, joint) = (ids(items[2]), ids(items[3]), ids(items[4]))
        #expect(prompt == [1, 312, 288, 303, 222, 20, 279, 81, 81], "BOS, then 'Jan' 'et' 'Ġhas' 'Ġ' '3' 'Ġa' 'p' 'p'")
        #expect(completion == [77, 260, 15], "'l' 'es' '.', without BOS")
        #expect(joint == [1, 312, 288, 303, 222, 20, 307, 15], "encoded as one text, ' apples' is one token")
        #expect(abs(score - byHand) < 1e-5 && score < 0, "\(score) vs \(byHand)")
    }

    @Test func textGenerationStopsAtAStopString() throws {
        let value = try run("""
            let m = new_model(vocab: 400, hidden: 32, layers: 2, heads: 4, seed: 3, tokenizer: tokenizer(tok_path))
            let free = generate(m, "The answer is", max_tokens: 12)
            let stop = if len(free) > 2 { free[1:3] } else { "zz" }
            [free, generate(m, "The answer is", max_tokens: 12, stop: stop), stop]
            """)
        guard case .list(let items) = value, case .string(let free) = items[0], case .string(let stopped) = items[1],
              case .string(let stop) = items[2] else { Issue.record("\(value)"); return }
        #expect(!free.isEmpty)
        #expect(!stopped.contains(stop) && free.hasPrefix(stopped))
    }

    @Test func saveAndLoadKeepTheTokenizer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lang-model-\(UUID().uuidString)").path
        let value = try run("""
            let m = new_model(arch: "gpt2", vocab: 400, hidden: 32, layers: 1, heads: 4, tokenizer: tokenizer(tok_path))
            save_model(m, "\(directory)")
            let back = load_model("\(directory)")
            [decode(back, encode(back, "café 42")), type(back.tokenizer), back.arch]
            """)
        #expect(valuesEqual(value, .list([.string("café 42"), .string("tokenizer"), .string("gpt2")])))
    }

    @Test func misuseIsAnError() {
        #expect(throws: LangError.self) { try run("new_model(vocab: 10, tokenizer: tokenizer(tok_path))") }
        #expect(throws: LangError.self) { try run("logits(new_model(vocab: 10, hidden: 8, layers: 1, heads: 2), [10])") }
        #expect(throws: LangError.self) { try run("completion_logprob(new_model(vocab: 10, hidden: 8, layers: 1, heads: 2), \"a\", \"b\")") }
        #expect(throws: LangError.self) { try run("load_model(\"/no/such/model\")") }
        #expect(throws: LangError.self) { try run("new_model(arch: \"bert\")") }
    }

    func message(_ code: String) -> String { errorText { try run(code) } }

    /// Options that would be ignored or misread are errors that name them.
    @Test func ignoredOrMisreadOptionsAreNamed() {
        #expect(message("new_model(arch: \"gpt2\", kv_heads: 2)").contains("kv_heads: GPT-2 has no grouped-query attention"))
        #expect(message("new_model(arch: \"gpt2\", tie: false)").contains("tie: GPT-2's LM head is always tied"))
        #expect(message("new_model(arch: \"gpt2\", vocab: 32, hidden: 16, layers: 1, heads: 2)") == "no error")
        let m = "new_model(vocab: 32, hidden: 16, layers: 1, heads: 2)"
        #expect(message("generate(\(m), [1], temperature: 1, top_k: -5)").contains("top_k must not be negative, got -5"))
        #expect(message("generate(\(m), [1], stop: [1])").contains("stop must be a string or a list of strings, got a number"))
        #expect(message("generate(\(m), [1], temperature: 0 / 0)").contains("temperature must be a finite number, got NaN"))
        #expect(message("generate(\(m), [1], temperature: -1)").contains("temperature must not be negative"))
        #expect(message("generate(\(m), [1], seed: -1)").contains("seed must not be negative"))
        #expect(message("generate(\(m), [1], top_p: 1.5)").contains("top_p must be in (0, 1]"))
        #expect(message("new_model(vocab: 10, tokenizer: tokenizer(tok_path))").contains("vocab 10 is smaller than the tokenizer's 400 tokens"))
    }

    /// load_model refuses a directory whose tokenizer.json has more tokens than config.json's vocab_size.
    @Test func loadModelRefusesATokenizerLargerThanTheModel() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lang-model-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try run("save_model(new_model(vocab: 300, hidden: 16, layers: 1, heads: 2), \"\(directory)\")")
        try FileManager.default.copyItem(atPath: Self.tokenizerPath, toPath: directory + "/tokenizer.json")
        let text = message("load_model(\"\(directory)\")")
        #expect(text.contains("tokenizer.json: has 400 tokens, more than the model's vocab_size of 300"), "\(text)")
    }

    /// A path that is not a model says what it is and what load_model takes; `~` is the home folder.
    @Test func loadModelSaysWhatAPathIsAndWhatItTakes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lang-model-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try run("save_model(new_model(vocab: 32, hidden: 16, layers: 1, heads: 2), \"\(directory)\")")
        let missing = message("load_model(\"\(directory)/missing\")")
        #expect(missing.contains("\(directory)/missing: no such file or folder; give a model folder"), "\(missing)")
        let file = message("load_model(\"\(directory)/model.safetensors\")")
        #expect(file.contains("model.safetensors: is a file, not a model; load the folder that holds it and its config.json: load_model(\"\(directory)\")"), "\(file)")
        let empty = message("load_model(\"\")")
        #expect(empty.contains("argument 'path' is an empty path"), "\(empty)")
        try FileManager.default.createDirectory(atPath: directory + "/empty", withIntermediateDirectories: false)
        let folder = message("load_model(\"\(directory)/empty\")")
        #expect(folder.contains("empty: holds no config.json and no .gguf file"), "\(folder)")
    }
}
