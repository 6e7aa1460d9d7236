import Foundation
import Testing
@testable import Lang

/// `pairs`, `make_pairs`, `synthetic_pairs`, `edit_distance`, `save_pairs` and pair-set values.
@Suite struct PairBuiltinTests {
    static let testsRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = testsRoot.appendingPathComponent("PreferenceTests/Fixtures/pairs").path
    static let tokenizerPath = testsRoot.appendingPathComponent("ModelsTests/Fixtures/tokenizers/llama3.json").path

    func run(_ code: String) throws -> Value {
        let interpreter = Interpreter(write: { _ in })
        interpreter.define("fixtures", .string(Self.fixtures))
        interpreter.define("tok_path", .string(Self.tokenizerPath))
        return try interpreter.evaluate(Source(name: "<test>", text: code)).value
    }

    func errorMessage(_ code: String) -> String { errorText { try run(code) } }

    func numbers(_ value: Value) -> [Double]? {
        guard case .list(let items) = value else { return nil }
        return items.compactMap { if case .number(let x) = $0 { x } else { nil } }
    }

    func expect(_ value: Value, equals expected: Value, _ comment: Comment? = nil) {
        #expect(valuesEqual(value, expected), comment ?? "got \(repr(value))")
    }

    @Test func syntheticPairsHaveCountsDistancesAndStats() throws {
        let value = try run("""
            let ps = synthetic_pairs()
            [ps.count, type(ps), ps.unit, len(ps.edit_distances), ps.stats.count, ps.stats.at_most_5, len(ps.list), keys(ps.list[0])]
            """)
        guard case .list(let items) = value, items.count == 8 else { Issue.record("\(value)"); return }
        expect(items[0], equals: .number(100))
        expect(items[1], equals: .string("pairs"))
        expect(items[2], equals: .string("characters"))
        expect(items[3], equals: .number(100))
        expect(items[4], equals: .number(100))
        expect(items[5], equals: .number(100), "one corrupted number is at most a few characters")
        expect(items[6], equals: .number(100))
        expect(items[7], equals: .list([.string("prompt"), .string("chosen"), .string("rejected")]))

        let distances = try #require(numbers(try run("synthetic_pairs(count: 30, corrupt: 1, seed: 4).edit_distances")))
        #expect(distances.count == 30 && distances.allSatisfy { (1...4).contains($0) })
        let wide = try #require(numbers(try run("synthetic_pairs(kind: \"choice\", count: 30).edit_distances")))
        #expect(wide.min() ?? 0 > 4, "unrelated answers are far apart")
        // Same seed, same pairs; the stats record matches the distances.
        expect(try run("synthetic_pairs(count: 10, seed: 3).list == synthetic_pairs(count: 10, seed: 3).list"), equals: .bool(true))
        expect(try run("synthetic_pairs(count: 10, seed: 3).list == synthetic_pairs(count: 10, seed: 4).list"), equals: .bool(false))
        let stats = try run("let ps = synthetic_pairs(count: 9, corrupt: 3)\n[ps.stats.max_edit_distance, max(ps.edit_distances), ps.stats.min_edit_distance, min(ps.edit_distances)]")
        guard case .list(let pairsOfStats) = stats, pairsOfStats.count == 4 else { Issue.record("\(stats)"); return }
        expect(pairsOfStats[0], equals: pairsOfStats[1])
        expect(pairsOfStats[2], equals: pairsOfStats[3])
    }

    @Test func histogramOfEditDistancesDraws() throws {
        let value = try run("str(hist(synthetic_pairs(count: 50, corrupt: 2).edit_distances, width: 30, height: 5))")
        guard case .string(let text) = value else { Issue.record("\(value)"); return }
        #expect(text.split(separator: "\n").count >= 5)
    }

    @Test func pairsReadsTRLFilesAndCountsTokensWithATokenizer() throws {
        let value = try run("""
            let ps = pairs(fixtures + "/trl_pairs.jsonl")
            let pt = pairs(fixtures + "/trl_pairs.jsonl", tokenizer: tokenizer(tok_path))
            [ps.count, ps.edit_distances, ps.first_differences, ps.list[0].chosen, pt.unit, pt.edit_distances[0], pt.stats.identical]
            """)
        guard case .list(let items) = value, items.count == 7 else { Issue.record("\(value)"); return }
        expect(items[0], equals: .number(3))
        // "3 + 5 = 8"/"3 + 5 = 7": one substitution; "Blue."/"Blue, mostly.": ", mostly" inserted; identical.
        expect(items[1], equals: .list([.number(1), .number(8), .number(0)]))
        expect(items[2], equals: .list([.number(8), .number(4), .nil]))
        expect(items[3], equals: .string("3 + 5 = 8"))
        expect(items[4], equals: .string("tokens"))
        expect(items[5], equals: .number(1))
        expect(items[6], equals: .number(1))
    }

    @Test func makePairsBuildsEachPublicFormat() throws {
        let value = try run("""
            let seen = []
            for kind in ["arc", "hellaswag", "metamath", "gsm8k"] {
              let ps = make_pairs(kind, fixtures + "/" + kind + ".jsonl", seed: 1)
              seen = append(seen, [ps.count, len(ps.skipped)])
            }
            seen
            """)
        expect(value, equals: .list([.list([.number(9), .number(0)]), .list([.number(6), .number(0)]),
                                     .list([.number(2), .number(1)]), .list([.number(2), .number(0)])]))
        // Math pairs differ by one number: a handful of characters at most.
        let distances = try #require(numbers(try run("make_pairs(\"gsm8k\", fixtures + \"/gsm8k.jsonl\").edit_distances")))
        #expect(distances.allSatisfy { (1...5).contains($0) })
        expect(try run("make_pairs(\"arc\", fixtures + \"/arc.jsonl\").list[0].chosen"), equals: .string("copper"))
    }

    @Test func editDistanceOnStringsAndTokenIds() throws {
        expect(try run("edit_distance(\"kitten\", \"sitting\")"), equals: .number(3))
        expect(try run("edit_distance(\"ab\", \"ba\")"), equals: .number(2))
        expect(try run("edit_distance(\"\", \"abc\")"), equals: .number(3))
        expect(try run("edit_distance([1, 2, 3, 4], [1, 9, 3, 4, 5])"), equals: .number(2))
        expect(try run("edit_distance(tensor([5, 6]), [5, 6])"), equals: .number(0))
        expect(try run("edit_distance([], [])"), equals: .number(0))
        #expect(errorMessage("edit_distance(\"ab\", [1, 2])").contains("two strings or two lists of token ids"))
        #expect(errorMessage("edit_distance([1.5], [1])").contains("list of token ids"))
    }

    @Test func savePairsRoundTrips() throws {
        let value = try run("""
            let ps = synthetic_pairs(kind: "choice", count: 7, seed: 2)
            let path = temp_dir() + "/saved.jsonl"
            save_pairs(ps, path)
            let back = pairs(path)
            [back.count, back.list == ps.list, back.edit_distances == ps.edit_distances]
            """)
        expect(value, equals: .list([.number(7), .bool(true), .bool(true)]))
    }

    @Test func errorsNameTheProblem() {
        #expect(errorMessage("pairs(\"/no/such/file.jsonl\")").contains("/no/such/file.jsonl: no such file"))
        #expect(errorMessage("pairs(\"\(Self.fixtures)/trl_missing_field.jsonl\")").contains("trl_missing_field.jsonl:2: has no 'rejected' field"))
        #expect(errorMessage("make_pairs(\"mmlu\", \"x.jsonl\")").contains("unknown pair source 'mmlu'"))
        #expect(errorMessage("make_pairs(\"arc\", \"\(Self.fixtures)/gsm8k.jsonl\")").contains("gsm8k.jsonl:1: has no 'choices' field"))
        #expect(errorMessage("synthetic_pairs(corrupt: 0)").contains("corrupt: must be between 1 and 20"))
        #expect(errorMessage("synthetic_pairs(kind: \"essay\")").contains("kind must be one of \"arithmetic\", \"arithmetic_far\", \"choice\", got \"essay\""))
        #expect(errorMessage("synthetic_pairs(count: 2.5)").contains("whole number"))
        #expect(errorMessage("synthetic_pairs(seed: -1)").contains("seed must not be negative"))
        #expect(errorMessage("save_pairs([1], temp_dir() + \"/x.jsonl\")").contains("must be a pair set"))
        #expect(errorMessage("save_pairs(synthetic_pairs(count: 1), \"/sys/x.jsonl\")").contains("save_pairs: /sys/x.jsonl: permission denied; choose a folder you can write to"))
        #expect(errorMessage("pairs(\"\(Self.fixtures)/trl_pairs.jsonl\", tokenizer: 3)").contains("must be a tokenizer"))
    }

    @Test func helpListsThePreferenceTopic() throws {
        #expect(Builtins.topics.contains("preference"))
        for name in ["pairs", "make_pairs", "synthetic_pairs", "edit_distance", "save_pairs"] {
            #expect(Builtins.table[name]?.topic == "preference", "\(name)")
        }
        #expect(Builtins.table["synthetic_pairs"]?.signature == "synthetic_pairs(kind = \"arithmetic\", count = 100, corrupt = 1, seed = 0, tokenizer = nil, steps = nil)")
    }
}
