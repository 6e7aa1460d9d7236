import Base
import Foundation
import Models
import Tensor
import Testing
@testable import Training

/// Tokenizer fixtures shared with ModelsTests, read from the source tree.
private let tokenizerFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/tokenizers").path

/// SentencePiece kind: the template adds BOS `<s>` (1); `</s>` (2) ends documents.
private func sentencePiece() throws -> Tokenizer { try Tokenizer(path: tokenizerFixtures + "/sentencepiece.json") }
/// GPT-2 kind: no BOS; `<|endoftext|>` (0) ends documents.
private func gpt2() throws -> Tokenizer { try Tokenizer(path: tokenizerFixtures + "/gpt2.json") }

/// Writes `contents` to a fresh file named `name` in its own temporary directory.
private func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-data-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try contents.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Runs `body`, which must throw a `TrainingError` at `place` whose message mentions every fragment.
private func expectTrainingError(_ place: String, mentioning fragments: [String] = [],
                                 sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any) {
    let error = #expect(throws: TrainingError.self, sourceLocation: sourceLocation) { _ = try body() }
    guard let error else { return }
    #expect(error.place == place, "\(error) should be placed at \(place)", sourceLocation: sourceLocation)
    for fragment in fragments {
        #expect(error.message.contains(fragment), "\(error) should mention \(fragment)", sourceLocation: sourceLocation)
    }
}

/// Examples whose ids are `start..<start + length` for each (start, length), all in the loss.
private func data(_ spans: [(Int32, Int)], format: DataFormat = .textLines) -> TrainingData {
    TrainingData(source: "memory", format: format,
                 examples: spans.map { TrainingExample(ids: Array($0.0..<($0.0 + Int32($0.1)))) })
}

/// Rows of a batch as (inputs, targets) pairs, for readable comparisons.
private func rows(_ batch: TrainingBatch) -> [([Int32], [Int32])] {
    (0..<batch.batch).map { row in
        let range = (row * batch.length)..<((row + 1) * batch.length)
        return (Array(batch.inputs[range]), Array(batch.targets[range]))
    }
}

struct DataTests {
    // MARK: Batches and modes

    @Test func batchAlignsInputsWithNextTokenTargetsAndPadsOnTheRight() {
        let batch = TrainingBatch([TrainingExample(ids: [5, 6, 7, 8, 9]), TrainingExample(ids: [3, 4])], length: 4)
        #expect(batch.batch == 2 && batch.length == 4)
        #expect(batch.inputs == [5, 6, 7, 8, 3, 4, 0, 0])
        #expect(batch.targets == [6, 7, 8, 9, 4, -1, -1, -1])
        #expect(batch.tokenCount == 5)
    }

    @Test func packingCutsOneStreamIntoOverlappingWindowsSoEveryTokenIsPredictedOnce() throws {
        // Two documents, 10...15 and 16...20: one stream 10...20 of 11 tokens.
        var loader = try DataLoader(data: data([(10, 6), (16, 5)]), batch: 1, seqLen: 4, seed: 0)
        #expect(loader.mode == .packing)
        #expect(loader.examples.map(\.ids) == [[10, 11, 12, 13, 14], [14, 15, 16, 17, 18], [18, 19, 20]])
        var predicted: [Int32] = []
        for _ in 0..<loader.exampleCount {
            let batch = loader.next()
            let (inputs, targets) = try #require(rows(batch).first)
            // Targets are the inputs shifted by one; the short last window is padded.
            let real = targets.filter { $0 >= 0 }
            #expect(Array(inputs.prefix(real.count)).map { $0 + 1 } == real)
            #expect(inputs.dropFirst(real.count + 1).allSatisfy { $0 == TrainingBatch.padId })
            predicted += real
        }
        #expect(predicted.sorted() == Array(11...20))
        #expect(loader.lossTokensPerEpoch == 10)
        #expect(loader.tokenCount == 11)
    }

    @Test func plainTextIsOneDocumentWithTemplateAndEOS() throws {
        let tokenizer = try sentencePiece()
        let text = "The cat sat on the mat.\nThe dog sat on the log.\n"
        let path = try temporaryFile("corpus.txt", "\u{FEFF}" + text)
        let loaded = try TrainingData.load(path: path, tokenizer: tokenizer)
        #expect(loaded.format == .text && loaded.defaultMode == .packing)
        let expected = tokenizer.encode(text).map(Int32.init) + [2]
        #expect(expected.first == 1)
        #expect(loaded.examples.map(\.ids) == [expected])
        // Packed with a short window, the windows (kept in stream order) reassemble the stream exactly.
        let loader = try DataLoader(data: loaded, batch: 2, seqLen: 3, seed: 7)
        let rebuilt = loader.examples.reduce([Int32]()) { joined, window in
            joined.isEmpty ? window.ids : joined + window.ids.dropFirst()
        }
        #expect(rebuilt == expected)
        #expect(loader.examples.dropLast().allSatisfy { $0.ids.count == 4 })
        #expect(loader.exampleCount == (expected.count - 1 + 2) / 3)
    }

    @Test func textLinesAreDocumentsEachEndingInEOS() throws {
        let tokenizer = try gpt2()
        // Starts with a byte-order mark, which is skipped.
        let path = try temporaryFile("docs.jsonl", """
            \u{FEFF}{"text": "Hello world"}

            {"text": ""}
            {"text": "Second one", "source": "ignored"}

            """)
        let loaded = try TrainingData.load(path: path, tokenizer: tokenizer)
        #expect(loaded.format == .textLines)
        // The empty text is skipped; GPT-2 adds no BOS; <|endoftext|> (0) ends each document.
        #expect(loaded.examples.map(\.ids) == [
            tokenizer.encode("Hello world").map(Int32.init) + [0],
            tokenizer.encode("Second one").map(Int32.init) + [0],
        ])
        #expect(loaded.examples.allSatisfy { $0.inLoss.allSatisfy { $0 } })
        let withoutEOS = try TrainingData.load(path: path, tokenizer: tokenizer, eos: nil)
        #expect(withoutEOS.examples.map(\.ids) == loaded.examples.map { Array($0.ids.dropLast()) })
    }

    @Test func endOfTextIsFoundByTheFamiliesNames() throws {
        #expect(try sentencePiece().endOfTextId == 2)
        #expect(try gpt2().endOfTextId == 0)
    }

    @Test func promptCompletionMasksThePromptAndKeepsTheEOS() throws {
        let tokenizer = try sentencePiece()
        let path = try temporaryFile("sft.jsonl", """
            {"prompt": "Question: what is two and two?", "completion": " Four."}
            {"prompt": "Say hi", "completion": " hi"}
            """)
        let loaded = try TrainingData.load(path: path, tokenizer: tokenizer)
        #expect(loaded.format == .promptCompletion && loaded.defaultMode == .padding)
        let prompt = tokenizer.encode("Question: what is two and two?").map(Int32.init)
        let completion = tokenizer.encode(" Four.", addSpecialTokens: false).map(Int32.init) + [2]
        #expect(prompt.first == 1 && !completion.contains(1))
        let example = try #require(loaded.examples.first)
        #expect(example.ids == prompt + completion)
        #expect(example.inLoss == Array(repeating: false, count: prompt.count) + Array(repeating: true, count: completion.count))

        let length = example.ids.count + 3
        let batch = TrainingBatch([example], length: length)
        let targets = batch.targets
        // Positions before the last prompt token predict prompt tokens: out of the loss.
        #expect(targets.prefix(prompt.count - 1).allSatisfy { $0 == -1 })
        // From the last prompt token on, each position predicts the next completion token, EOS last.
        #expect(Array(targets[(prompt.count - 1)..<(example.ids.count - 1)]) == completion)
        #expect(targets.suffix(length - example.ids.count + 1).allSatisfy { $0 == -1 })
        #expect(batch.inputs.suffix(3) == [0, 0, 0])
        #expect(batch.tokenCount == completion.count)
    }

    @Test func paddingTruncatesEachExampleAndDropsThoseWithNothingLeftToLearn() throws {
        let examples = [
            TrainingExample(ids: [1, 2, 3, 4, 5, 6, 7, 8], lossStart: 2),
            TrainingExample(ids: [1, 9, 9, 9, 9, 9, 9, 3], lossStart: 7),  // loss beyond the window
            TrainingExample(ids: [1, 4, 5], lossStart: 1),
        ]
        var loader = try DataLoader(data: TrainingData(source: "memory", format: .promptCompletion, examples: examples),
                                    batch: 2, seqLen: 4, seed: 3)
        #expect(loader.mode == .padding)
        #expect(loader.droppedCount == 1)
        #expect(Set(loader.examples.map(\.ids)) == [[1, 2, 3, 4, 5], [1, 4, 5]])
        let batch = loader.next()
        let byFirstInput = Dictionary(uniqueKeysWithValues: rows(batch).map { ($0.0[1], $0) })
        // Token 2 is before lossStart, so the first position predicts nothing; 6…8 are cut off.
        #expect(byFirstInput[2]?.0 == [1, 2, 3, 4] && byFirstInput[2]?.1 == [-1, 3, 4, 5])
        #expect(byFirstInput[4]?.0 == [1, 4, 5, 0] && byFirstInput[4]?.1 == [4, 5, -1, -1])
    }

    @Test func packingKeepsPromptMasksAcrossWindows() throws {
        let examples = [TrainingExample(ids: [1, 2, 3, 4], lossStart: 2), TrainingExample(ids: [1, 5, 6], lossStart: 2)]
        let loader = try DataLoader(data: TrainingData(source: "memory", format: .promptCompletion, examples: examples),
                                    batch: 1, seqLen: 3, seed: 0, mode: .packing)
        let batch = TrainingBatch(loader.examples.sorted { $0.ids[0] < $1.ids[0] }, length: 3)
        // Stream 1 2 3 4 1 5 6 with 2, 1 and 5 (prompt tokens) out of the loss.
        #expect(batch.inputs == [1, 2, 3, 4, 1, 5])
        #expect(batch.targets == [-1, 3, 4, -1, -1, 6])
    }

    // MARK: Token tensors

    @Test func tokenTensorRowsBecomeExamplesWithEveryTokenInTheLoss() throws {
        let tokens = try Tensor([1, 2, 3, 4, 5, 6, 7, 0], shape: [2, 4])
        let loaded = try TrainingData(tokens: tokens, vocabularySize: 8)
        #expect(loaded.format == .tokens && loaded.defaultMode == .padding)
        #expect(loaded.examples == [TrainingExample(ids: [1, 2, 3, 4]), TrainingExample(ids: [5, 6, 7, 0])])
        var loader = try DataLoader(data: loaded, batch: 2, seqLen: 3, seed: 0)
        let batch = loader.next()
        #expect(Set(rows(batch).map { $0.1 }) == [[2, 3, 4], [6, 7, 0]])
        #expect(batch.tokenCount == 6)
    }

    @Test func tokenTensorValuesMustBeWholeIdsInTheVocabulary() throws {
        expectTrainingError("tokens[1, 0]", mentioning: ["2.5", "whole"]) {
            try TrainingData(tokens: Tensor([1, 2, 2.5, 3], shape: [2, 2]), vocabularySize: 8)
        }
        expectTrainingError("tokens[0, 1]", mentioning: ["-1", "vocabulary"]) {
            try TrainingData(tokens: Tensor([1, -1, 2, 3], shape: [2, 2]), vocabularySize: 8)
        }
        expectTrainingError("ids[1, 1]", mentioning: ["8", "8 tokens"]) {
            try TrainingData(tokens: Tensor([1, 2, 3, 8], shape: [2, 2]), vocabularySize: 8, name: "ids")
        }
        expectTrainingError("tokens[0, 0]", mentioning: ["nan"]) {
            try TrainingData(tokens: Tensor([.nan, 2, 3, 4], shape: [2, 2]), vocabularySize: 8)
        }
        expectTrainingError("tokens[0, 0]", mentioning: ["1e+30"]) {
            try TrainingData(tokens: Tensor([1e30, 2, 3, 4], shape: [2, 2]), vocabularySize: 8)
        }
        expectTrainingError("tokens", mentioning: ["[examples, tokens]"]) {
            try TrainingData(tokens: Tensor([1, 2, 3]), vocabularySize: 8)
        }
        expectTrainingError("tokens", mentioning: ["at least 2"]) {
            try TrainingData(tokens: Tensor([1, 2], shape: [2, 1]), vocabularySize: 8)
        }
        expectTrainingError("tokens", mentioning: ["no examples"]) {
            try TrainingData(tokens: Tensor([], shape: [0, 4]), vocabularySize: 8)
        }
        expectTrainingError("vocab") { try TrainingData(tokens: Tensor([1, 2], shape: [1, 2]), vocabularySize: 0) }
    }

    // MARK: Order

    /// Twenty one-window examples whose first id names them.
    private func twenty() -> TrainingData { data((0..<20).map { (Int32($0) * 10, 3) }, format: .promptCompletion) }

    private func firstIds(_ loader: inout DataLoader, batches: Int) -> [Int32] {
        (0..<batches).flatMap { _ in rows(loader.next()).map { $0.0[0] } }
    }

    @Test func seededOrderIsReproducibleAndDependsOnTheSeed() throws {
        var a = try DataLoader(data: twenty(), batch: 4, seqLen: 2, seed: 42)
        var b = try DataLoader(data: twenty(), batch: 4, seqLen: 2, seed: 42)
        var c = try DataLoader(data: twenty(), batch: 4, seqLen: 2, seed: 43)
        let first = firstIds(&a, batches: 15)
        #expect(first == firstIds(&b, batches: 15))
        #expect(first != firstIds(&c, batches: 15))
        // Each epoch has its own order, and it is not the file order.
        #expect(Array(first[0..<20]) != Array(first[20..<40]))
        #expect(Array(first[0..<20]) != (0..<20).map { Int32($0) * 10 })
    }

    @Test func everyExampleIsVisitedOncePerEpochEvenWhenBatchesSpanEpochs() throws {
        // 20 examples in batches of 3: batches cross epoch boundaries.
        var loader = try DataLoader(data: twenty(), batch: 3, seqLen: 2, seed: 9)
        let seen = firstIds(&loader, batches: 20)
        for epoch in 0..<3 {
            #expect(Set(seen[(epoch * 20)..<(epoch * 20 + 20)]).count == 20)
        }
        #expect(loader.position == DataPosition(epoch: 3, index: 0))
        #expect(loader.epochsCompleted == 3)
        _ = loader.next()
        #expect(abs(loader.epochsCompleted - 3.15) < 1e-12)
        #expect(loader.batchesPerEpoch == 7)
    }

    @Test func restoredPositionContinuesWithTheSameBatches() throws {
        var original = try DataLoader(data: twenty(), batch: 3, seqLen: 2, seed: 5)
        for _ in 0..<8 { _ = original.next() }
        let saved = try JSONEncoder().encode(original.position)
        #expect(String(decoding: saved, as: UTF8.self).contains("\"epoch\":1"))
        let expected = (0..<12).map { _ in original.next() }

        var resumed = try DataLoader(data: twenty(), batch: 3, seqLen: 2, seed: 5)
        try resumed.restore(JSONDecoder().decode(DataPosition.self, from: saved))
        #expect(resumed.position == DataPosition(epoch: 1, index: 4))
        #expect((0..<12).map { _ in resumed.next() } == expected)
        #expect(resumed.position == original.position)
    }

    @Test func restoreRejectsPositionsOutsideTheData() throws {
        var loader = try DataLoader(data: twenty(), batch: 2, seqLen: 2, seed: 0)
        expectTrainingError("data position", mentioning: ["20"]) { try loader.restore(DataPosition(epoch: 0, index: 20)) }
        expectTrainingError("data position", mentioning: ["negative"]) { try loader.restore(DataPosition(epoch: -1, index: 0)) }
        #expect(loader.position == DataPosition())
    }

    // MARK: Errors

    @Test func fileErrorsNameTheFileAndLine() throws {
        let tokenizer = try gpt2()
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-no-such-\(UUID().uuidString).jsonl").path
        expectTrainingError(missing, mentioning: ["no such file"]) { try TrainingData.load(path: missing, tokenizer: tokenizer) }
        let missingCSV = String(missing.dropLast(6)) + ".csv"
        expectTrainingError(missingCSV, mentioning: ["no such file"]) { try TrainingData.load(path: missingCSV, tokenizer: tokenizer) }

        let badJSON = try temporaryFile("data.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"text\": \"c\n")
        expectTrainingError(badJSON + ":3", mentioning: ["not valid JSON"]) { try TrainingData.load(path: badJSON, tokenizer: tokenizer) }

        let missingField = try temporaryFile("data.jsonl", "{\"text\": \"a\"}\n\n{\"body\": \"b\"}\n")
        expectTrainingError(missingField + ":3", mentioning: ["'text'"]) { try TrainingData.load(path: missingField, tokenizer: tokenizer) }

        let notString = try temporaryFile("data.jsonl", "{\"text\": 3}\n")
        expectTrainingError(notString + ":1", mentioning: ["not a string"]) { try TrainingData.load(path: notString, tokenizer: tokenizer) }

        let noCompletion = try temporaryFile("sft.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"c\"}\n")
        expectTrainingError(noCompletion + ":2", mentioning: ["'completion'"]) { try TrainingData.load(path: noCompletion, tokenizer: tokenizer) }

        let onlyPrompt = try temporaryFile("sft.jsonl", "{\"prompt\": \"a\"}\n")
        expectTrainingError(onlyPrompt + ":1", mentioning: ["no 'completion'"]) { try TrainingData.load(path: onlyPrompt, tokenizer: tokenizer) }

        let unknownFields = try temporaryFile("data.json", "{\"question\": \"a\"}\n")
        expectTrainingError(unknownFields + ":1", mentioning: ["'question'"]) { try TrainingData.load(path: unknownFields, tokenizer: tokenizer) }

        let array = try temporaryFile("data.json", "[{\"text\": \"a\"}]\n")
        expectTrainingError(array + ":1", mentioning: ["JSON array"]) { try TrainingData.load(path: array, tokenizer: tokenizer) }

        let emptyCompletion = try temporaryFile("sft.jsonl", "{\"prompt\": \"a\", \"completion\": \"\"}\n")
        expectTrainingError(emptyCompletion + ":1", mentioning: ["empty"]) {
            try TrainingData.load(path: emptyCompletion, tokenizer: tokenizer, eos: nil)
        }
    }

    @Test func emptyDataAndUnknownFormatsNameTheFile() throws {
        let tokenizer = try gpt2()
        let blank = try temporaryFile("data.jsonl", "\n  \n")
        expectTrainingError(blank, mentioning: ["no examples"]) { try TrainingData.load(path: blank, tokenizer: tokenizer) }
        let emptyTexts = try temporaryFile("data.jsonl", "{\"text\": \"\"}\n")
        expectTrainingError(emptyTexts, mentioning: ["no examples"]) { try TrainingData.load(path: emptyTexts, tokenizer: tokenizer) }
        let emptyText = try temporaryFile("corpus.txt", "")
        expectTrainingError(emptyText, mentioning: ["empty"]) { try TrainingData.load(path: emptyText, tokenizer: tokenizer) }
        let csv = try temporaryFile("data.csv", "text\nhello\n")
        expectTrainingError(csv, mentioning: [".csv"]) { try TrainingData.load(path: csv, tokenizer: tokenizer) }
        let directory = try temporaryFile("placeholder", "") + "-dir.jsonl"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        expectTrainingError(directory, mentioning: ["is a folder, not a data file"]) { try TrainingData.load(path: directory, tokenizer: tokenizer) }
        let text = try temporaryFile("corpus.txt", "hello")
        expectTrainingError("eos", mentioning: ["400"]) { try TrainingData.load(path: text, tokenizer: tokenizer, eos: 400) }
    }

    @Test func loaderOptionsAreCheckedByName() throws {
        let small = data([(0, 3), (10, 3)], format: .promptCompletion)
        expectTrainingError("seq_len", mentioning: ["at least 1"]) { try DataLoader(data: small, batch: 1, seqLen: 0, seed: 0) }
        expectTrainingError("batch", mentioning: ["at least 1"]) { try DataLoader(data: small, batch: 0, seqLen: 4, seed: 0) }
        expectTrainingError("batch", mentioning: ["3", "2 examples"]) { try DataLoader(data: small, batch: 3, seqLen: 4, seed: 0) }
        // Packed, the same six tokens make one window of seq_len 8, not enough for a batch of 2.
        expectTrainingError("batch", mentioning: ["windows of 9 tokens"]) {
            try DataLoader(data: small, batch: 2, seqLen: 8, seed: 0, mode: .packing)
        }
        let promptsOnly = TrainingData(source: "sft.jsonl", format: .promptCompletion,
                                       examples: [TrainingExample(ids: [1, 2, 3, 4, 5], lossStart: 4)])
        expectTrainingError("sft.jsonl", mentioning: ["seq_len 2"]) { try DataLoader(data: promptsOnly, batch: 1, seqLen: 2, seed: 0) }
    }

    @Test func packingAFewMegabytesOfTokensIsLinear() throws {
        // 2M tokens in 20k documents: quadratic work would take minutes, linear well under a second.
        let documents = (0..<20_000).map { i in TrainingExample(ids: [Int32](repeating: Int32(i % 1000), count: 100)) }
        let loader = try DataLoader(data: TrainingData(source: "memory", format: .textLines, examples: documents),
                                    batch: 8, seqLen: 256, seed: 1)
        #expect(loader.exampleCount == (2_000_000 - 1 + 255) / 256)
        #expect(loader.lossTokensPerEpoch == 2_000_000 - 1)
    }
}
