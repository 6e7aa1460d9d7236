import Foundation
import Models
import Testing
@testable import Preference

/// Pair fixtures written for these tests (Fixtures/pairs) and the tokenizer fixtures of ModelsTests.
enum PairFixtures {
    static let testsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static func pairs(_ name: String) -> String { testsRoot.appendingPathComponent("PreferenceTests/Fixtures/pairs/\(name)").path }
    static func tokenizer(_ name: String) throws -> Tokenizer {
        try Tokenizer(path: testsRoot.appendingPathComponent("ModelsTests/Fixtures/tokenizers/\(name).json").path)
    }

    /// A fresh scratch directory.
    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A scratch file holding `text`.
    static func file(_ text: String, name: String = "pairs.jsonl") throws -> String {
        let url = try scratch().appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }
}

/// The error `body` throws, as a PreferenceError (nil when it does not throw one).
func preferenceError(_ body: () throws -> Void) -> PreferenceError? {
    do {
        try body()
        return nil
    } catch let error as PreferenceError {
        return error
    } catch {
        return PreferenceError("unexpected", "\(error)")
    }
}

/// Splits two texts that differ in one number into (prefix, number in a, number in b, suffix):
/// the common prefix and suffix are widened to number boundaries so that "16.75" vs "17.10"
/// reports whole numbers. nil when the texts differ anywhere else.
func singleNumberDifference(_ a: String, _ b: String) -> (prefix: String, a: String, b: String, suffix: String)? {
    let x = Array(a), y = Array(b)
    var start = 0
    while start < x.count, start < y.count, x[start] == y[start] { start += 1 }
    var endX = x.count, endY = y.count
    while endX > start, endY > start, x[endX - 1] == y[endY - 1] {
        endX -= 1
        endY -= 1
    }
    func numeric(_ c: Character) -> Bool { c.isNumber || c == "." || c == "," }
    // Widen over digits (a shared "1" of "16.75"/"17.10", a shared trailing digit), but not over a
    // sentence's final "." or ",".
    while start > 0, x[start - 1].isNumber || (numeric(x[start - 1]) && start > 1 && x[start - 2].isNumber) { start -= 1 }
    while endX < x.count, endY < y.count, x[endX].isNumber || (numeric(x[endX]) && endX + 1 < x.count && x[endX + 1].isNumber) {
        endX += 1
        endY += 1
    }
    let middleA = String(x[start..<endX]), middleB = String(y[start..<endY])
    let isNumber: (String) -> Bool = { !$0.isEmpty && $0.first?.isNumber == true && $0.last?.isNumber == true && $0.allSatisfy(numeric) }
    guard isNumber(middleA), isNumber(middleB), middleA != middleB else { return nil }
    guard String(x[..<start]) == String(y[..<start]), String(x[endX...]) == String(y[endY...]) else { return nil }
    return (String(x[..<start]), middleA, middleB, String(x[endX...]))
}

/// Positions at which two number lists differ (nil when they have different lengths).
func differingPositions(_ a: String, _ b: String) -> [Int]? {
    let x = ResultCorruption.numbers(in: a), y = ResultCorruption.numbers(in: b)
    guard x.count == y.count else { return nil }
    return x.indices.filter { x[$0] != y[$0] }
}

/// Pair data: loading and saving, tokenisation, analysis, builders, generators.
@Suite struct PairTests {}

// MARK: - Loading and saving

extension PairTests {
    @Suite struct Files {
        @Test func loadsTRLPairsWithTheirLines() throws {
            let path = PairFixtures.pairs("trl_pairs.jsonl")
            let pairs = try PairFile.load(path)
            #expect(pairs.count == 3)
            #expect(pairs[0] == PreferencePair(prompt: "What is 3 + 5?\n", chosen: "3 + 5 = 8", rejected: "3 + 5 = 7"))
            #expect(pairs[1].rejected == "Blue, mostly.", "extra fields are ignored")
            // The blank third line is skipped but counted.
            #expect(pairs.map(\.origin) == ["\(path):1", "\(path):2", "\(path):4"])
        }

        @Test func missingFieldNamesTheFileLineAndField() {
            let path = PairFixtures.pairs("trl_missing_field.jsonl")
            let error = preferenceError { _ = try PairFile.load(path) }
            #expect(error == PreferenceError("\(path):2", "has no 'rejected' field"))
        }

        @Test func malformedFilesAreExplained() throws {
            let notString = try PairFixtures.file("{\"prompt\": \"p\", \"chosen\": 1, \"rejected\": \"r\"}\n")
            #expect(preferenceError { _ = try PairFile.load(notString) } == PreferenceError("\(notString):1", "field 'chosen' is not a string"))

            let conversational = try PairFixtures.file("{\"prompt\": [{\"role\": \"user\", \"content\": \"hi\"}], \"chosen\": \"a\", \"rejected\": \"b\"}\n")
            let message = preferenceError { _ = try PairFile.load(conversational) }?.message ?? ""
            #expect(message.contains("conversational") && message.contains("'prompt'"))

            let broken = try PairFixtures.file("{\"prompt\": \"p\", \"chosen\": \"c\", \"rejected\": \"r\"}\n{\"prompt\": \n")
            #expect(preferenceError { _ = try PairFile.load(broken) }?.place == "\(broken):2")

            let array = try PairFixtures.file("[{\"prompt\": \"p\"}]\n")
            #expect(preferenceError { _ = try PairFile.load(array) } == PreferenceError("\(array):1", "is a JSON array; each line must be one object"))

            let empty = try PairFixtures.file("\n  \n")
            #expect(preferenceError { _ = try PairFile.load(empty) } == PreferenceError(empty, "has no examples (no non-blank lines)"))

            #expect(preferenceError { _ = try PairFile.load("/no/such/pairs.jsonl") } == PreferenceError("/no/such/pairs.jsonl", "no such file; check the path"))
        }

        @Test func saveWritesTRLJSONLThatLoadsBackUnchanged() throws {
            let directory = try PairFixtures.scratch()
            let path = directory.appendingPathComponent("out.jsonl").path
            let pairs = [
                PreferencePair(prompt: "Quote \"this\" and a back\\slash\n", chosen: "tab\there", rejected: "bell\u{7} café ✓"),
                PreferencePair(prompt: "p", chosen: "", rejected: "r"),
            ]
            try PairFile.save(pairs, to: path)
            #expect(try PairFile.load(path) == pairs)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("{\"prompt\": \"Quote \\\"this\\\" and a back\\\\slash\\n\", \"chosen\": \"tab\\there\", \"rejected\": \"bell\\u0007 café ✓\"}\n"))
            #expect(text.split(separator: "\n").count == 2)
            // Saving again replaces the file whole and leaves no temporary file beside it.
            try PairFile.save([pairs[1]], to: path)
            #expect(try PairFile.load(path) == [pairs[1]])
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.jsonl"])

            // Missing folders are created (OutputPath's rule); a place that takes no files is named.
            try PairFile.save(pairs, to: directory.path + "/new/out.jsonl")
            #expect(try PairFile.load(directory.path + "/new/out.jsonl") == pairs)
            let error = preferenceError { try PairFile.save(pairs, to: "/sys/out.jsonl") }
            #expect(error == PreferenceError("/sys/out.jsonl", "permission denied; choose a folder you can write to"))
        }

        @Test func originIsNotPartOfEquality() {
            let a = PreferencePair(prompt: "p", chosen: "c", rejected: "r", origin: "a.jsonl:1")
            let b = PreferencePair(prompt: "p", chosen: "c", rejected: "r", origin: "b.jsonl:9")
            #expect(a == b && Set([a, b]).count == 1)
        }
    }
}

// MARK: - Tokenisation

extension PairTests {
    @Suite struct Tokenisation {
        static let pairs = [
            PreferencePair(prompt: "What is 3 + 5?\n", chosen: "3 + 5 = 8", rejected: "3 + 5 = 7"),
            PreferencePair(prompt: "Tell me a long story about a cat and a dog.\n", chosen: "Once upon a time, a cat met a dog.",
                           rejected: "The end."),
        ]

        @Test func promptAndCompletionsAreTokenisedSeparatelyWithEOS() throws {
            let tokenizer = try PairFixtures.tokenizer("llama3")
            let eos = try #require(tokenizer.endOfTextId)
            let set = try TokenizedPairs(Self.pairs, tokenizer: tokenizer, options: PairTokenization(eos: eos))
            #expect(set.pairs.count == 2 && set.truncatedCount == 0)
            for (pair, tokens) in zip(Self.pairs, set.pairs) {
                let bos = try #require(tokenizer.id(of: "<|begin_of_text|>"))
                #expect(tokens.promptIds.first == Int32(bos), "the prompt gets the tokenizer's template (BOS)")
                #expect(tokens.promptIds == tokenizer.encode(pair.prompt).map(Int32.init))
                #expect(tokens.chosenIds == (tokenizer.encode(pair.chosen, addSpecialTokens: false) + [eos]).map(Int32.init))
                #expect(tokens.rejectedIds == (tokenizer.encode(pair.rejected, addSpecialTokens: false) + [eos]).map(Int32.init))
                #expect(tokens.chosenSequence == tokens.promptIds + tokens.chosenIds)
                #expect(tokens.completionStart == tokens.promptIds.count)
                #expect(tokens.chosenExample.ids == tokens.chosenSequence)
                #expect(tokens.chosenExample.inLoss == tokens.chosenSequence.indices.map { $0 >= tokens.promptIds.count })
                #expect(tokens.editDistance == PairDistance.editDistance(tokens.chosenIds, tokens.rejectedIds))
                #expect(tokens.firstDifference == PairDistance.firstDifference(tokens.chosenIds, tokens.rejectedIds))
            }
            // "3 + 5 = 8" vs "3 + 5 = 7": one token differs, the last before EOS.
            let first = set.pairs[0]
            #expect(first.editDistance == 1)
            #expect(first.firstDifference == first.chosenIds.count - 2)
            #expect(set.statistics().lowDistanceCount == 1)

            let plain = try TokenizedPairs(Self.pairs, tokenizer: tokenizer, options: PairTokenization(eos: nil, appendEOS: false))
            #expect(plain.pairs[0].chosenIds == tokenizer.encode("3 + 5 = 8", addSpecialTokens: false).map(Int32.init))
        }

        @Test func truncationFollowsTRLAndIsCounted() throws {
            let tokenizer = try PairFixtures.tokenizer("llama3")
            let eos = try #require(tokenizer.endOfTextId)
            let full = try TokenizedPairs(Self.pairs, tokenizer: tokenizer, options: PairTokenization(eos: eos))
            let short = full.pairs[0], long = full.pairs[1]
            // Limits that leave the short pair whole and cut the long one's prompt (from the left) and its chosen completion.
            let maxPrompt = short.promptIds.count + 2
            let maxLength = maxPrompt + short.chosenIds.count + 1
            #expect(long.promptIds.count > maxPrompt && long.chosenIds.count > maxLength - maxPrompt)
            let options = PairTokenization(eos: eos, maxLength: maxLength, maxPromptLength: maxPrompt)
            let cut = try TokenizedPairs(Self.pairs, tokenizer: tokenizer, options: options)
            #expect(cut.pairs[0] == short)
            #expect(cut.truncatedCount == 1 && cut.promptTruncatedCount == 1 && cut.completionTruncatedCount == 1)
            let pair = cut.pairs[1]
            #expect(pair.promptIds == Array(long.promptIds.suffix(maxPrompt)), "the prompt keeps its end")
            #expect(pair.promptIds.first != long.promptIds.first, "the BOS went with the left of the prompt")
            #expect(pair.chosenIds == Array(long.chosenIds.prefix(maxLength - maxPrompt)), "completions keep their start")
            #expect(pair.chosenIds.last != Int32(eos), "the cut removed the EOS, as in TRL")
            #expect(pair.rejectedIds == long.rejectedIds, "a completion within the limit is untouched")
            for p in cut.pairs { #expect(p.chosenSequence.count <= maxLength && p.rejectedSequence.count <= maxLength) }

            // max_completion_length alone cuts completions.
            let completions = try TokenizedPairs(Self.pairs, tokenizer: tokenizer, options: PairTokenization(eos: eos, maxCompletionLength: 3))
            #expect(completions.pairs.allSatisfy { $0.chosenIds.count <= 3 && $0.rejectedIds.count <= 3 })
            #expect(completions.completionTruncatedCount == 2 && completions.promptTruncatedCount == 0)
        }

        @Test func badOptionsNameTheOption() throws {
            let tokenizer = try PairFixtures.tokenizer("llama3")
            func error(_ options: PairTokenization, _ pairs: [PreferencePair] = Self.pairs) -> PreferenceError? {
                preferenceError { _ = try TokenizedPairs(pairs, tokenizer: tokenizer, options: options) }
            }
            #expect(error(PairTokenization(eos: nil))?.place == "eos")
            #expect(error(PairTokenization(eos: 100_000))?.place == "eos")
            #expect(error(PairTokenization(eos: -1))?.place == "eos")
            #expect(error(PairTokenization(eos: 0, maxLength: 0))?.place == "max_length")
            #expect(error(PairTokenization(eos: 0, maxLength: 8, maxPromptLength: 8))?.place == "max_prompt_length")
            // A prompt as long as max_length with no prompt limit leaves no room.
            let long = error(PairTokenization(eos: 0, maxLength: 4))
            #expect(long?.place == "max_length" && long?.message.contains("pair 1") == true)
            // Nothing to score: an empty completion without EOS; an empty prompt without BOS.
            let empty = [PreferencePair(prompt: "q", chosen: "", rejected: "r", origin: "x.jsonl:7")]
            #expect(error(PairTokenization(eos: nil, appendEOS: false), empty)?.place == "x.jsonl:7")
            let gpt2 = try PairFixtures.tokenizer("gpt2")
            let noPrompt = preferenceError {
                _ = try TokenizedPairs([PreferencePair(prompt: "", chosen: "a", rejected: "b")], tokenizer: gpt2, options: PairTokenization(eos: 0))
            }
            #expect(noPrompt?.place == "pair 1" && noPrompt?.message.contains("prompt") == true)
        }
    }
}

// MARK: - Edit distance, first difference, statistics

extension PairTests {
    @Suite struct Analysis {
        func distance(_ a: String, _ b: String) -> Int { PairDistance.editDistance(Array(a), Array(b)) }

        @Test func editDistanceHandCases() {
            #expect(distance("", "") == 0)
            #expect(distance("", "abc") == 3 && distance("abc", "") == 3)
            #expect(distance("same", "same") == 0)
            #expect(distance("abc", "abxc") == 1, "insert")
            #expect(distance("abxc", "abc") == 1, "delete")
            #expect(distance("abc", "axc") == 1, "substitute")
            #expect(distance("ab", "ba") == 2, "a transposition is two edits")
            #expect(distance("kitten", "sitting") == 3)
            #expect(distance("2+2=4", "2+2=5") == 1)
            #expect(PairDistance.editDistance([1, 2, 3, 4], [1, 9, 3, 4, 5]) == 2)
        }

        /// The full (n+1)×(m+1) table, as a reference for the one-row version.
        func reference(_ a: [Int], _ b: [Int]) -> Int {
            var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in 0...a.count { table[i][0] = i }
            for j in 0...b.count { table[0][j] = j }
            for i in stride(from: 1, through: a.count, by: 1) {
                for j in stride(from: 1, through: b.count, by: 1) {
                    table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                }
            }
            return table[a.count][b.count]
        }

        @Test func editDistanceMatchesTheFullTableOnRandomSequences() {
            var random = PairRandom(seed: 7, stream: 0)
            for _ in 0..<300 {
                let a = (0..<random.below(12)).map { _ in random.below(4) }
                let b = (0..<random.below(12)).map { _ in random.below(4) }
                #expect(PairDistance.editDistance(a, b) == reference(a, b), "\(a) \(b)")
                #expect(PairDistance.editDistance(a, b) == PairDistance.editDistance(b, a))
            }
        }

        @Test func firstDifference() {
            #expect(PairDistance.firstDifference([1, 2, 3], [1, 2, 3]) == nil)
            #expect(PairDistance.firstDifference([Int](), []) == nil)
            #expect(PairDistance.firstDifference([1, 2, 3], [1, 5, 3]) == 1)
            #expect(PairDistance.firstDifference([7], [1]) == 0)
            #expect(PairDistance.firstDifference([1, 2], [1, 2, 3]) == 2, "a prefix differs where the longer one goes on")
            #expect(PairDistance.firstDifference(Array("3 + 5 = 8"), Array("3 + 5 = 7")) == 8)
        }

        @Test func statistics() {
            func measure(_ distance: Int, prompt: Int = 10, chosen: Int = 4, rejected: Int = 6) -> PairMeasure {
                PairMeasure(promptLength: prompt, chosenLength: chosen, rejectedLength: rejected, editDistance: distance, firstDifference: distance == 0 ? nil : 0)
            }
            let s = PairStatistics([measure(3), measure(0, prompt: 20), measure(10, chosen: 8), measure(1), measure(1)])
            #expect(s.count == 5 && s.meanEditDistance == 3 && s.medianEditDistance == 1)
            #expect(s.minEditDistance == 0 && s.maxEditDistance == 10 && s.identicalCount == 1)
            #expect(s.meanPromptLength == 12 && s.meanChosenLength == 4.8 && s.meanRejectedLength == 6)
            #expect(s.lowDistanceThreshold == 1 && s.lowDistanceCount == 3)
            #expect(s.count(atMost: 3) == 4 && s.count(atMost: 100) == 5 && s.count(atMost: -1) == 0)
            #expect(s.sortedEditDistances == [0, 1, 1, 3, 10])

            let even = PairStatistics([measure(1), measure(4), measure(2), measure(9)], lowDistanceThreshold: 2)
            #expect(even.medianEditDistance == 3 && even.lowDistanceCount == 2)

            let none = PairStatistics([])
            #expect(none.count == 0 && none.meanEditDistance == 0 && none.medianEditDistance == 0 && none.maxEditDistance == 0)

            let characters = PairMeasure(characters: PreferencePair(prompt: "Q?", chosen: "3 + 5 = 8", rejected: "3 + 5 = 7"))
            #expect(characters == PairMeasure(promptLength: 2, chosenLength: 9, rejectedLength: 9, editDistance: 1, firstDifference: 8))
        }
    }
}

// MARK: - Builders

extension PairTests {
    @Suite struct Builders {
        @Test func arcGivesOnePairPerWrongAnswer() throws {
            let path = PairFixtures.pairs("arc.jsonl")
            let built = try PairSource.arc.build(path: path)
            #expect(built.pairs.count == 9 && built.skipped.isEmpty, "three pairs per four-choice question")
            let first = built.pairs.prefix(3)
            #expect(first.allSatisfy { $0.chosen == "copper" && $0.origin == "\(path):1" })
            #expect(first.map(\.rejected) == ["rubber", "wood", "glass"])
            #expect(first.first?.prompt == "Question: Which material lets electricity pass through it most easily?\nA. rubber\nB. copper\nC. wood\nD. glass\nAnswer:\n")
            // The Hugging Face flat form, with digit labels and a numeric answerKey.
            let flat = built.pairs.suffix(3)
            #expect(flat.allSatisfy { $0.chosen == "They turn into solid." && $0.prompt.contains("\n2. They turn into solid.\n") })
            #expect(Set(flat.map(\.rejected)) == ["They turn into gas.", "They glow.", "They become magnetic."])

            let wrongKey = try PairFixtures.file("{\"question\": \"q\", \"choices\": {\"text\": [\"a\", \"b\"], \"label\": [\"A\", \"B\"]}, \"answerKey\": \"E\"}\n")
            #expect(preferenceError { _ = try PairSource.arc.build(path: wrongKey) } == PreferenceError("\(wrongKey):1", "answerKey 'E' is not among the labels A, B"))
            let noKey = try PairFixtures.file("{\"question\": \"q\", \"choices\": {\"text\": [\"a\", \"b\"], \"label\": [\"A\", \"B\"]}}\n")
            #expect(preferenceError { _ = try PairSource.arc.build(path: noKey) } == PreferenceError("\(noKey):1", "has no 'answerKey' field"))
        }

        @Test func hellaSwagGivesThreePairsPerQuestion() throws {
            let built = try PairSource.hellaswag.build(path: PairFixtures.pairs("hellaswag.jsonl"))
            #expect(built.pairs.count == 6)
            let first = built.pairs.prefix(3), second = built.pairs.suffix(3)
            #expect(first.allSatisfy { $0.prompt == "Baking bread: A man kneads a ball of dough on a floured table. He" })
            #expect(first.allSatisfy { $0.chosen == " places it in a bowl and covers it with a cloth." })
            #expect(second.allSatisfy { $0.prompt == "Washing a car: A woman sprays the car with a hose. she" && $0.chosen == " scrubs the doors with a soapy sponge." })
            #expect(second.map(\.rejected) == [" eats the hose for lunch.", " climbs onto the roof of the house.", " reads a book about volcanoes."])

            let badLabel = try PairFixtures.file("{\"ctx\": \"c\", \"endings\": [\"a\", \"b\", \"c\", \"d\"], \"label\": 4}\n")
            #expect(preferenceError { _ = try PairSource.hellaswag.build(path: badLabel) }?.message.contains("not an ending index") == true)
            let unlabelled = try PairFixtures.file("{\"ctx\": \"c\", \"endings\": [\"a\", \"b\", \"c\", \"d\"], \"label\": \"\"}\n")
            #expect(preferenceError { _ = try PairSource.hellaswag.build(path: unlabelled) }?.message.contains("test split") == true)
        }

        /// The paper's construction: chosen and rejected differ in exactly one number, an intermediate
        /// result, and every other character is the same.
        func expectOneIntermediateChanged(_ pair: PreferencePair, finalLine: String) {
            guard let diff = singleNumberDifference(pair.chosen, pair.rejected) else {
                Issue.record("not a single-number difference:\n\(pair.chosen)\n---\n\(pair.rejected)")
                return
            }
            #expect(diff.prefix.hasSuffix("= ") || diff.prefix.hasSuffix("= $"), "the changed number is a step's result: \(diff.prefix)")
            #expect(diff.suffix.hasSuffix(finalLine), "the final answer is untouched")
            #expect(differingPositions(pair.chosen, pair.rejected)?.count == 1)
            // Decimal places and thousands commas are kept.
            #expect(diff.a.contains(".") == diff.b.contains("."))
            #expect(diff.a.split(separator: ".").last?.count == diff.b.split(separator: ".").last?.count)
        }

        @Test func metaMathPairsChangeExactlyOneIntermediateResult() throws {
            let path = PairFixtures.pairs("metamath.jsonl")
            let built = try PairSource.metamath.build(path: path, seed: 3)
            #expect(built.pairs.count == 2)
            #expect(built.skipped == [PreferenceError("\(path):3", "has no intermediate result to corrupt")], "one step that computes the answer")
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            for (pair, line) in zip(built.pairs, lines) {
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                #expect(pair.chosen == object["response"] as? String)
                #expect(pair.prompt == "Question: \(object["query"] as? String ?? "")\nAnswer:\n")
                expectOneIntermediateChanged(pair, finalLine: pair.chosen.split(separator: "\n").last.map(String.init) ?? "")
            }
            // 16.75 is the only intermediate result of the first solution (3.25 is the answer).
            let first = try #require(singleNumberDifference(built.pairs[0].chosen, built.pairs[0].rejected))
            #expect(first.a == "16.75" && first.prefix == "Mia spends $3.50 + $1.25 + $12 = $")
            #expect(first.suffix.hasPrefix(".\nShe gets $20 - $16.75 = $3.25"), "later uses keep the correct value")
            // Seeded: the same seed gives the same pairs; other seeds pick other values or steps.
            #expect(try PairSource.metamath.build(path: path, seed: 3).pairs.map(\.rejected) == built.pairs.map(\.rejected))
            let others = try (0..<8).map { try PairSource.metamath.build(path: path, seed: UInt64($0)).pairs.map(\.rejected) }
            #expect(Set(others).count > 1)
        }

        @Test func gsm8kPairsDropAnnotationsAndChangeOneIntermediateResult() throws {
            let built = try PairSource.gsm8k.build(path: PairFixtures.pairs("gsm8k.jsonl"), seed: 0)
            #expect(built.pairs.count == 2 && built.skipped.isEmpty)
            #expect(built.pairs[0].chosen == "In five days Omar reads 12*5 = 60 pages.\nIn total he reads 60+20 = 80 pages.\n#### 80")
            for pair in built.pairs {
                #expect(!pair.chosen.contains("<<") && !pair.rejected.contains(">>"))
                expectOneIntermediateChanged(pair, finalLine: pair.chosen.split(separator: "\n").last.map(String.init) ?? "")
            }
            let first = try #require(singleNumberDifference(built.pairs[0].chosen, built.pairs[0].rejected))
            #expect(first.a == "60" && first.suffix.hasPrefix(" pages.\nIn total he reads 60+20 = 80"))
            let second = try #require(singleNumberDifference(built.pairs[1].chosen, built.pairs[1].rejected))
            #expect(second.a == "5,000" && second.b.contains(","), "thousands commas are kept: \(second.b)")
        }

        @Test func corruptionRule() throws {
            func candidates(_ text: String, marker: String? = nil) -> [String] {
                ResultCorruption.candidates(in: Array(text.unicodeScalars), answerMarker: marker).map(\.canonical)
            }
            #expect(candidates("a = 5, b == 6, c <= 7, d >= 8, e != 9, f = 10") == ["5"], "comparisons are not steps; the last result is the answer")
            #expect(candidates("x = 2x + 1, y = 3/4, z = 12 apples, w = 99") == ["12"], "expressions are not results")
            #expect(candidates("cost = \\$47 and = $1,250.50 then = -3 so = 8.", marker: nil) == ["47", "1250.5", "-3"])
            #expect(candidates("t = 4. u = 9. The answer is: 4", marker: "The answer is:") == ["9"], "the answer's value is excluded")
            #expect(candidates("only = 42\n#### 42", marker: "####").isEmpty)

            var random = PairRandom(seed: 1, stream: 0)
            for text in ["0", "1", "2", "47", "15.20", "1,250", "-3", "0.5"] {
                let literal = try #require(ResultCorruption.number(in: Array(text.unicodeScalars), at: 0))
                for _ in 0..<50 {
                    let moved = try #require(ResultCorruption.perturbed(literal, random: &random))
                    let value = try #require(Double(moved.replacingOccurrences(of: ",", with: "")))
                    let original = try #require(Double(text.replacingOccurrences(of: ",", with: "")))
                    #expect(value != original)
                    #expect(original < 0 || value >= 0, "\(text) → \(moved)")
                    #expect(abs(value - original) <= max(2 * pow(10, -Double(literal.fractionDigits.count)), abs(original) / 5 + 1e-9))
                    #expect((moved.split(separator: ".").dropFirst().first?.count ?? 0) == literal.fractionDigits.count, "decimal places kept: \(moved)")
                    #expect(moved.contains(",") == (literal.groupedWithCommas && abs(value) >= 1000), "commas kept: \(moved)")
                }
            }
            #expect(ResultCorruption.numbers(in: "a 1,234 b 3,4 c 5.5.") == ["1234", "3", "4", "5.5"])
            #expect(MathPairs.withoutCalculatorAnnotations("a <<1+1=2>>2 b <<x") == "a 2 b <<x")
            #expect(try PairSource.named("GSM8K") == .gsm8k)
            #expect(preferenceError { _ = try PairSource.named("mmlu") }?.place == "kind")
        }
    }
}

// MARK: - Synthetic pairs

extension PairTests {
    @Suite struct Synthetic {
        @Test(arguments: [1, 2, 3, 5, 8])
        func arithmeticPairsHaveExactlyKCorruptedValues(_ k: Int) throws {
            let pairs = try SyntheticPairs.make(.arithmetic, count: 40, corrupt: k, seed: 11)
            #expect(pairs.count == 40)
            for pair in pairs {
                #expect(differingPositions(pair.chosen, pair.rejected)?.count == k, "\(pair.chosen)\n---\n\(pair.rejected)")
                let last = pair.chosen.split(separator: "\n").last.map(String.init) ?? ""
                #expect(last.hasPrefix("The answer is: ") && pair.rejected.hasSuffix("\n" + last), "the final answer is never corrupted")
                #expect(pair.prompt.hasPrefix("Question: ") && pair.prompt.hasSuffix("Answer:\n"))
                // The chosen solution is right: each step's result is the next step's starting value.
                let results = pair.chosen.split(separator: "\n").dropFirst().dropLast().compactMap { $0.split(separator: "= ").last?.split(separator: " ").first }
                let starts = pair.chosen.split(separator: "\n").dropFirst(2).dropLast().compactMap { $0.split(separator: " has ").last?.split(separator: " ").first }
                #expect(Array(results.dropLast()) == starts)
            }
            if k == 1 {
                // The paper's low-edit-distance case: a few characters apart.
                let stats = PairStatistics(pairs.map { PairMeasure(characters: $0) })
                #expect(stats.maxEditDistance <= 4 && stats.minEditDistance >= 1)
            }
        }

        @Test func moreCorruptionMeansLargerDistance() throws {
            func mean(_ k: Int) throws -> Double {
                PairStatistics(try SyntheticPairs.make(.arithmetic, count: 30, corrupt: k, seed: 2).map { PairMeasure(characters: $0) }).meanEditDistance
            }
            #expect(try mean(1) < mean(4))
            #expect(try mean(4) < mean(10))
        }

        @Test func choicePairsHaveUnrelatedAnswers() throws {
            let pairs = try SyntheticPairs.make(.choice, count: 50, seed: 5)
            for pair in pairs {
                #expect(pair.chosen != pair.rejected)
                #expect(pair.prompt.contains(". \(pair.chosen)\n") && pair.prompt.contains(". \(pair.rejected)\n"), "both answers are options")
                #expect(pair.prompt.split(separator: "\n").count == 6, "question, four options, Answer:")
            }
            let stats = PairStatistics(pairs.map { PairMeasure(characters: $0) })
            #expect(stats.minEditDistance >= 8 && stats.meanEditDistance > 25, "high edit distance: \(stats.meanEditDistance)")
        }

        @Test func generatorsAreDeterministicBySeed() throws {
            for kind in SyntheticPairs.Kind.allCases {
                let a = try SyntheticPairs.make(kind, count: 30, corrupt: 2, seed: 9)
                #expect(try SyntheticPairs.make(kind, count: 30, corrupt: 2, seed: 9) == a)
                #expect(try SyntheticPairs.make(kind, count: 30, corrupt: 2, seed: 10) != a)
                // Pair i depends on the seed and i only: a longer set starts with the shorter one.
                #expect(Array(try SyntheticPairs.make(kind, count: 45, corrupt: 2, seed: 9).prefix(30)) == a)
            }
        }

        @Test func badArgumentsNameTheOption() {
            #expect(preferenceError { _ = try SyntheticPairs.make(.arithmetic, count: 0) }?.place == "count")
            #expect(preferenceError { _ = try SyntheticPairs.make(.arithmetic, count: 5, corrupt: 0) }?.place == "corrupt")
            #expect(preferenceError { _ = try SyntheticPairs.make(.arithmetic, count: 5, corrupt: 21) }?.place == "corrupt")
        }
    }
}
