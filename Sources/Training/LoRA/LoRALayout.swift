import Models

/// One adapted module of a model: its name, sizes and the base weight the adapter updates.
struct LoRAModule {
    /// The module's path in our weight naming (`TransformerModel.weights`).
    let name: String
    let input: Int
    let output: Int
    /// The base weight is stored [in, out] (Conv1D), the transpose of nn.Linear's [out, in]
    /// (PEFT's `fan_in_fan_out`).
    let fanInFanOut: Bool

    var base: String { name + ".weight" }
    var aName: String { ModuleName(name).loraA }
    var bName: String { ModuleName(name).loraB }
    /// lora_A maps the input down to r features: [r, in], as nn.Linear(in, r) stores it.
    func aShape(_ rank: Int) -> [Int] { [rank, input] }
    /// lora_B maps r features up to the output: [out, r].
    func bShape(_ rank: Int) -> [Int] { [output, rank] }
    var baseShape: [Int] { fanInFanOut ? [input, output] : [output, input] }

    /// The targeted modules of every layer, layer by layer. Unknown targets select nothing;
    /// `LoRAConfig.validate(for:)` reports them.
    static func all(config: ModelConfig, lora: LoRAConfig) -> [LoRAModule] {
        let targets = Set(lora.targets(for: config.architecture))
        return (0..<config.layers).flatMap { layer in
            config.descriptor.linearModules(config, layer: layer).filter { targets.contains($0.name.shortName) }.map { module in
                LoRAModule(name: module.name.path, input: module.inputs, output: module.outputs, fanInFanOut: module.layout == .inOut)
            }
        }
    }
}

/// The adapter's parameters for `config` and `lora`, layer by layer: for each targeted module P,
/// "P.lora_A.weight" [r, in] then "P.lora_B.weight" [out, r], each with the name of the base
/// weight "P.weight" it updates. Names are PEFT's without "base_model.model." and the
/// architecture's checkpoint prefix — the same convention as `TransformerModel.weights`.
public func adapterLayout(config: ModelConfig, lora: LoRAConfig) -> [(name: String, shape: [Int], base: String)] {
    LoRAModule.all(config: config, lora: lora).flatMap { module in
        [(name: module.aName, shape: module.aShape(lora.rank), base: module.base),
         (name: module.bName, shape: module.bShape(lora.rank), base: module.base)]
    }
}

extension ModuleName {
    /// The adapter's A matrix for this module, as PEFT names it (without its model prefix).
    var loraA: String { path + ".lora_A.weight" }
    /// The adapter's B matrix for this module.
    var loraB: String { path + ".lora_B.weight" }
}
