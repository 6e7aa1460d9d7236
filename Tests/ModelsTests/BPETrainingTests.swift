import Foundation
import Testing
@testable import Models

/// Byte-level BPE learned from a corpus (`BPETraining`), as the default model's tokenizer is.
@Suite struct BPETrainingTests {
    static let corpus = (0..<40).map { i in "Ana has \(i) apples. After getting \(i % 7) more, Ana has \(i) + \(i % 7) = \(i + i % 7) apples.\n" }

    func trained(vocab: Int = 280) throws -> Tokenizer {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-\(UUID().uuidString).json").path
        return try BPETraining.write(texts: Self.corpus, vocabularySize: vocab, to: path)
    }

    @Test func layoutIsLlamas() throws {
        let tokenizer = try trained()
        #expect(tokenizer.id(of: "<unk>") == 0 && tokenizer.id(of: "<s>") == 1 && tokenizer.id(of: "</s>") == 2)
        #expect(tokenizer.vocabularySize == 280)
        #expect(tokenizer.encode("Ana").first == 1, "BOS first")
        #expect(tokenizer.encode("Ana", addSpecialTokens: false).first != 1)
        #expect(tokenizer.encode("x</s>", addSpecialTokens: false).last == 2, "special tokens are matched before BPE")
    }

    @Test func frequentWordsBecomeOneTokenAndDigitsStaySingle() throws {
        let tokenizer = try trained()
        #expect(tokenizer.encode(" apples", addSpecialTokens: false).count == 1)
        let digits = tokenizer.encode(" 1234", addSpecialTokens: false).compactMap { tokenizer.token(of: $0) }
        #expect(digits == ["Ġ", "1", "2", "3", "4"])
    }

    @Test func everyTextRoundTrips() throws {
        let tokenizer = try trained()
        for text in ["", " ", "Ana has 17 apples.\n", "  runs   of spaces\t\n", "café 東京 😀", "unseen words entirely"] {
            #expect(try tokenizer.decode(tokenizer.encode(text, addSpecialTokens: false)) == text, "\(text.debugDescription)")
        }
    }

    @Test func trainingIsDeterministic() throws {
        let first = try JSONSerialization.data(withJSONObject: try BPETraining.train(texts: Self.corpus, vocabularySize: 320), options: .sortedKeys)
        let second = try JSONSerialization.data(withJSONObject: try BPETraining.train(texts: Self.corpus, vocabularySize: 320), options: .sortedKeys)
        #expect(first == second)
    }

    @Test func stopsWhenNoPairRepeats() throws {
        let tokenizer = try BPETraining.write(texts: ["ab"], vocabularySize: 1000,
                                              to: FileManager.default.temporaryDirectory.appendingPathComponent("bpe-\(UUID().uuidString).json").path)
        #expect(tokenizer.vocabularySize == 259, "the specials and 256 bytes; 'ab' occurs once, so no merge")
    }

    @Test func vocabularySizeIsChecked() {
        #expect(throws: ModelError.self) { try BPETraining.train(texts: Self.corpus, vocabularySize: 100) }
        #expect(throws: ModelError.self) { try BPETraining.train(texts: Self.corpus, vocabularySize: 1 << 20) }
        let unwritable = errorText { try BPETraining.write(texts: Self.corpus, vocabularySize: 300, to: "/sys/tok.json") }
        #expect(unwritable == "/sys/tok.json: permission denied; choose a folder you can write to")
    }
}

private func errorText(_ body: () throws -> Any) -> String {
    do {
        _ = try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}
