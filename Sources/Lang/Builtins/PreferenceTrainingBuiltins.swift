import Foundation
import Models
import OrderedCollections
import Preference
import Tensor
import Training

extension Arguments {
    /// Pairs from a paired JSONL path, a pair set, or a list of {prompt, chosen, rejected} records.
    func preferencePairs(_ i: Int) throws -> [PreferencePair] {
        switch values[i] {
        case .string(let path): return try trainingWrap { try PairFile.load(path) }
        case .handle(let handle as PairSetHandle): return handle.pairs
        case .list(let items):
            return try items.enumerated().map { index, item in
                guard case .record(let fields) = item, case .string(let prompt)? = fields["prompt"],
                      case .string(let chosen)? = fields["chosen"], case .string(let rejected)? = fields["rejected"] else {
                    throw BuiltinError("data item \(index) must be a record with prompt, chosen and rejected strings")
                }
                return PreferencePair(prompt: prompt, chosen: chosen, rejected: rejected, origin: "data[\(index)]")
            }
        case let other:
            throw BuiltinError("data must be a paired JSONL path, a pair set or a list of {prompt, chosen, rejected} records, got a \(other.typeName)")
        }
    }

    /// The loss settings of `pref_train` (named as `pref_loss` names them), as recorded in a run's run.json.
    func lossSettings() throws -> [String: String] {
        var settings: [String: String] = [:]
        switch values[index("loss")] {
        case .string(let name): settings["loss"] = name
        case .list(let names):
            settings["loss"] = try names.map { item -> String in
                guard case .string(let name) = item else { throw BuiltinError("loss must be a name or a list of names") }
                return name
            }.joined(separator: ",")
        case let other: throw BuiltinError("loss must be a name or a list of names, got a \(other.typeName)")
        }
        if !isNil(index("weights")) {
            settings["loss_weights"] = try numbers(index("weights")).map { "\($0)" }.joined(separator: ",")
        }
        settings["beta"] = "\(try number(index("beta")))"
        settings["lambda"] = "\(try number(index("lambda")))"
        settings["label_smoothing"] = "\(try number(index("label_smoothing")))"
        settings["gamma"] = "\(try number(index("gamma")))"
        settings["ipo_average"] = "\(try bool(index("ipo_average")))"
        settings["dpop_form"] = try string(index("form"))
        return settings
    }
}

private let lossSignature = "loss = \"sigmoid\", beta = 0.1, lambda = 50, label_smoothing = 0, gamma = 0.5, ipo_average = true, "
    + "form = \"v3\", weights = nil"

extension Builtins {
    static let preferenceTraining: [Builtin] = [
        Builtin("pref_train(policy, data, \(lossSignature), ref = nil, eos = true, max_length = nil, max_prompt_length = nil, "
                + "ref_cache = nil, steps = 100, batch = 8, seq_len = nil, \(sharedOptionSignature))", topic: "preference",
                doc: "Preference-trains policy (in place) on pairs — a paired JSONL path (prompt, chosen, rejected), a pair set, or a list of records — with loss (a name or a list weighted by weights: sigmoid, dpop, ipo, hinge, robust, exo_pair, nca_pair, bco_pair, sppo_hard, apo_zero, apo_down, simpo, orpo, sft) and returns the run, as train does (same options: LoRA, schedules, checkpoints, resume, Ctrl-C). Completions are tokenised apart from the prompt with EOS appended (eos: false turns it off) and cut by max_length / max_prompt_length; seq_len defaults to the longest pair. ref is the frozen reference model (nil: the policy's starting weights); its log-probs are computed once and cached in ref_cache (default ~/.cache/preflab/reference). Each step logs TRL's rewards/* and logps/* and the per-token probe probe/{chosen,rejected}_{before,at,after}; metric(run, name) lists one of them by step. plot_every: N draws the loss and the chosen/rejected log-prob changes live.",
                example: "let run = pref_train(default_model(), synthetic_pairs(count: 4), loss: \"dpop\", steps: 2, batch: 2, dir: temp_dir() + \"/run\")\nmetric(run, \"logps/chosen_delta\")") { a in
            let policy = try a.model(0)
            guard let tokenizer = policy.tokenizer else {
                throw BuiltinError("the policy has no tokenizer to read the pairs with (load a model with tokenizer.json, or new_model(tokenizer: …))")
            }
            let reference: TransformerModel? = a.isNil(a.index("ref")) ? nil : try a.model(a.index("ref"))
            let settings = try a.lossSettings()
            let loss = try trainingWrap { try PreferenceLoss(settings: settings) }
            let eos = policy.config.eosTokenIds.first ?? tokenizer.endOfTextId
            let tokenization = PairTokenization(eos: eos, appendEOS: try a.bool(a.index("eos")),
                                                maxLength: try a.optionalInt(a.index("max_length")),
                                                maxPromptLength: try a.optionalInt(a.index("max_prompt_length")))
            let tokenized = try trainingWrap { try TokenizedPairs(try a.preferencePairs(1), tokenizer: tokenizer, options: tokenization) }
            if tokenized.truncatedCount > 0 {
                FileHandle.standardError.write(Data("pref_train: \(tokenized.truncatedCount) of \(tokenized.pairs.count) pairs were cut to max_length / max_prompt_length\n".utf8))
            }
            let pairs = tokenized.pairs.map { PairTokens(prompt: $0.promptIds, chosen: $0.chosenIds, rejected: $0.rejectedIds) }
            var options = try a.trainingOptions()
            let plotEvery = try a.plotEvery()
            let seqLenDefaulted = options.seqLen == 0
            if seqLenDefaulted {
                let longest = pairs.map { $0.prompt.count + max($0.chosen.count, $0.rejected.count) - 1 }.max() ?? 1
                options.seqLen = max(1, min(longest, policy.config.maxPositions))
            }
            let cache = a.isNil(a.index("ref_cache")) ? Self.defaultReferenceCache : try a.string(a.index("ref_cache"))
            let run = try trainingWrap {
                try PreferenceTraining.start(policy: policy, pairs: pairs, loss: loss, settings: settings, options: options,
                                             reference: reference, cacheDirectory: cache)
            }
            if let cut = (run.objective as? PreferenceObjective)?.sequenceCut.summary {
                let why = seqLenDefaulted ? "; seq_len defaulted to the model's context" : ""
                FileHandle.standardError.write(Data("pref_train: \(cut)\(why)\n".utf8))
            }
            return try a.drive(run, updating: policy, plotEvery: plotEvery)
        },
        Builtin("token_probe(run, window = 8, completion = \"chosen\")", topic: "preference",
                doc: "The change of each completion token's log-prob from the reference under the run's current weights, one row per pair, aligned so column window is the first token where chosen and rejected differ (columns before it are the shared tokens before, after it the tokens after): a tensor [pairs, 2·window + 1], NaN where a completion has no token; heatmap() draws it (NaN blank). completion: \"chosen\" or \"rejected\".",
                example: "let run = pref_train(default_model(), synthetic_pairs(count: 2), steps: 1, batch: 2, dir: temp_dir() + \"/run\")\ntoken_probe(run, window: 2).shape") { a in
            let run = try a.run(0)
            let window = try a.int(1)
            guard window >= 0, window <= 4096 else { throw BuiltinError("window must be between 0 and 4096, got \(window)") }
            let completion = try a.string(2)
            guard completion == "chosen" || completion == "rejected" else {
                throw BuiltinError("completion must be \"chosen\" or \"rejected\", got \"\(completion)\"")
            }
            guard let objective = run.objective as? PreferenceObjective, let reference = objective.reference else {
                throw BuiltinError("the run is not a preference run (train it with pref_train)")
            }
            let probe = try trainingWrap {
                try TokenProbe.measure(run.engine, pairs: objective.pairs, reference: reference, length: run.options.seqLen,
                                       batch: run.options.batch)
            }
            let rows = probe.aligned(completion == "chosen" ? probe.chosen : probe.rejected, window: window)
            return .tensor(try Tensor(rows.flatMap { $0 }, shape: [rows.count, 2 * window + 1]))
        },
    ]

    /// ~/.cache/preflab/reference (or under $XDG_CACHE_HOME).
    static var defaultReferenceCache: String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() + "/.cache")
        return base + "/preflab/reference"
    }
}
