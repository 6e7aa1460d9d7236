import Base
import DefaultModel
import Foundation
import Models
import OrderedCollections
import Preference
import Training

/// What an experiment is built from: worked problems, corpora written as JSON lines, a
/// tokenizer learned from them, and greedy exact-match grading.
extension Builtins {
    static let experiments: [Builtin] = [
        Builtin("default_model()", topic: "experiments",
                doc: "A fresh copy of PrefLab's embedded default model: a 1.15M-parameter Llama with its own BPE tokenizer, pre-trained and fine-tuned by PrefLab on worked arithmetic problems (as problems gives) and multiple-choice questions, by examples/default-model.pref. Each call loads a new copy, so training one leaves the others as they were.",
                example: "let m = default_model()\ngenerate(m, problems(1, steps: 1, seed: 9)[0].prompt, max_tokens: 24)") { a in
            .handle(ModelHandle(try DefaultModel.load()))
        },
        Builtin("problems(count = 100, steps = 3, seed = 0)", topic: "experiments",
                doc: "Arithmetic word problems solved step by step with every intermediate result written out (MetaMath-like), the same for the same seed: a list of records {prompt, solution, answer, steps}. prompt is \"Question: …\\nAnswer:\\n\"; solution ends \"The answer is: N\". steps (1 to 21) sets the difficulty. synthetic_pairs(\"arithmetic\", …) builds its pairs from the same problems.",
                example: "problems(1, steps: 1, seed: 3)[0].solution") { a in
            let count = try a.int("count"), steps = try a.int("steps"), seed = try a.seedValue("seed")
            guard (1...SyntheticPairs.maxCount).contains(count) else { throw BuiltinError("count must be between 1 and \(SyntheticPairs.maxCount), got \(count)") }
            guard (1...ArithmeticProblem.maxSteps).contains(steps) else { throw BuiltinError("steps must be between 1 and \(ArithmeticProblem.maxSteps), got \(steps)") }
            return .list((0..<count).map { index in
                let problem = ArithmeticProblem.make(index: index, steps: steps, seed: seed)
                return .record(["prompt": .string(problem.prompt), "solution": .string(problem.solution()),
                                "answer": .number(Double(problem.answer)), "steps": .number(Double(steps))])
            })
        },
        Builtin("save_jsonl(rows, path)", topic: "experiments",
                doc: "Writes a list of records as JSON lines (one object per line), atomically, and returns the path: a corpus for train ({text} or {prompt, completion}) or pairs ({prompt, chosen, rejected}).",
                example: "save_jsonl([{text: \"one\"}, {text: \"two\"}], temp_dir() + \"/corpus.jsonl\")") { a in
            let rows = try a.list("rows"), path = try a.path("path")
            try OutputPath.checkFile(path)
            var text = ""
            for (i, row) in rows.enumerated() {
                guard case .record = row else { throw BuiltinError("rows[\(i)] must be a record, got a \(row.typeName)") }
                text += json(row) + "\n"
            }
            try AtomicWrite.write(text, to: path)
            return .string(path)
        },
        Builtin("train_tokenizer(data, out, vocab = 512)", topic: "experiments",
                doc: "Learns a byte-level BPE tokenizer (Llama's layout: <unk> <s> </s> as ids 0-2, <s> added as BOS, digits split one by one) from data — a list of strings, or a .txt file, or a .jsonl file whose string fields are all read — and writes it to out (a tokenizer.json path or a directory). Returns the tokenizer.",
                example: "let tok = train_tokenizer([\"one apple\", \"two apples\"], temp_dir() + \"/tok.json\", vocab: 270)\nencode(tok, \"apples\", special: false)") { a in
            var out = try a.path("out")
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue { out += "/tokenizer.json" }
            try OutputPath.checkFile(out)
            let texts = try a.corpusTexts("data")
            let tokenizer = try BPETraining.write(texts: texts, vocabularySize: try a.int("vocab"), to: out)
            return .handle(TokenizerHandle(tokenizer))
        },
        Builtin("exact_match(model, problems)", topic: "experiments",
                doc: "Greedy exact match: the share of problems for which greedy decoding from the prompt reproduces the reference solution token for token, EOS included (lm-evaluation-harness's is_greedy). Measured by teacher forcing — one batched forward pass checks the arg-max at every solution position — which equals generating and comparing, far faster. problems is a list of records with prompt and solution (as problems gives). Returns {accuracy, n, correct, first_error, interrupted}: first_error is the solution token where greedy decoding departs (nil when solved). Shows progress; Ctrl-C stops early with the problems graded so far (interrupted: true).",
                example: "exact_match(default_model(), problems(8, steps: 1, seed: 77)).accuracy") { a in
            let model = try a.model("model")
            let problems = try a.list("problems").enumerated().map { i, item -> (prompt: String, solution: String) in
                guard case .record(let fields) = item, case .string(let prompt)? = fields["prompt"], case .string(let solution)? = fields["solution"] else {
                    throw BuiltinError("problems[\(i)] must be a record with prompt and solution strings (as problems gives)")
                }
                return (prompt, solution)
            }
            let outcome = try a.withProgress(ExactMatch.share(of: problems), label: "exact match") { progress, shouldStop in
                try ExactMatch.grade(model: model, problems: problems, onBatch: { done, correct in
                    progress.advance(to: done, figures: "\(correct) solved")
                }, shouldStop: shouldStop)
            }
            return .record([
                "accuracy": .number(outcome.accuracy), "n": .number(Double(outcome.correct.count)),
                "correct": .list(outcome.correct.map { .bool($0) }),
                "first_error": .list(outcome.firstError.map { $0.map { .number(Double($0)) } ?? .nil }),
                "interrupted": .bool(outcome.interrupted),
            ])
        },
        Builtin("load_jsonl(path)", topic: "experiments",
                doc: "Reads a JSON-lines file (one object per line, as save_jsonl writes) as a list of records; a record's fields are in alphabetical order, as JSON objects have none. Blank lines are skipped; a line that is not an object is an error naming file:line.",
                example: "let p = save_jsonl([{step: 1, loss: 0.5}], temp_dir() + \"/log.jsonl\")\nload_jsonl(p)[0].loss") { a in
            .list(try JSONLines.read(try a.path("path"), noun: "JSON-lines").map { line in Value(json: line.object) })
        },
    ]
}

extension Value {
    /// A value parsed by JSONSerialization: objects as records (fields in alphabetical order),
    /// arrays as lists, null as nil.
    init(json: Any) {
        switch json {
        case let text as String: self = .string(text)
        case let number as NSNumber: self = JSONLine.isBoolean(number) ? .bool(number.boolValue) : .number(number.doubleValue)
        case let items as [Any]: self = .list(items.map(Value.init(json:)))
        case let object as [String: Any]: self = .record(OrderedDictionary(uniqueKeysWithValues: object.sorted { $0.key < $1.key }.map { ($0.key, Value(json: $0.value)) }))
        default: self = .nil
        }
    }
}

extension Arguments {
    /// Texts to learn a tokenizer from: a list of strings, a .txt file, or a .jsonl file's string fields.
    fileprivate func corpusTexts(_ name: String) throws -> [String] {
        if case .list(let items) = try self[name] {
            return try items.enumerated().map { index, item in
                guard case .string(let text) = item else { throw BuiltinError("data[\(index)] must be a string, got a \(item.typeName)") }
                return text
            }
        }
        let path = try string(name)
        guard let data = FileManager.default.contents(atPath: path) else { throw BuiltinError("cannot read \(path)") }
        let text = String(decoding: data, as: UTF8.self)
        guard path.hasSuffix(".jsonl") else { return [text] }
        var texts: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw BuiltinError("\(path):\(number + 1): is not a JSON object")
            }
            texts += object.keys.sorted().compactMap { object[$0] as? String }
        }
        return texts
    }
}
