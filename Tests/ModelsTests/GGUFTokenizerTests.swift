import Foundation
import Testing
@testable import Models

/// Tokenizers built from GGUF metadata against transformers' GGUF loader (and llama.cpp's split
/// list where transformers has none): scripts/fixtures/gguf_tokenizer_fixtures.py.
private let ggufTokenizerFixtures = fixtures + "/gguf-tokenizers"

private struct GGUFTokenizerCase: Decodable {
    let text: String
    let ids: [Int]?
    let ids_plain: [Int]
    let decoded: String
}

private struct GGUFTokenizerFixture: Decodable {
    let reference: String
    let cases: [GGUFTokenizerCase]
}

private let ggufTokenizerExpected: [String: GGUFTokenizerFixture] = {
    guard let data = FileManager.default.contents(atPath: ggufTokenizerFixtures + "/expected.json"),
          let decoded = try? JSONDecoder().decode([String: GGUFTokenizerFixture].self, from: data) else { return [:] }
    return decoded
}()

private let byteLevelFiles = ["gpt2-missing.gguf", "gpt2-default.gguf", "gpt2-gpt-2.gguf", "gpt2-llama-bpe.gguf", "gpt2-qwen2.gguf", "gpt2-smollm.gguf"]
private let sentencePieceFiles = ["llama-spm.gguf", "llama-spm-merges.gguf"]

/// Mismatching ids over a corpus: (texts that differ, tokens compared).
private func mismatches(_ tokenizer: Tokenizer, _ cases: [GGUFTokenizerCase]) throws -> (texts: [String], tokens: Int) {
    var differing: [String] = []
    for case_ in cases {
        if tokenizer.encode(case_.text, addSpecialTokens: false) != case_.ids_plain { differing.append(case_.text) }
        if let ids = case_.ids, tokenizer.encode(case_.text) != ids { differing.append("with special tokens: " + case_.text) }
        if try tokenizer.decode(case_.ids_plain) != case_.decoded { differing.append("decoding: " + case_.text) }
    }
    return (differing, cases.reduce(0) { $0 + $1.ids_plain.count })
}

/// A small byte-level vocabulary's metadata, with `changes` applied (a nil value removes the key).
private func metadata(_ changes: [String: GGUFValue?] = [:]) -> [(key: String, value: GGUFValue)] {
    let strings = { (items: [String]) in GGUFValue.array(elementType: .string, items.map { .string($0) }) }
    var entries: [(key: String, value: GGUFValue)] = [
        ("tokenizer.ggml.model", .string("gpt2")), ("tokenizer.ggml.pre", .string("gpt-2")),
        ("tokenizer.ggml.tokens", strings(["<s>", "a", "b", "ab", "Ġ", "Ġab"])),
        ("tokenizer.ggml.token_type", .array(elementType: .int32, [3, 1, 1, 1, 1, 1].map { .int32($0) })),
        ("tokenizer.ggml.merges", strings(["a b", "Ġ ab"])),
        ("tokenizer.ggml.bos_token_id", .uint32(0)), ("tokenizer.ggml.eos_token_id", .uint32(0)),
    ]
    for (key, value) in changes {
        entries.removeAll { $0.key == key }
        if let value { entries.append((key, value)) }
    }
    return entries
}

private func error(_ changes: [String: GGUFValue?]) -> ModelError? {
    do {
        _ = try Tokenizer(ggufMetadata: metadata(changes), file: "tiny.gguf")
        return nil
    } catch let error as ModelError {
        return error
    } catch {
        return ModelError(file: "", "unexpected \(error)")
    }
}

private func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "gguf-tokenizer-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

@Suite struct GGUFTokenizerTests {
    @Test func fixturesCoverEveryKind() {
        #expect(Set(ggufTokenizerExpected.keys) == Set(byteLevelFiles + sentencePieceFiles))
        #expect(ggufTokenizerExpected.values.allSatisfy { $0.cases.count >= 20 })
        // transformers is the reference wherever it implements llama.cpp's split for the pre value.
        #expect(ggufTokenizerExpected.filter { $0.value.reference == "transformers" }.keys.sorted()
            == ["gpt2-gpt-2.gguf", "gpt2-llama-bpe.gguf", "gpt2-qwen2.gguf", "gpt2-smollm.gguf", "llama-spm-merges.gguf", "llama-spm.gguf"])
    }

    @Test(arguments: byteLevelFiles + sentencePieceFiles)
    func idsMatchTheReference(_ name: String) throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: ggufTokenizerFixtures + "/" + name))
        let cases = try #require(ggufTokenizerExpected[name]?.cases)
        let result = try mismatches(tokenizer, cases)
        #expect(result.texts == [], "\(name): \(result.texts.count) of \(cases.count) texts differ")
    }

    @Test func specialTokensAndTemplateComeFromTheMetadata() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: ggufTokenizerFixtures + "/gpt2-smollm.gguf"))
        #expect(tokenizer.bosTokenId == 1 && tokenizer.eosTokenId == 2 && tokenizer.unknownTokenId == 0 && tokenizer.paddingTokenId == 2)
        #expect(tokenizer.chatTemplate?.contains("<|im_start|>") == true)
        #expect(tokenizer.encode("<think>x</think><|im_end|>", addSpecialTokens: false).first == tokenizer.id(of: "<think>"))
        #expect(tokenizer.encode("<think>x</think><|im_end|>", addSpecialTokens: false).last == 2)
        #expect(try tokenizer.decode(tokenizer.encode("<|im_start|>hi"), skipSpecialTokens: true) == "hi")
        let spm = try Tokenizer(gguf: GGUFFile(path: ggufTokenizerFixtures + "/llama-spm.gguf"))
        #expect(spm.bosTokenId == 1 && spm.eosTokenId == 2 && spm.unknownTokenId == 0 && spm.paddingTokenId == nil)
        #expect(spm.encode("a").first == 1, "a llama vocabulary adds BOS when the file does not say")
    }

    /// A GGUF-built tokenizer is kept as files like any other: reading them back gives the same tokenizer.
    @Test(arguments: ["gpt2-llama-bpe.gguf", "gpt2-default.gguf", "llama-spm.gguf", "llama-spm-merges.gguf"])
    func writtenFilesReadBackAsTheSameTokenizer(_ name: String) throws {
        let original = try Tokenizer(gguf: GGUFFile(path: ggufTokenizerFixtures + "/" + name))
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in try original.files { try file.contents.write(to: URL(fileURLWithPath: directory + "/" + file.name)) }
        let copy = try Tokenizer(path: directory + "/tokenizer.json")
        let cases = try #require(ggufTokenizerExpected[name]?.cases)
        #expect(try mismatches(copy, cases).texts == [])
        #expect(copy.chatTemplate == original.chatTemplate)
        #expect(copy.bosTokenId == original.bosTokenId && copy.eosTokenId == original.eosTokenId)
        #expect(copy.unknownTokenId == original.unknownTokenId && copy.paddingTokenId == original.paddingTokenId)
        let again = try copy.ggufMetadata().filter { $0.0 != "tokenizer.ggml.scores" }
        let first = try original.ggufMetadata().filter { $0.0 != "tokenizer.ggml.scores" }
        #expect(again.map(\.0) == first.map(\.0) && again.map(\.1) == first.map(\.1))
    }

    /// Metadata → tokenizer → metadata keeps every key the writer emits.
    @Test(arguments: byteLevelFiles + sentencePieceFiles)
    func metadataRoundTrips(_ name: String) throws {
        let file = try GGUFFile(path: ggufTokenizerFixtures + "/" + name)
        let written = try Tokenizer(gguf: file).ggufMetadata()
        let keys = written.map(\.0)
        #expect(keys.starts(with: ["tokenizer.ggml.model"]) && keys.contains("tokenizer.ggml.add_bos_token"))
        for (key, value) in written {
            if let stated = file[key] {
                #expect(stated == value, "\(name) \(key)")
            } else if key == "tokenizer.ggml.pre" {
                #expect(value == .string("default"), "a missing pre is llama.cpp's default")
            } else if key == "tokenizer.ggml.merges" {
                // Merges derived from the scores, as transformers derives them.
                #expect(value.array?.isEmpty == false)
            } else {
                #expect(["tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token", "tokenizer.ggml.add_space_prefix"].contains(key), "\(name) \(key)")
            }
        }
        // The written metadata builds the same tokenizer.
        let rebuilt = try Tokenizer(ggufMetadata: written.map { (key: $0.0, value: $0.1) }, file: name)
        #expect(try mismatches(rebuilt, try #require(ggufTokenizerExpected[name]?.cases)).texts == [])
    }

    @Test func llamaCppDefaultsApplyWhenFlagsAreAbsent() throws {
        let llama3 = try Tokenizer(ggufMetadata: metadata(["tokenizer.ggml.pre": .string("llama3")]), file: "tiny.gguf")
        #expect(llama3.encode("ab") == [0, 3], "llama3 adds BOS unless the file says otherwise")
        let stated = try Tokenizer(ggufMetadata: metadata(["tokenizer.ggml.pre": .string("llama3"), "tokenizer.ggml.add_bos_token": .bool(false)]), file: "tiny.gguf")
        #expect(stated.encode("ab") == [3])
        let gpt2 = try Tokenizer(ggufMetadata: metadata(), file: "tiny.gguf")
        #expect(gpt2.encode("ab") == [3])
        #expect(try gpt2.ggufMetadata().first { $0.0 == "tokenizer.ggml.add_bos_token" }?.1 == .bool(false))
        let eos = try Tokenizer(ggufMetadata: metadata(["tokenizer.ggml.add_eos_token": .bool(true)]), file: "tiny.gguf")
        #expect(eos.encode("ab") == [3, 0])
    }

    /// llama-bpe keeps a piece that is a whole token whole (llama.cpp's ignore_merges); gpt-2 merges it.
    @Test func llama3IgnoresMergesForWholeTokens() throws {
        let strings = { (items: [String]) in GGUFValue.array(elementType: .string, items.map { .string($0) }) }
        // "abc" is a token, but the merges alone make "a" + "bc".
        let changes: [String: GGUFValue?] = [
            "tokenizer.ggml.tokens": strings(["<s>", "a", "b", "c", "bc", "abc", "ab"]),
            "tokenizer.ggml.token_type": .array(elementType: .int32, [3, 1, 1, 1, 1, 1, 1].map { .int32($0) }),
            "tokenizer.ggml.merges": strings(["b c", "a b"]),
            "tokenizer.ggml.add_bos_token": .bool(false),
        ]
        var llama3 = changes
        llama3["tokenizer.ggml.pre"] = .string("llama-bpe")
        #expect(try Tokenizer(ggufMetadata: metadata(llama3), file: "t.gguf").encode("abc") == [5])
        #expect(try Tokenizer(ggufMetadata: metadata(changes), file: "t.gguf").encode("abc") == [1, 4])
    }

    @Test func sentencePieceWithoutPrefixSpace() throws {
        let file = try GGUFFile(path: ggufTokenizerFixtures + "/llama-spm-merges.gguf")
        var entries = file.metadata
        entries.append((key: "tokenizer.ggml.add_space_prefix", value: .bool(false)))
        let tokenizer = try Tokenizer(ggufMetadata: entries, file: file.path)
        let prefixed = try Tokenizer(gguf: file)
        let word = tokenizer.encode("Hello", addSpecialTokens: false)
        #expect(try tokenizer.decode(word) == "Hello")
        #expect(word.first.flatMap(tokenizer.token(of:))?.hasPrefix("▁") == false)
        #expect(prefixed.encode("Hello", addSpecialTokens: false).first.flatMap(prefixed.token(of:))?.hasPrefix("▁") == true)
        #expect(try tokenizer.ggufMetadata().first { $0.0 == "tokenizer.ggml.add_space_prefix" }?.1 == .bool(false))
    }

    @Test func malformedMetadataNamesTheFileAndKey() throws {
        let strings = { (items: [String]) in GGUFValue.array(elementType: .string, items.map { .string($0) }) }
        let cases: [(changes: [String: GGUFValue?], key: String)] = [
            (["tokenizer.ggml.tokens": nil], "tokenizer.ggml.tokens"),
            (["tokenizer.ggml.tokens": strings([])], "tokenizer.ggml.tokens"),
            (["tokenizer.ggml.tokens": .uint32(3)], "tokenizer.ggml.tokens"),
            (["tokenizer.ggml.tokens": .array(elementType: .uint32, [.uint32(1)])], "tokenizer.ggml.tokens"),
            (["tokenizer.ggml.tokens": strings(["<s>", "a", "b", "ab", "a", "Ġab"])], "tokenizer.ggml.tokens"),
            (["tokenizer.ggml.merges": strings(["a b", "Ġ x"])], "tokenizer.ggml.merges"),
            (["tokenizer.ggml.merges": strings(["ab"])], "tokenizer.ggml.merges"),
            (["tokenizer.ggml.merges": nil], "tokenizer.ggml.merges"),
            (["tokenizer.ggml.bos_token_id": .uint32(6)], "tokenizer.ggml.bos_token_id"),
            (["tokenizer.ggml.eos_token_id": .string("0")], "tokenizer.ggml.eos_token_id"),
            (["tokenizer.ggml.token_type": .array(elementType: .int32, [.int32(1)])], "tokenizer.ggml.token_type"),
            (["tokenizer.ggml.token_type": .array(elementType: .int32, [3, 1, 1, 1, 1, 9].map { .int32($0) })], "tokenizer.ggml.token_type"),
            (["tokenizer.ggml.add_bos_token": .uint8(1)], "tokenizer.ggml.add_bos_token"),
            (["tokenizer.ggml.model": .string("bert")], "tokenizer.ggml.model"),
            (["tokenizer.ggml.model": nil], "tokenizer.ggml.model"),
            (["tokenizer.ggml.model": .string("llama"), "tokenizer.ggml.merges": nil], "tokenizer.ggml.scores"),
            (["tokenizer.ggml.scores": .array(elementType: .float32, [.float32(0)])], "tokenizer.ggml.scores"),
            (["tokenizer.chat_template": .bool(true)], "tokenizer.chat_template"),
        ]
        for (changes, key) in cases {
            let failure = error(changes)
            #expect(failure?.file == "tiny.gguf", "\(changes)")
            #expect(failure?.message.contains(key) == true, "\(changes): \(failure?.message ?? "no error")")
        }
        let unknownPre = error(["tokenizer.ggml.pre": .string("starcoder2")])
        #expect(unknownPre?.message.contains("'starcoder2'") == true)
        #expect(unknownPre?.message.contains("llama-bpe") == true && unknownPre?.message.contains("smollm") == true)
    }

    @Test func chatTemplateOfAHuggingFaceDirectory() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: fixtures + "/tokenizers/gpt2.json", toPath: directory + "/tokenizer.json")
        #expect(try Tokenizer(path: directory + "/tokenizer.json").chatTemplate == nil)
        let config: [String: Any] = [
            "chat_template": [["name": "tool_use", "template": "T"], ["name": "default", "template": "D"]],
            "eos_token": ["content": "<|endoftext|>", "special": true], "model_max_length": 1024,
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: directory + "/tokenizer_config.json"))
        let listed = try Tokenizer(path: directory + "/tokenizer.json")
        #expect(listed.chatTemplate == "D")
        #expect(listed.eosTokenId != nil && listed.eosTokenId == listed.id(of: "<|endoftext|>"))
        try Data("{{ messages }}".utf8).write(to: URL(fileURLWithPath: directory + "/chat_template.jinja"))
        let filed = try Tokenizer(path: directory + "/tokenizer.json")
        #expect(filed.chatTemplate == "{{ messages }}", "chat_template.jinja wins, as in transformers")
        // Its files keep the settings PrefLab does not read, and the template.
        let written = try #require(try filed.files.first { $0.name == "tokenizer_config.json" })
        let object = try #require(try JSONSerialization.jsonObject(with: written.contents) as? [String: Any])
        #expect(object["model_max_length"] as? Int == 1024 && object["chat_template"] as? String == "{{ messages }}")
        try JSONSerialization.data(withJSONObject: ["chat_template": 3]).write(to: URL(fileURLWithPath: directory + "/tokenizer_config.json"))
        try FileManager.default.removeItem(atPath: directory + "/chat_template.jinja")
        #expect(throws: ModelError.self) { try Tokenizer(path: directory + "/tokenizer.json") }
    }

    @Test func tokenizerJSONFilesHaveGGUFMetadata() throws {
        let gpt2 = try Tokenizer(path: fixtures + "/tokenizers/gpt2.json").ggufMetadata()
        #expect(gpt2.first { $0.0 == "tokenizer.ggml.pre" }?.1 == .string("gpt-2"))
        let llama3 = try Tokenizer(path: fixtures + "/tokenizers/llama3.json").ggufMetadata()
        #expect(llama3.first { $0.0 == "tokenizer.ggml.pre" }?.1 == .string("llama-bpe"))
        let spm = try Tokenizer(path: fixtures + "/tokenizers/sentencepiece.json")
        let metadata = try spm.ggufMetadata()
        #expect(metadata.first { $0.0 == "tokenizer.ggml.model" }?.1 == .string("llama"))
        // The metadata builds a tokenizer that gives the same ids.
        let rebuilt = try Tokenizer(ggufMetadata: metadata.map { (key: $0.0, value: $0.1) }, file: "spm.gguf")
        for text in ["Hello world", "  two  spaces", "café 東京 😀", "12345"] {
            #expect(rebuilt.encode(text, addSpecialTokens: false) == spm.encode(text, addSpecialTokens: false), "\(text)")
        }
    }
}

/// The real SmolLM2 file, when PREFLAB_SMOLLM2_GGUF names it, against transformers on the same file.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PREFLAB_SMOLLM2_GGUF"] != nil))
struct SmolLM2GGUFTokenizerTests {
    let path = ProcessInfo.processInfo.environment["PREFLAB_SMOLLM2_GGUF"] ?? ""

    private struct Expected: Decodable {
        let tokens: Int
        let cases: [GGUFTokenizerCase]
    }

    @Test func idsMatchTransformers() throws {
        let tokenizer = try Tokenizer(gguf: GGUFFile(path: path))
        let data = try #require(FileManager.default.contents(atPath: ggufTokenizerFixtures + "/smollm2_expected.json"))
        let expected = try JSONDecoder().decode(Expected.self, from: data)
        let result = try mismatches(tokenizer, expected.cases)
        print("SmolLM2: \(result.texts.count) of \(expected.cases.count) texts differ over \(result.tokens) tokens")
        #expect(result.tokens == expected.tokens && result.tokens > 3000)
        #expect(result.texts == [])
        #expect(tokenizer.bosTokenId == 1 && tokenizer.eosTokenId == 2 && tokenizer.vocabularySize == 49_152)
    }

    @Test func metadataRoundTrips() throws {
        let file = try GGUFFile(path: path)
        let written = try Tokenizer(gguf: file).ggufMetadata()
        for key in ["tokenizer.ggml.model", "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges",
                    "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id",
                    "tokenizer.ggml.padding_token_id", "tokenizer.ggml.add_bos_token", "tokenizer.chat_template"] {
            #expect(written.first { $0.0 == key }?.1 == file[key], "\(key)")
        }
    }
}
