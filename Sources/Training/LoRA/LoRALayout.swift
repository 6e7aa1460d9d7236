import Models

/// One kind of linear module in a transformer layer that LoRA can adapt.
struct LoRAModuleKind {
    /// The module's short name, matched against `target_modules`.
    let shortName: String
    /// The path inside a layer, e.g. "self_attn.q_proj".
    let path: String
    /// Feature counts of the module as a function of the configuration.
    let features: (ModelConfig) -> (input: Int, output: Int)

    /// The architecture's adaptable modules, in the order transformers defines them (which is the
    /// order PEFT's state dicts list them).
    static func kinds(for architecture: ModelConfig.Architecture) -> [LoRAModuleKind] {
        if architecture == .gpt2 {
            return [LoRAModuleKind(shortName: "c_attn", path: "attn.c_attn") { ($0.hiddenSize, 3 * $0.hiddenSize) },
                    LoRAModuleKind(shortName: "c_proj", path: "attn.c_proj") { ($0.hiddenSize, $0.hiddenSize) },
                    LoRAModuleKind(shortName: "c_fc", path: "mlp.c_fc") { ($0.hiddenSize, $0.intermediateSize) },
                    LoRAModuleKind(shortName: "c_proj", path: "mlp.c_proj") { ($0.intermediateSize, $0.hiddenSize) }]
        }
        return [LoRAModuleKind(shortName: "q_proj", path: "self_attn.q_proj") { ($0.hiddenSize, $0.heads * $0.headDim) },
                LoRAModuleKind(shortName: "k_proj", path: "self_attn.k_proj") { ($0.hiddenSize, $0.kvHeads * $0.headDim) },
                LoRAModuleKind(shortName: "v_proj", path: "self_attn.v_proj") { ($0.hiddenSize, $0.kvHeads * $0.headDim) },
                LoRAModuleKind(shortName: "o_proj", path: "self_attn.o_proj") { ($0.heads * $0.headDim, $0.hiddenSize) },
                LoRAModuleKind(shortName: "gate_proj", path: "mlp.gate_proj") { ($0.hiddenSize, $0.intermediateSize) },
                LoRAModuleKind(shortName: "up_proj", path: "mlp.up_proj") { ($0.hiddenSize, $0.intermediateSize) },
                LoRAModuleKind(shortName: "down_proj", path: "mlp.down_proj") { ($0.intermediateSize, $0.hiddenSize) }]
    }
}

/// One adapted module of a model: its name, sizes and the base weight the adapter updates.
struct LoRAModule {
    /// The module's name in our weight naming, e.g. "model.layers.0.self_attn.q_proj" or "h.0.attn.c_attn".
    let name: String
    let input: Int
    let output: Int
    /// GPT-2's Conv1D stores its weight [in, out], the transpose of nn.Linear's [out, in]
    /// (PEFT's `fan_in_fan_out`).
    let fanInFanOut: Bool

    var base: String { name + ".weight" }
    var aName: String { name + ".lora_A.weight" }
    var bName: String { name + ".lora_B.weight" }
    /// lora_A maps the input down to r features: [r, in], as nn.Linear(in, r) stores it.
    func aShape(_ rank: Int) -> [Int] { [rank, input] }
    /// lora_B maps r features up to the output: [out, r].
    func bShape(_ rank: Int) -> [Int] { [output, rank] }
    var baseShape: [Int] { fanInFanOut ? [input, output] : [output, input] }

    /// The targeted modules of every layer, layer by layer. Unknown targets select nothing;
    /// `LoRAConfig.validate(for:)` reports them.
    static func all(config: ModelConfig, lora: LoRAConfig) -> [LoRAModule] {
        let targets = Set(lora.targets(for: config.architecture))
        let kinds = LoRAModuleKind.kinds(for: config.architecture).filter { targets.contains($0.shortName) }
        let layerPrefix = config.architecture == .gpt2 ? "h." : "model.layers."
        return (0..<config.layers).flatMap { layer in
            kinds.map { kind in
                let (input, output) = kind.features(config)
                return LoRAModule(name: "\(layerPrefix)\(layer).\(kind.path)", input: input, output: output,
                                  fanInFanOut: config.architecture == .gpt2)
            }
        }
    }
}

/// The adapter's parameters for `config` and `lora`, layer by layer: for each targeted module P,
/// "P.lora_A.weight" [r, in] then "P.lora_B.weight" [out, r], each with the name of the base
/// weight "P.weight" it updates. Names are PEFT's without "base_model.model." and, for GPT-2,
/// without "transformer." — the same convention as `TransformerModel.weights`.
public func adapterLayout(config: ModelConfig, lora: LoRAConfig) -> [(name: String, shape: [Int], base: String)] {
    LoRAModule.all(config: config, lora: lora).flatMap { module in
        [(name: module.aName, shape: module.aShape(lora.rank), base: module.base),
         (name: module.bName, shape: module.bShape(lora.rank), base: module.base)]
    }
}
