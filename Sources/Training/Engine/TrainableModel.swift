import Base
import Foundation
import Models
import Tensor

/// A transformer laid out for training: every weight in one `ParameterStore`, optional LoRA
/// adapters in a second one, and a hand-written forward and backward pass over raw buffers
/// (no autograd graph), as llm.c does it.
///
/// The unit of work is a batch of token rows with next-token targets: `forward` returns
/// log p(target) for each position, `backward` takes ∂loss/∂log p for each position and
/// accumulates parameter gradients. Cross-entropy and the preference losses are both written
/// on top of those two calls.
public final class TrainableModel {
    public let config: ModelConfig
    /// The model's tokenizer; a run points it at its own copy (see `TrainingRun`).
    public internal(set) var tokenizer: Tokenizer?
    /// The model's weights under their Hugging Face names.
    public let weights: ParameterStore
    /// LoRA adapters (lora_A / lora_B per adapted projection), when training with LoRA.
    public let adapters: ParameterStore?
    public let lora: LoRAConfig?
    /// The parameters the optimiser updates: the adapters under LoRA, else all weights.
    public var trainable: ParameterStore { adapters ?? weights }

    /// Draws the LoRA dropout masks; part of a checkpoint's state.
    public var random: RandomGenerator

    /// The blocks, bound to their weights and adapters.
    let layers: [any EngineLayer]
    let shared: SharedWeights
    private var workspace: Workspace?
    private var pass: Pass?

    /// Copies `model`'s weights into a parameter store; with `lora`, adds adapter parameters
    /// (initialised as PEFT does, from `seed`) and freezes the base weights.
    /// - Throws: `TrainingError` on "model" when the stores (weights and gradients: twice the
    ///   model's own size) would not fit in memory, before allocating them.
    public init(model: TransformerModel, lora: LoRAConfig? = nil, seed: UInt64 = 0) throws {
        config = model.config
        tokenizer = model.tokenizer
        try EngineBinding.check(config)
        try MemoryNeed.stores(config, lora: lora).check(
            place: "model", subject: "a trainable copy of a model of \(MemoryNeed.count(TransformerModel.parameterCount(config))) parameters",
            advice: "pick a smaller model", limit: TensorLimits.maximumElements)
        let layout = TransformerModel.expectedShapes(config)
        weights = ParameterStore(layout.map { (name: $0.0, shape: $0.1) })
        for (name, _) in layout {
            guard let tensor = model.weights[name] else { throw TrainingError(name, "missing from the model's weights") }
            try weights.set(name, tensor)
        }
        random = RandomGenerator(seed: seed)
        self.lora = lora
        if let lora {
            let initial = try LoRAAdapter.initialized(config: config, lora: lora, seed: seed)
            let store = ParameterStore(adapterLayout(config: config, lora: lora).map { (name: $0.name, shape: $0.shape) })
            for (name, tensor) in initial.orderedWeights { try store.set(name, tensor) }
            adapters = store
        } else {
            adapters = nil
        }
        let binding = try EngineBinding(config: config, weights: weights, adapters: adapters, lora: lora)
        (layers, shared) = (binding.layers, binding.shared)
    }

    /// The model's current weights as tensors by Hugging Face name (adapters not merged).
    public func exportWeights() throws -> [String: Tensor] {
        var result: [String: Tensor] = [:]
        for entry in weights.entries { result[entry.name] = try weights.tensor(entry.name) }
        return result
    }

    /// The adapters as tensors by name ("….lora_A.weight", "….lora_B.weight").
    public func exportAdapters() throws -> [String: Tensor] {
        guard let adapters else { return [:] }
        var result: [String: Tensor] = [:]
        for entry in adapters.entries { result[entry.name] = try adapters.tensor(entry.name) }
        return result
    }

    // MARK: Passes

    /// Log p(target) at each of the B·T positions of `inputs` (0 where the target is −1).
    /// The activations stay in the model's workspace for a following `backward`.
    /// - Parameters:
    ///   - inputs: token ids, B·T, row-major.
    ///   - targets: the next token at each position, or −1 where the position is not scored.
    ///   - dropout: false evaluates the model as it is (LoRA dropout off) without drawing from
    ///     `random`, so scoring (reference log-probs, probes) leaves the training stream untouched.
    public func forward(inputs: [Int32], targets: [Int32], batch: Int, length: Int, dropout: Bool = true) throws -> [Float] {
        try validate(inputs: inputs, targets: targets, batch: batch, length: length)
        let pass = preparePass(batch: batch, length: length)
        pass.load(inputs: inputs, targets: targets)
        var generator: RandomGenerator? = dropout ? random : nil
        let logprobs = pass.forward(random: &generator)
        if let generator { random = generator }
        return logprobs
    }

    /// Accumulates into the trainable parameters' gradients the gradient of a loss whose
    /// derivative with respect to each position's log-prob is `logprobGradients` (B·T values).
    /// Must follow `forward` of the same batch.
    public func backward(logprobGradients: [Float]) throws {
        guard let pass, pass.hasForward else { throw TrainingError("backward", "needs a forward pass of the same batch first") }
        guard logprobGradients.count == pass.rows else {
            throw TrainingError("backward", "got \(logprobGradients.count) gradients for \(pass.rows) positions")
        }
        pass.backward(logprobGradients)
    }

    /// Refuses a (batch, length) shape whose activations, beside this model's parameter stores,
    /// would not fit in this machine's memory.
    public func checkFits(batch: Int, length: Int) throws {
        var parts = [("weights and gradients", 2 * Double(weights.count))]
        if let adapters { parts.append(("LoRA adapters and gradients", 2 * Double(adapters.count))) }
        let need = MemoryNeed(parts: parts + MemoryNeed.activations(config, lora: lora, batch: batch, length: length).parts)
        try need.check(place: "batch", subject: "a batch of \(batch) sequences of \(length) tokens", advice: "lower batch or seq_len",
                       limit: TensorLimits.maximumElements)
    }

    private func validate(inputs: [Int32], targets: [Int32], batch: Int, length: Int) throws {
        guard batch >= 1 else { throw TrainingError("batch", "must be at least 1, got \(batch)") }
        guard length >= 1 else { throw TrainingError("seq_len", "must be at least 1, got \(length)") }
        guard length <= config.maxPositions else {
            throw TrainingError("seq_len", "\(length) is longer than the model's context of \(config.maxPositions) positions")
        }
        try checkFits(batch: batch, length: length)
        guard inputs.count == batch * length, targets.count == batch * length else {
            throw TrainingError("batch", "\(inputs.count) inputs and \(targets.count) targets do not fill \(batch) × \(length)")
        }
        if let problem = config.vocabularyProblem(in: inputs) { throw TrainingError("inputs", problem) }
        if let problem = config.vocabularyProblem(in: targets, unscored: -1) { throw TrainingError("targets", problem) }
    }

    private func preparePass(batch: Int, length: Int) -> Pass {
        if let pass, pass.batch == batch, pass.length == length { return pass }
        pass = nil
        workspace = nil
        let workspace = Workspace(batch: batch, length: length)
        let pass = Pass(model: self, batch: batch, length: length, workspace: workspace)
        self.workspace = workspace
        self.pass = pass
        return pass
    }

    /// Floats held by activation buffers (for memory reports).
    public var activationFloats: Int { workspace?.floats ?? 0 }
}
