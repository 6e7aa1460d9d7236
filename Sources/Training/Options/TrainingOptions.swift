import Base
import Foundation
import Models

/// Every option of a training run, declared once: name, default, doc and check. `train` and
/// `pref_train` take them as keyword arguments, `help` lists them, and a run's run.json records
/// them by name. To add an option, add a line here and read it where it acts (`options.name`).
public struct TrainingDeclarations: Sendable {
    public let steps = Setting("steps", 100, "optimiser steps", check: Check.atLeast(1))
    public let batch = Setting("batch", 8, "sequences per micro-batch", check: Check.atLeast(1))
    public let seqLen = Setting("seq_len", 128, "tokens per sequence (the model reads seq_len tokens and predicts the next of each)",
                                check: Check.atLeast(1))
    public let accumulate = Setting("accumulate", 1, "micro-batches per optimiser step (gradient accumulation)") {
        $0 >= 1 && $0 <= 4096 ? nil : "must be between 1 and 4096, got \($0)"
    }
    public let lr = Setting("lr", 3e-4, "peak learning rate", check: Check.positive())
    public let schedule = Setting("schedule", ScheduleKind.constant, "learning-rate schedule after warm-up: \(ScheduleKind.kind)")
    public let warmup = Setting("warmup", 0, "steps of linear warm-up", check: Check.atLeast(0))
    public let minLR = Setting("min_lr", 0.0, "floor of the linear and cosine schedules", check: Check.notNegative())
    public let optimizer = Setting("optimizer", OptimizerKind.adamw, "the optimiser: \(OptimizerKind.kind)")
    public let weightDecay = Setting("weight_decay", 0.01, "AdamW's decoupled weight decay", check: Check.notNegative())
    public let beta1 = Setting("beta1", 0.9, "AdamW's first-moment decay", check: Check.unitInterval())
    public let beta2 = Setting("beta2", 0.999, "AdamW's second-moment decay", check: Check.unitInterval())
    public let eps = Setting("eps", 1e-8, "AdamW's denominator floor", check: Check.positive())
    public let momentum = Setting("momentum", 0.9, "SGD momentum", check: Check.unitInterval())
    public let clip = Setting("clip", 1.0, "global gradient-norm clip (0 turns clipping off)",
                              check: Check.notNegative(" (0 turns clipping off)"))
    public let seed = Setting("seed", UInt64(0), "seeds the data order and LoRA's initialisation and dropout")
    public let batching = Setting("batching", BatchingKind?.none, "\(BatchingKind.kind); nil: the data's default (pack for text, pad for prompt/completion)")
    public let checkpointEvery = Setting("checkpoint_every", 0, "also write a checkpoint every this many steps; 0: none by step count",
                                         check: Check.atLeast(0))
    public let checkpointMinutes = Setting("checkpoint_minutes", 10.0,
                                           "write a checkpoint when this many minutes have passed since the last one (or the start), so a killed "
                                           + "run loses at most that much; Ctrl-C and SIGTERM always write one; 0: none by time",
                                           check: Check.notNegative())
    public let keep = Setting("keep", KeepKind.resume,
                              "what the end of a run writes: \(KeepKind.kind); resume: a checkpoint (weights, AdamW's two moments, data position: three times the model's size), "
                              + "weights: the trained model alone in dir/model, which load_model reads; none: nothing. Ctrl-C always writes a checkpoint. "
                              + "resume is the default so that a finished run's directory holds its full state, as a checkpoint always did")
    public let keepCheckpoints = Setting("keep_checkpoints", 2, "checkpoints kept on disk (the newest)", check: Check.atLeast(1))
    public let logEvery = Setting("log_every", 10, "progress lines every this many steps when the output is not a terminal",
                                  check: Check.atLeast(1))
    public let dir = Setting("dir", String?.none, "the run directory; nil: runs/run-<date>-<time>")
    public let loraRank = Setting("lora_rank", 0, "LoRA rank; 0 trains all weights", check: Check.atLeast(0, " (0 trains all weights)"))
    public let loraAlpha = Setting("lora_alpha", 16.0, "LoRA's scale alpha / r", check: Check.positive())
    public let loraDropout = Setting("lora_dropout", 0.0, "dropout on the adapters' input", check: Check.unitInterval())
    public let loraTargets = Setting("lora_targets", [String]?.none, "module short names to adapt; nil: the architecture's default")
}

/// The options of one run, read as `options.lr`, `options.schedule`, …; saved in run.json.
public struct TrainingOptions: SettingSet {
    public static let table = SettingTable(TrainingDeclarations())
    public var values: [String: SettingValue]

    public init() { values = Self.table.defaults }

    /// Rejects settings that contradict each other or the model, naming the option (each value
    /// was checked on its own when it was set).
    public func validate(for config: ModelConfig) throws {
        func require(_ condition: Bool, _ option: String, _ message: String) throws {
            if !condition { throw TrainingError(option, message) }
        }
        try checkEach()
        try require(self.seqLen <= config.maxPositions, "seq_len",
                    "\(self.seqLen) is longer than the model's context of \(config.maxPositions) positions")
        try require(self.warmup <= self.steps, "warmup", "must be between 0 and steps (\(self.steps)), got \(self.warmup)")
        try require(self.minLR <= self.lr, "min_lr", "must be between 0 and lr (\(self.lr)), got \(self.minLR)")
    }

    /// The LoRA configuration these options ask for, or nil for full fine-tuning.
    public func loraConfig(for config: ModelConfig) throws -> LoRAConfig? {
        guard self.loraRank > 0 else { return nil }
        let lora = LoRAConfig(rank: self.loraRank, alpha: self.loraAlpha, targetModules: self.loraTargets, dropout: self.loraDropout)
        do { try lora.validate(for: config.architecture) } catch let error as TrainingError {
            throw TrainingError("lora_" + error.place.replacingOccurrences(of: "target_modules", with: "targets"), error.message)
        }
        return lora
    }
}
