import Base
import Foundation
import Models
import Training

/// How `pref_train` turns pairs of text into a run, declared once: the language takes these by
/// name beside the loss and training options.
public struct PairDataDeclarations: Sendable {
    public let eos = Setting("eos", true, "append the model's EOS to each completion, as TRL does")
    public let maxLength = Setting("max_length", Int?.none, "cut completions so prompt + completion fit in this many tokens")
    public let maxPromptLength = Setting("max_prompt_length", Int?.none, "cut prompts from the left to this many tokens")
    public let refCache = Setting("ref_cache", String?.none,
                                  "where reference log-probs are cached across runs; nil: ~/.cache/preflab/reference")
}

/// One preference run's data options (`settings.eos`, `settings.maxLength`, …).
public struct PairDataSettings: SettingSet {
    public static let table = SettingTable(PairDataDeclarations())
    public var values: [String: SettingValue]

    public init() { values = Self.table.defaults }

    /// $XDG_CACHE_HOME/preflab/reference, else $HOME/.cache/preflab/reference.
    public static var defaultReferenceCache: String { UserPath.cacheFolder + "/reference" }
}

/// Everything a preference run starts from; `start` tokenises the pairs, picks the defaults that
/// depend on them and the model, and creates the run. The language's `pref_train`, the bench and
/// the tests all start runs through it.
public struct PreferenceTrainingRequest {
    /// What a run trains on: pairs of text, read with the policy's tokenizer under the pair-data
    /// settings, or pairs already tokenised (the bench's random ids).
    public enum Pairs {
        case text([PreferencePair])
        case tokens([PairTokens])
    }

    public var policy: TransformerModel
    public var pairs: Pairs
    public var loss: LossSettings
    public var data: PairDataSettings
    public var options: TrainingOptions
    /// nil: the longest pair, within the model's context.
    public var seqLen: Int?
    /// The frozen reference model; nil uses the policy's starting weights.
    public var reference: TransformerModel?

    public init(policy: TransformerModel, pairs: Pairs, loss: LossSettings = LossSettings(),
                data: PairDataSettings = PairDataSettings(), options: TrainingOptions = TrainingOptions(), seqLen: Int? = nil,
                reference: TransformerModel? = nil) {
        self.policy = policy
        self.pairs = pairs
        self.loss = loss
        self.data = data
        self.options = options
        self.seqLen = seqLen
        self.reference = reference
    }

    /// Checks everything, computes the reference log-probs and creates the run directory.
    /// - Parameter note: receives what the user should know before training starts (pairs cut
    ///   to the length limits, rows cut to seq_len).
    public func start(note: (String) -> Void) throws -> TrainingRun {
        let timings = RunTimings()
        let loss = try self.loss.makeLoss()
        let pairs: [PairTokens]
        switch self.pairs {
        case .text(let texts): pairs = try timings.measure(.data) { try tokenize(texts, note: note) }
        case .tokens(let tokens): pairs = tokens
        }
        var options = self.options
        if let seqLen {
            try options.assign("seq_len", .whole(seqLen))
        } else {
            let longest = pairs.map { $0.prompt.count + max($0.chosen.count, $0.rejected.count) - 1 }.max() ?? 1
            options.seqLen = max(1, min(longest, policy.config.maxPositions))
        }
        let run = try PreferenceTraining.start(policy: policy, pairs: pairs, loss: loss, settings: self.loss.values, options: options,
                                               reference: reference, cacheDirectory: data.refCache ?? PairDataSettings.defaultReferenceCache,
                                               timings: timings)
        if let cut = (run.objective as? PreferenceObjective)?.sequenceCut.summary {
            note(cut + (seqLen == nil ? "; seq_len defaulted to the model's context" : ""))
        }
        return run
    }

    private func tokenize(_ texts: [PreferencePair], note: (String) -> Void) throws -> [PairTokens] {
        guard let tokenizer = policy.tokenizer else {
            throw PreferenceError("policy", "has no tokenizer to read the pairs with (load a model with tokenizer.json, or new_model(tokenizer: …))")
        }
        let tokenization = PairTokenization(eos: policy.config.eosTokenIds.first ?? tokenizer.endOfTextId, appendEOS: data.eos,
                                            maxLength: data.maxLength, maxPromptLength: data.maxPromptLength)
        let tokenized = try TokenizedPairs(texts, tokenizer: tokenizer, options: tokenization)
        if tokenized.truncatedCount > 0 {
            note("\(tokenized.truncatedCount) of \(tokenized.pairs.count) pairs were cut to max_length / max_prompt_length")
        }
        return tokenized.pairs.map { PairTokens(prompt: $0.promptIds, chosen: $0.chosenIds, rejected: $0.rejectedIds) }
    }
}
