import Foundation
import Models
import OrderedCollections
import Preference
import Tensor
import Training

extension Arguments {
    /// Pairs from a paired JSONL path, a pair set, or a list of {prompt, chosen, rejected} records.
    func preferencePairs(_ name: String) throws -> [PreferencePair] {
        switch try self[name] {
        case .string(let path): return try PairFile.load(path)
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
}

/// `pref_train`'s options: the loss, the reference, the pair data, then training's (seq_len
/// defaults to the longest pair) and the live plot's interval.
private let prefTrainSignature = "policy, data, " + SettingSignature.parameters(LossSettings.table) + ", ref = nil, "
    + SettingSignature.parameters(PairDataSettings.table) + ", "
    + SettingSignature.parameters(TrainingOptions.table, overriding: ["seq_len": "nil"]) + ", " + plotEveryParameter

extension Builtins {
    static let preferenceTraining: [Builtin] = [
        Builtin("pref_train(\(prefTrainSignature))", topic: "preference",
                doc: "Preference-trains policy (in place) on pairs — a paired JSONL path (prompt, chosen, rejected), a pair set, or a list of records — with loss (a name or a list weighted by weights: " + PreferenceLoss.listing + ") and returns the run, as train does (same options: LoRA, schedules, checkpoints, resume, Ctrl-C). Completions are tokenised apart from the prompt with EOS appended (eos: false turns it off) and cut by max_length / max_prompt_length; seq_len defaults to the longest pair. ref is the frozen reference model (nil: the policy's starting weights); its log-probs are computed once and cached in ref_cache. Each step logs TRL's rewards/* and logps/* and the per-token probe probe/{chosen,rejected}_{before,at,after}; metric(run, name) lists one of them by step. plot_every: N draws the loss and the chosen/rejected log-prob changes live. Loss options: " + SettingSignature.help(LossSettings.table) + ". Pair options: " + SettingSignature.help(PairDataSettings.table) + ".",
                example: "let run = pref_train(default_model(), synthetic_pairs(count: 4), loss: \"dpop\", steps: 2, batch: 2, dir: temp_dir() + \"/run\")\nmetric(run, \"logps/chosen_delta\")") { a in
            let policy = try a.model("policy")
            var request = PreferenceTrainingRequest(policy: policy, pairs: .text(try a.preferencePairs("data")))
            request.loss = try a.settings(LossSettings.self)
            request.data = try a.settings(PairDataSettings.self)
            request.options = try a.settings(TrainingOptions.self, skipping: ["seq_len"])
            request.seqLen = try a.optionalInt("seq_len")
            request.reference = try a.isNil("ref") ? nil : try a.model("ref")
            let plotEvery = try a.plotEvery()
            let run = try request.start { FileHandle.standardError.write(Data("pref_train: \($0)\n".utf8)) }
            return try a.drive(run, updating: policy, plotEvery: plotEvery)
        },
        Builtin("token_probe(run, window = 8, completion = \"chosen\")", topic: "preference",
                doc: "The change of each completion token's log-prob from the reference under the run's current weights, one row per pair, aligned so that the column at index window (counting from 0: the middle one) is the first token where chosen and rejected differ (columns before it are the shared tokens before, after it the tokens after): a tensor [pairs, 2·window + 1], NaN where a completion has no token; heatmap() draws it (NaN blank). completion: \"chosen\" or \"rejected\".",
                example: "let run = pref_train(default_model(), synthetic_pairs(count: 2), steps: 1, batch: 2, dir: temp_dir() + \"/run\")\ntoken_probe(run, window: 2).shape") { a in
            let run = try a.run("run")
            let window = try a.int("window")
            guard window >= 0, window <= 4096 else { throw BuiltinError("window must be between 0 and 4096, got \(window)") }
            let completion = try a.string("completion")
            guard completion == "chosen" || completion == "rejected" else {
                throw BuiltinError("completion must be \"chosen\" or \"rejected\", got \"\(completion)\"")
            }
            guard let objective = run.objective as? PreferenceObjective, let reference = objective.reference else {
                throw BuiltinError("the run is not a preference run (train it with pref_train)")
            }
            let probe = try TokenProbe.measure(run.engine, pairs: objective.pairs, reference: reference, length: run.options.seqLen,
                                               batch: run.options.batch)
            let rows = probe.aligned(completion == "chosen" ? probe.chosen : probe.rejected, window: window)
            return .tensor(try Tensor(rows.flatMap { $0 }, shape: [rows.count, 2 * window + 1]))
        },
    ]
}
