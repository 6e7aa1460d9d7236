import Base
import Distributed
import Foundation
import Models
import Tensor

/// What a run optimises. An objective owns its data and their order, runs the forward and
/// backward passes of one optimiser step, and reports the loss; `TrainingRun` does the rest
/// (optimiser, schedule, clipping, checkpoints, metrics, progress, resume).
public protocol TrainingObjective: AnyObject {
    /// Recorded in run.json so `resume` can rebuild the objective.
    var kind: ObjectiveKind { get }
    /// What `resume` needs beyond `TrainingOptions` (data path, loss settings), by setting name.
    var settings: [String: SettingValue] { get }
    /// Rows of `seq_len` tokens in one micro-batch's forward pass.
    var rows: Int { get }
    /// Where the data order stands; saved in every checkpoint.
    var position: DataPosition { get }
    func restore(_ position: DataPosition) throws
    /// Called once the engine exists, before the first step of a new run (not on resume).
    /// Writes into `directory` whatever resume will need that is not in `settings`, measuring
    /// its work in `timings`.
    func prepare(_ engine: TrainableModel, directory: String, timings: RunTimings) throws
    /// Accumulates into the trainable parameters' gradients (zeroed by the caller) the gradient
    /// of this step's loss over `accumulate` micro-batches, advancing the data position. With a
    /// shard of several, it is this shard's part of the step's gradient and of its loss and
    /// tokens, so that summing them over the shards gives the whole batch's figures: a loss
    /// that is a sum over rows sums its shard's rows; one that is not is computed whole on every
    /// shard and reported as `Shard.part(ofWhole:)`. The metrics are the whole batch's on every shard.
    func step(_ engine: TrainableModel, accumulate: Int, shard: Shard) throws -> ObjectiveStep
}

/// The objectives a run can have, as run.json names them.
public enum ObjectiveKind: String, Codable, Sendable {
    /// Next-token cross-entropy (`train`).
    case causalLM = "causal_lm"
    /// A DPO-family loss on pairs (`pref_train`).
    case preference
}

/// What one step of an objective measured.
public struct ObjectiveStep {
    public var loss: Double
    /// Tokens the step's forward passes read, padding left out: the throughput counts these, as
    /// TRL's `num_tokens` counts the attention mask (prompt and completion of every row).
    public var tokens: Int
    /// Extra named figures logged with the step (TRL's metric names for preference losses).
    public var metrics: [(name: String, value: Double)]

    public init(loss: Double, tokens: Int, metrics: [(name: String, value: Double)] = []) {
        self.loss = loss
        self.tokens = tokens
        self.metrics = metrics
    }
}

/// Causal language modelling: mean cross-entropy over every scored token of the step.
public final class LanguageModelObjective: TrainingObjective {
    public let kind = ObjectiveKind.causalLM
    public let settings: [String: SettingValue]
    var loader: DataLoader
    private let tokens: Tensor?

    /// Loads the data (tokenising files with the model's tokenizer) and orders it.
    public init(model: TransformerModel, source: TrainingSource, options: TrainingOptions) throws {
        let data: TrainingData
        switch source {
        case .tokens(let tensor):
            data = try TrainingData(tokens: tensor, vocabularySize: model.config.vocabSize)
            tokens = tensor
            settings = [:]
        case .file(let path):
            guard let tokenizer = model.tokenizer else {
                throw TrainingError(path, "training on text needs the model's tokenizer, and this model has none (pass token ids instead)")
            }
            // The model's own end-of-sequence id, when its config names one, ends each document.
            data = try TrainingData.load(path: path, tokenizer: tokenizer, eos: model.config.eosTokenIds.first ?? tokenizer.endOfTextId)
            tokens = nil
            settings = ["data": .text(path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path)]
        }
        loader = try DataLoader(data: data, batch: options.batch, seqLen: options.seqLen, seed: options.seed,
                                mode: options.batching?.mode)
    }

    /// Rebuilds the objective of a run directory: the data file of its settings, or its data.safetensors.
    public static func resuming(model: TransformerModel, settings: [String: SettingValue], options: TrainingOptions,
                                directory: String) throws -> LanguageModelObjective {
        if case .text(let path)? = settings["data"] { return try LanguageModelObjective(model: model, source: .file(path), options: options) }
        let file = directory + "/data.safetensors"
        do {
            return try LanguageModelObjective(model: model, source: .tokens(try SafetensorsFile(path: file).tensor("tokens")), options: options)
        } catch {
            // The tensor's own errors name the element ("tokens[3, 7]: …"); the file says where.
            throw TrainingError(file, "\(error)")
        }
    }

    public var rows: Int { loader.batchSize }
    public var position: DataPosition { loader.position }

    public func restore(_ position: DataPosition) throws { try loader.restore(position) }

    public func prepare(_ engine: TrainableModel, directory: String, timings: RunTimings) throws {
        guard let tokens, World.current.isRoot else { return }
        let file = directory + "/data.safetensors"
        try timings.measure(.runFiles) {
            do { try SafetensorsWriter.write([("tokens", tokens)], to: file) } catch { throw TrainingError(file, "\(error)") }
        }
    }

    public func step(_ engine: TrainableModel, accumulate: Int, shard: Shard) throws -> ObjectiveStep {
        let drawn = (0..<accumulate).map { _ in loader.next(shard) }
        // Every shard divides by the whole step's count, so the shards' gradients sum to the
        // single-process gradient even when their rows hold different numbers of tokens.
        let scored = drawn.reduce(0) { $0 + $1.whole.tokenCount }
        guard scored > 0 else { throw TrainingError("data", "the step's batches have no token in the loss") }
        let batches = drawn.map(\.part).filter { $0.batch > 0 }
        var negativeLogLikelihood = 0.0
        for batch in batches {
            let logprobs = try engine.forward(inputs: batch.inputs, targets: batch.targets, batch: batch.batch, length: batch.length)
            for (logprob, target) in zip(logprobs, batch.targets) where target >= 0 { negativeLogLikelihood -= Double(logprob) }
            try engine.backward(logprobGradients: batch.targets.map { $0 >= 0 ? -1 / Float(scored) : 0 })
        }
        return ObjectiveStep(loss: negativeLogLikelihood / Double(scored), tokens: batches.reduce(0) { $0 + $1.inputTokens })
    }
}
