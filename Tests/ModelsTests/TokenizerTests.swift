import Foundation
import Testing
@testable import Models

/// Ids and decoded text that the Rust tokenizers library gave (scripts/fixtures/tokenizers_fixtures.py).
struct TokenizerCase: Decodable, CustomTestStringConvertible {
    let text: String
    let ids: [Int]
    let ids_plain: [Int]
    let decoded: String
    var testDescription: String { text.debugDescription }
}

let tokenizerCases: [String: [TokenizerCase]] = {
    guard let data = FileManager.default.contents(atPath: fixtures + "/tokenizers/expected.json"),
          let decoded = try? JSONDecoder().decode([String: [TokenizerCase]].self, from: data) else { return [:] }
    return decoded
}()

@Suite struct TokenizerTests {
    @Test func fixturesCoverEveryKind() {
        #expect(Set(tokenizerCases.keys) == ["gpt2", "llama3", "qwen2", "sentencepiece", "sentencepiece_legacy"])
        #expect(tokenizerCases.values.allSatisfy { $0.count >= 19 })
    }

    @Test(arguments: ["gpt2", "llama3", "qwen2", "sentencepiece", "sentencepiece_legacy"])
    func idsMatchTheRustLibrary(_ kind: String) throws {
        let tokenizer = try Tokenizer(path: fixtures + "/tokenizers/\(kind).json")
        for case_ in tokenizerCases[kind] ?? [] {
            #expect(tokenizer.encode(case_.text) == case_.ids, "\(kind) \(case_.text.debugDescription)")
            #expect(tokenizer.encode(case_.text, addSpecialTokens: false) == case_.ids_plain, "\(kind) plain \(case_.text.debugDescription)")
            #expect(try tokenizer.decode(case_.ids_plain) == case_.decoded, "\(kind) decode \(case_.text.debugDescription)")
        }
    }

    /// The default model's tokenizer, which PrefLab trained (BPETraining), read as the Rust
    /// library reads it (scripts/fixtures/default_tokenizer.py).
    @Test func theDefaultModelsTokenizerMatchesTheRustLibrary() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/DefaultModel/Files/tokenizer.json").path
        let tokenizer = try Tokenizer(path: path)
        let data = try #require(FileManager.default.contents(atPath: fixtures + "/tokenizers/default_model_expected.json"))
        let cases = try JSONDecoder().decode([TokenizerCase].self, from: data)
        #expect(cases.count >= 19)
        for case_ in cases {
            #expect(tokenizer.encode(case_.text) == case_.ids, "\(case_.text.debugDescription)")
            #expect(tokenizer.encode(case_.text, addSpecialTokens: false) == case_.ids_plain, "plain \(case_.text.debugDescription)")
            #expect(try tokenizer.decode(case_.ids_plain) == case_.decoded, "decode \(case_.text.debugDescription)")
        }
    }

    @Test func byteLevelTable() {
        #expect(ByteLevel.encode(" café\n") == "ĠcafÃ©Ċ")
        #expect(ByteLevel.decode("ĠcafÃ©Ċ") == " café\n")
        #expect(Set(ByteLevel.characters).count == 256)
    }

    @Test func badFilesAndIds() throws {
        let path = fixtures + "/tokenizers/gpt2.json"
        let tokenizer = try Tokenizer(path: path)
        let badId = #expect(throws: ModelError.self) { try tokenizer.decode([1_000_000]) }
        #expect(badId?.file == path && badId?.message.contains("1000000") == true)
        // Each error names the file it is about.
        for (file, reason) in [("malformed", "not valid JSON"), ("llama_default", "has no model")] {
            let broken = fixtures + "/configs/\(file).json"
            let error = #expect(throws: ModelError.self) { try Tokenizer(path: broken) }
            #expect(error?.file == broken && error?.message.contains(reason) == true, "\(String(describing: error))")
        }
        let missing = fixtures + "/tokenizers/no-such.json"
        #expect((#expect(throws: ModelError.self) { try Tokenizer(path: missing) })?.file == missing)
    }
}
