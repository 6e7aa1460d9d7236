import Base
import Models
import Tensor

/// A LoRA adapter for one model configuration: for every targeted linear module with weight W,
/// a pair A [r, in] and B [out, r] such that the adapted module computes
/// W·x + scale · B·A·x (PEFT's LoRA).
public struct LoRAAdapter {
    /// The configuration of the base model the adapter belongs to.
    public let modelConfig: ModelConfig
    public let lora: LoRAConfig
    /// Adapter tensors by the names of `adapterLayout(config:lora:)`.
    public let weights: [String: Tensor]
    /// Recorded as `base_model_name_or_path` in adapter_config.json.
    public var baseModel: String?

    /// An adapter from given tensors: the options must be valid for the architecture and
    /// `weights` must hold exactly the layout's tensors, with its shapes.
    public init(config: ModelConfig, lora: LoRAConfig, weights: [String: Tensor], baseModel: String? = nil) throws {
        try lora.validate(for: config.architecture)
        let layout = adapterLayout(config: config, lora: lora)
        for (name, shape, _) in layout {
            guard let tensor = weights[name] else { throw TrainingError("adapter tensor '\(name)'", "is missing") }
            guard tensor.shape == shape else {
                throw TrainingError("adapter tensor '\(name)'", "has shape \(tensor.shape), expected \(shape)")
            }
        }
        let expected = Set(layout.map(\.name))
        if let extra = weights.keys.sorted().first(where: { !expected.contains($0) }) {
            throw TrainingError("adapter tensor '\(extra)'", "is not part of this adapter's layout")
        }
        self.modelConfig = config
        self.lora = lora
        self.weights = weights
        self.baseModel = baseModel
    }

    /// A new adapter initialised as PEFT does (`init_lora_weights=True`): A with
    /// `kaiming_uniform_(a=√5)`, which for an [r, in] matrix is uniform(−1/√in, 1/√in)
    /// (gain √(2/(1+5)), bound gain·√(3/in)); B zeros, so the adapted model starts equal to the
    /// base model. The tensors are drawn in layout order from one generator seeded with `seed`.
    public static func initialized(config: ModelConfig, lora: LoRAConfig, seed: UInt64, baseModel: String? = nil) throws -> LoRAAdapter {
        try lora.validate(for: config.architecture)
        var generator = RandomGenerator(seed: seed)
        var weights: [String: Tensor] = [:]
        for module in LoRAModule.all(config: config, lora: lora) {
            let bound = 1 / Float(module.input).squareRoot()
            weights[module.aName] = (try Tensor.rand(module.aShape(lora.rank), using: &generator) * (2 * bound)) - bound
            weights[module.bName] = try Tensor.zeros(module.bShape(lora.rank))
        }
        return try LoRAAdapter(config: config, lora: lora, weights: weights, baseModel: baseModel)
    }

    /// The adapter's tensors in layout order (layer by layer, A before B).
    public var orderedWeights: [(name: String, tensor: Tensor)] {
        adapterLayout(config: modelConfig, lora: lora).compactMap { entry in weights[entry.name].map { (entry.name, $0) } }
    }
}
