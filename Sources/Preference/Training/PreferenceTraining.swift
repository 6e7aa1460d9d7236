import Base
import Foundation
import Models
import Tensor
import Training

/// Starting and resuming preference runs: a `TrainingRun` whose objective is a
/// `PreferenceObjective`, so LoRA, schedules, checkpoints, Ctrl-C, progress and metrics files
/// are those of any run.
public enum PreferenceTraining {
    /// Checks everything, computes the reference log-probs and creates the run directory.
    /// - Parameters:
    ///   - settings: the loss's settings, recorded for `resume` (see `PreferenceLoss.settings`).
    ///   - reference: the frozen reference model; nil uses the policy's starting weights.
    ///   - timings: the session's timings so far (tokenising the pairs).
    public static func start(policy: TransformerModel, pairs: [PairTokens], loss: PairObjectiveLoss, settings: [String: SettingValue],
                             options: TrainingOptions, reference: TransformerModel?, cacheDirectory: String?,
                             timings: RunTimings = RunTimings()) throws -> TrainingRun {
        if let reference, reference.config.vocabSize != policy.config.vocabSize {
            throw PreferenceError("ref", "has a vocabulary of \(reference.config.vocabSize) tokens, the policy \(policy.config.vocabSize)")
        }
        try checkVocabulary(pairs, of: policy.config, place: "data")
        return try TrainingRun.start(model: policy, options: options, timings: timings) { resolved in
            try PreferenceObjective(pairs: pairs, loss: loss, settings: settings, options: resolved, reference: reference,
                                    cacheDirectory: cacheDirectory)
        }
    }

    /// Reopens the preference run in `directory` to continue it; `makeLoss` rebuilds the loss
    /// from its recorded settings (by default the loss they describe).
    public static func resume(directory: String, makeLoss: (LossSettings) throws -> PairObjectiveLoss = { try $0.makeLoss() }) throws -> TrainingRun {
        try TrainingRun.resume(directory: directory) { try open(directory: $0, makeLoss: makeLoss) }
    }

    /// The preference run in `directory` at its newest checkpoint, read only (`TrainingRun.open`).
    public static func open(directory: String, makeLoss: (LossSettings) throws -> PairObjectiveLoss = { try $0.makeLoss() }) throws -> TrainingRun {
        try TrainingRun.open(directory: directory) { record, model in
            guard record.objective == .preference else {
                throw PreferenceError(directory, "holds a \(record.objective.rawValue) run, not a preference one")
            }
            let pairsFile = directory + "/pairs.safetensors"
            let pairs = try PreferenceObjective.readPairs(pairsFile)
            try checkVocabulary(pairs, of: model.config, place: pairsFile)
            let settings: LossSettings
            do { settings = try LossSettings(recorded: record.settings) } catch let error as PreferenceError {
                throw PreferenceError(TrainingRun.recordFile(directory: directory), "loss setting \(error.place): \(error.message)")
            }
            let loss = try makeLoss(settings)
            let objective: PreferenceObjective
            do {
                objective = try PreferenceObjective(pairs: pairs, loss: loss, settings: record.settings, options: record.options,
                                                    reference: nil, cacheDirectory: nil)
            } catch let error as PreferenceError {
                // The options were checked with run.json, so what the objective refuses is the pairs.
                throw PreferenceError(pairsFile, "\(error.place): \(error.message)")
            }
            try objective.loadReference(directory: directory)
            return objective
        }
    }

    /// Refuses pairs holding a token id the model has no embedding for, naming the first such pair.
    static func checkVocabulary(_ pairs: [PairTokens], of config: ModelConfig, place: String) throws {
        for (index, pair) in pairs.enumerated() {
            if let problem = config.vocabularyProblem(in: [pair.prompt, pair.chosen, pair.rejected].joined()) {
                throw PreferenceError(place, "pair \(index + 1): \(problem)")
            }
        }
    }
}
