import Base
import Foundation
import Models
import OrderedCollections
import Preference

/// A set of preference pairs as a language value: `ps.count`, `ps.edit_distances`, `ps.stats`,
/// `ps.list`, and `hist(ps.edit_distances)` for the paper's edit-distance histogram.
///
/// Distances and lengths are in tokens when the set was made with a tokenizer (completions
/// tokenised without special tokens, as the trainer sees them before EOS; an EOS appended to both
/// would change neither) and in characters otherwise; `ps.unit` says which.
final class PairSetHandle: Handle {
    let pairs: [PreferencePair]
    let measures: [PairMeasure]
    let unit: String
    /// Items a builder could not turn into a pair, as "place: reason".
    let skipped: [String]
    let statistics: PairStatistics

    init(_ pairs: [PreferencePair], tokenizer: Tokenizer?, skipped: [String] = []) {
        self.pairs = pairs
        if let tokenizer {
            measures = pairs.map { pair in
                PairMeasure(prompt: tokenizer.encode(pair.prompt, addSpecialTokens: true),
                            chosen: tokenizer.encode(pair.chosen, addSpecialTokens: false),
                            rejected: tokenizer.encode(pair.rejected, addSpecialTokens: false))
            }
            unit = "tokens"
        } else {
            measures = pairs.map { PairMeasure(characters: $0) }
            unit = "characters"
        }
        self.skipped = skipped
        statistics = PairStatistics(measures)
        super.init(kind: "pairs")
    }

    override var summary: String {
        let s = statistics
        return "<pairs: \(s.count) pair\(s.count == 1 ? "" : "s"), edit distance mean \(format(s.meanEditDistance)), "
            + "median \(format(s.medianEditDistance)), min \(s.minEditDistance), max \(s.maxEditDistance) (\(unit))>"
    }

    private enum Property: String, CaseIterable {
        case count, editDistances = "edit_distances", firstDifferences = "first_differences", stats, list, prompts, chosen,
             rejected, unit, skipped
    }

    override var propertyNames: [String] { Property.allCases.map(\.rawValue) }

    override func property(_ name: String) -> Value? {
        func numbers(_ values: [Int]) -> Value { .list(values.map { .number(Double($0)) }) }
        switch Property(rawValue: name) {
        case .count: return .number(Double(pairs.count))
        case .editDistances: return numbers(measures.map(\.editDistance))
        case .firstDifferences: return .list(measures.map { $0.firstDifference.map { .number(Double($0)) } ?? .nil })
        case .stats: return statisticsRecord
        case .list:
            return .list(pairs.map { .record(["prompt": .string($0.prompt), "chosen": .string($0.chosen), "rejected": .string($0.rejected)]) })
        case .prompts: return .list(pairs.map { .string($0.prompt) })
        case .chosen: return .list(pairs.map { .string($0.chosen) })
        case .rejected: return .list(pairs.map { .string($0.rejected) })
        case .unit: return .string(unit)
        case .skipped: return .list(skipped.map(Value.string))
        case nil: return nil
        }
    }

    private var statisticsRecord: Value {
        let s = statistics
        let fields: OrderedDictionary<String, Value> = [
            "count": .number(Double(s.count)),
            "mean_edit_distance": .number(s.meanEditDistance),
            "median_edit_distance": .number(s.medianEditDistance),
            "min_edit_distance": .number(Double(s.minEditDistance)),
            "max_edit_distance": .number(Double(s.maxEditDistance)),
            "mean_prompt_length": .number(s.meanPromptLength),
            "mean_chosen_length": .number(s.meanChosenLength),
            "mean_rejected_length": .number(s.meanRejectedLength),
            "identical": .number(Double(s.identicalCount)),
            "at_most_1": .number(Double(s.count(atMost: 1))),
            "at_most_2": .number(Double(s.count(atMost: 2))),
            "at_most_5": .number(Double(s.count(atMost: 5))),
            "at_most_10": .number(Double(s.count(atMost: 10))),
            "unit": .string(unit),
        ]
        return .record(fields)
    }
}

extension Arguments {
    fileprivate func pairSet(_ name: String) throws -> PairSetHandle {
        guard case .handle(let handle) = try self[name], let set = handle as? PairSetHandle else {
            throw BuiltinError("argument '\(name)' must be a pair set (from pairs, make_pairs or synthetic_pairs), got a \(try self[name].typeName)")
        }
        return set
    }

    /// The optional tokenizer argument: nil, a tokenizer, or a model that has one.
    fileprivate func optionalTokenizer(_ name: String) throws -> Tokenizer? { try isNil(name) ? nil : try tokenizerValue(name) }

    func seedValue(_ name: String) throws -> UInt64 {
        let seed = try int(name)
        guard seed >= 0 else { throw BuiltinError("seed must not be negative, got \(seed)") }
        return UInt64(seed)
    }

    /// Token ids for `edit_distance`: a list of whole numbers or a 1-D tensor.
    fileprivate func tokenIds(_ name: String) throws -> [Int] {
        let what = "argument '\(name)' must be a string or a list of token ids"
        switch try self[name] {
        case .list(let items):
            return try items.map { item in
                guard case .number(let x) = item, let id = Int(exactly: x) else { throw BuiltinError("\(what); found \(repr(item))") }
                return id
            }
        case .tensor(let t) where t.rank <= 1:
            return try t.scalars.map { x in
                guard let id = Int(exactly: x) else { throw BuiltinError("\(what); found \(x)") }
                return id
            }
        case let other: throw BuiltinError("\(what), got a \(other.typeName)")
        }
    }
}

extension Builtins {
    static let pairs: [Builtin] = [
        Builtin("pairs(path, tokenizer = nil)", topic: "preference",
                doc: "The preference pairs of a TRL paired JSONL file (one {\"prompt\", \"chosen\", \"rejected\"} object per line) as a pair set: ps.count, ps.list (records), ps.edit_distances, ps.first_differences (nil where chosen and rejected are identical), ps.stats, ps.prompts/chosen/rejected, ps.unit. Edit distances compare chosen with rejected in tokens of tokenizer (a tokenizer or a model with one) when given, else in characters; hist(ps.edit_distances) draws their histogram.",
                example: "let p = temp_dir() + \"/pairs.jsonl\"\nsave_pairs(synthetic_pairs(count: 4), p)\npairs(p).stats.count") { a in
            let path = try a.path("path")
            let tokenizer = try a.optionalTokenizer("tokenizer")
            return .handle(PairSetHandle(try PairFile.load(path), tokenizer: tokenizer))
        },
        Builtin("make_pairs(kind, path, seed = 0, tokenizer = nil)", topic: "preference",
                doc: "Pairs built from a public dataset's JSONL, as the DPOP paper built them. kind \"arc\" (question {stem, choices} or the flat Hugging Face form, answerKey) and \"hellaswag\" (ctx or ctx_a + ctx_b, activity_label, endings, label) give one pair per wrong answer (3 per 4-choice question); \"metamath\" (query, response) and \"gsm8k\" (question, answer; <<…>> annotations removed) give one pair whose rejected solution has exactly one intermediate result (a number right after '=', not the final answer) changed to a nearby value chosen with seed, every other character unchanged. ps.skipped lists items that gave no pair. Returns a pair set, as pairs does.",
                example: "help(\"make_pairs\")") { a in
            let kind = try PairSource.named(try a.string("kind"))
            let path = try a.path("path")
            let seed = try a.seedValue("seed")
            let tokenizer = try a.optionalTokenizer("tokenizer")
            let built = try kind.build(path: path, seed: seed)
            guard !built.pairs.isEmpty else {
                let why = built.skipped.first.map { " (\($0.description))" } ?? ""
                throw BuiltinError("\(path) gave no pairs\(why)")
            }
            return .handle(PairSetHandle(built.pairs, tokenizer: tokenizer, skipped: built.skipped.map(\.description)))
        },
        Builtin("synthetic_pairs(kind = \"arithmetic\", count = 100, corrupt = 1, seed = 0, tokenizer = nil, steps = nil)", topic: "preference",
                doc: "Made-up pairs for offline work, the same for the same seed. \"arithmetic\": step-by-step word problems (as problems gives) whose rejected solution has corrupt intermediate results changed and nothing else (corrupt: 1 is the paper's low-edit-distance case; more corrupted values, larger distances). \"arithmetic_far\": the same problems, whose rejected completion is the solution of another problem (a different answer: high edit distance on the same task). \"choice\": multiple-choice questions whose rejected answer is an unrelated sentence (high edit distance). steps: steps per problem (default max(3, corrupt + 1); 3 for arithmetic_far). Returns a pair set, as pairs does.",
                example: "synthetic_pairs(count: 20, corrupt: 2).stats.median_edit_distance") { a in
            let name = try a.string("kind")
            guard let kind = SyntheticPairs.Kind(rawValue: name) else {
                throw BuiltinError("kind must be one of \(SyntheticPairs.Kind.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")), got \"\(name)\"")
            }
            let count = try a.int("count"), corrupt = try a.int("corrupt"), seed = try a.seedValue("seed")
            let tokenizer = try a.optionalTokenizer("tokenizer")
            let steps = try a.optionalInt("steps")
            let made = try SyntheticPairs.make(kind, count: count, corrupt: corrupt, steps: steps, seed: seed)
            return .handle(PairSetHandle(made, tokenizer: tokenizer))
        },
        Builtin("edit_distance(a, b)", topic: "preference",
                doc: "The Levenshtein distance between a and b: the fewest insertions, deletions and substitutions turning one into the other (swapping two neighbours costs 2). Two lists of token ids (or 1-D tensors) are compared id by id; two strings character by character.",
                example: "edit_distance(\"2+2=4\", \"2+2=5\")") { a in
            if case .string(let x) = try a["a"], case .string(let y) = try a["b"] {
                return .number(Double(PairDistance.editDistance(Array(x), Array(y))))
            }
            if case .string = try a["a"] { throw BuiltinError("compares two strings or two lists of token ids, not a string with a \(try a["b"].typeName)") }
            if case .string = try a["b"] { throw BuiltinError("compares two strings or two lists of token ids, not a \(try a["a"].typeName) with a string") }
            return .number(Double(PairDistance.editDistance(try a.tokenIds("a"), try a.tokenIds("b"))))
        },
        Builtin("save_pairs(pairset, path)", topic: "preference",
                doc: "Writes a pair set as TRL paired JSONL ({\"prompt\", \"chosen\", \"rejected\"} per line), readable by pairs and by TRL's DPOTrainer. The file is replaced atomically: written beside path, then renamed.",
                example: "save_pairs(synthetic_pairs(kind: \"choice\", count: 3), temp_dir() + \"/choice.jsonl\")") { a in
            let set = try a.pairSet("pairset")
            let path = try a.path("path")
            try OutputPath.checkFile(path)
            try PairFile.save(set.pairs, to: path)
            return .nil
        },
    ]
}
