import Foundation
import Models

/// Everything that configures a training run, under the names the language uses
/// (`train(model, data, steps: 100, lr: 3e-4, …)`); saved resolved in the run's `run.json`.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Optimiser steps.
    public var steps = 100
    /// Sequences per micro-batch.
    public var batch = 8
    /// Tokens per sequence (the model reads seq_len tokens and predicts the next of each).
    public var seqLen = 128
    /// Micro-batches per optimiser step (gradient accumulation); the effective batch is batch × accumulate.
    public var accumulate = 1
    /// Peak learning rate.
    public var lr = 3e-4
    /// "constant", "linear" or "cosine".
    public var schedule = "constant"
    public var warmup = 0
    /// Floor of the linear and cosine schedules.
    public var minLR = 0.0
    /// "adamw" or "sgd".
    public var optimizer = "adamw"
    public var weightDecay = 0.01
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var eps = 1e-8
    /// SGD momentum.
    public var momentum = 0.9
    /// Global gradient-norm clip; 0 turns clipping off.
    public var clip = 1.0
    /// Seeds the data order and LoRA's initialisation and dropout.
    public var seed: UInt64 = 0
    /// "pack" (windows cut from the concatenated documents) or "pad" (one example per sequence);
    /// empty picks the data's default (pack for text, pad for prompt/completion pairs).
    public var batching = ""
    /// Write a checkpoint every this many steps (and always at the end and on Ctrl-C); 0: only then.
    public var checkpointEvery = 0
    /// Checkpoints kept on disk (the newest ones).
    public var keepCheckpoints = 2
    /// Progress lines every this many steps when the output is not a terminal.
    public var logEvery = 10
    /// The run directory; empty: runs/run-<date>-<time>.
    public var dir = ""
    /// LoRA rank; 0 trains all weights.
    public var loraRank = 0
    public var loraAlpha = 16.0
    public var loraDropout = 0.0
    /// Module short names; empty: the architecture's default (attention projections).
    public var loraTargets: [String] = []

    public init() {}

    /// Option names in the language, in the order `help` lists them.
    public static let names = ["steps", "batch", "seq_len", "accumulate", "lr", "schedule", "warmup", "min_lr", "optimizer",
                               "weight_decay", "beta1", "beta2", "eps", "momentum", "clip", "seed", "batching",
                               "checkpoint_every", "keep_checkpoints", "log_every", "dir", "lora_rank", "lora_alpha",
                               "lora_dropout", "lora_targets"]

    /// The largest steps, batch, warmup, checkpoint or logging interval, … a run accepts.
    public static let maximumCount = 10_000_000

    /// Rejects impossible settings before any work starts, naming the option.
    public func validate(for config: ModelConfig) throws {
        func require(_ condition: Bool, _ option: String, _ message: String) throws {
            if !condition { throw TrainingError(option, message) }
        }
        // Counts beyond `maximumCount` are typos or overflow bait (steps: 1e15 would run for ages
        // and sizes buffers by the step count), so each is refused by name.
        for (option, value) in [("steps", steps), ("batch", batch), ("seq_len", seqLen), ("warmup", warmup),
                                ("checkpoint_every", checkpointEvery), ("keep_checkpoints", keepCheckpoints),
                                ("log_every", logEvery), ("lora_rank", loraRank)] {
            try require(value <= Self.maximumCount, option, "must be at most \(Self.maximumCount), got \(value)")
        }
        try require(steps >= 1, "steps", "must be at least 1, got \(steps)")
        try require(batch >= 1, "batch", "must be at least 1, got \(batch)")
        try require(seqLen >= 1, "seq_len", "must be at least 1, got \(seqLen)")
        try require(seqLen <= config.maxPositions, "seq_len",
                    "\(seqLen) is longer than the model's context of \(config.maxPositions) positions")
        try require(accumulate >= 1 && accumulate <= 4096, "accumulate", "must be between 1 and 4096, got \(accumulate)")
        try require(lr.isFinite && lr > 0, "lr", "must be a positive number, got \(lr)")
        try require(["constant", "linear", "cosine"].contains(schedule), "schedule", "must be constant, linear or cosine, got '\(schedule)'")
        try require(warmup >= 0 && warmup <= steps, "warmup", "must be between 0 and steps (\(steps)), got \(warmup)")
        try require(minLR >= 0 && minLR <= lr, "min_lr", "must be between 0 and lr (\(lr)), got \(minLR)")
        try require(["adamw", "sgd"].contains(optimizer), "optimizer", "must be adamw or sgd, got '\(optimizer)'")
        try require(weightDecay >= 0, "weight_decay", "must not be negative, got \(weightDecay)")
        try require(beta1 >= 0 && beta1 < 1, "beta1", "must be in [0, 1), got \(beta1)")
        try require(beta2 >= 0 && beta2 < 1, "beta2", "must be in [0, 1), got \(beta2)")
        try require(eps > 0, "eps", "must be positive, got \(eps)")
        try require(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1), got \(momentum)")
        try require(clip >= 0, "clip", "must not be negative (0 turns clipping off), got \(clip)")
        try require(["", "pack", "pad"].contains(batching), "batching", "must be pack or pad, got '\(batching)'")
        try require(checkpointEvery >= 0, "checkpoint_every", "must not be negative, got \(checkpointEvery)")
        try require(keepCheckpoints >= 1, "keep_checkpoints", "must be at least 1, got \(keepCheckpoints)")
        try require(logEvery >= 1, "log_every", "must be at least 1, got \(logEvery)")
        try require(loraRank >= 0, "lora_rank", "must not be negative (0 trains all weights), got \(loraRank)")
        try require(loraAlpha > 0, "lora_alpha", "must be positive, got \(loraAlpha)")
        try require(loraDropout >= 0 && loraDropout < 1, "lora_dropout", "must be in [0, 1), got \(loraDropout)")
    }

    /// The LoRA configuration these options ask for, or nil for full fine-tuning.
    public func loraConfig(for config: ModelConfig) throws -> LoRAConfig? {
        guard loraRank > 0 else { return nil }
        let lora = LoRAConfig(rank: loraRank, alpha: loraAlpha, targetModules: loraTargets.isEmpty ? nil : loraTargets, dropout: loraDropout)
        do { try lora.validate(for: config.architecture) } catch let error as TrainingError {
            throw TrainingError("lora_" + error.place.replacingOccurrences(of: "target_modules", with: "targets"), error.message)
        }
        return lora
    }
}
