/// A module of the model by its Hugging Face path, e.g. "model.layers.0.self_attn.q_proj", with
/// the names of its parameters.
public struct ModuleName: Hashable, Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var weight: String { path + ".weight" }
    public var bias: String { path + ".bias" }
    /// The last component ("q_proj"): what LoRA's `target_modules` match.
    public var shortName: String { String(path.split(separator: ".").last ?? Substring(path)) }
}

/// How a linear module stores its weight.
public enum WeightLayout: Sendable {
    /// nn.Linear: [out, in].
    case outIn
    /// GPT-2's Conv1D: [in, out] (PEFT's `fan_in_fan_out`).
    case inOut
}

/// One linear module of a layer: y = x·W (+ b) from `inputs` to `outputs` features.
public struct LinearModule: Sendable {
    public let name: ModuleName
    public let inputs: Int
    public let outputs: Int
    public let layout: WeightLayout
    public let hasBias: Bool

    public var weightShape: [Int] { layout == .outIn ? [outputs, inputs] : [inputs, outputs] }
    public var weightSpec: WeightSpec { WeightSpec(name.weight, weightShape) }
    public var biasSpec: WeightSpec { WeightSpec(name.bias, [outputs], .zeros) }
}

/// One weight the architecture uses: its Hugging Face name, shape and how a new model fills it.
public struct WeightSpec: Sendable {
    /// transformers' initialisation: normal(0, 0.02) for matrices and embeddings, ones for norm
    /// weights, zeros for biases.
    public enum Initialization: Sendable { case normal, ones, zeros }

    public let name: String
    public let shape: [Int]
    public let initialization: Initialization

    public init(_ name: String, _ shape: [Int], _ initialization: Initialization = .normal) {
        self.name = name
        self.shape = shape
        self.initialization = initialization
    }
}
