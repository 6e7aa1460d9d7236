/// A module of the model by its Hugging Face path, e.g. "model.layers.0.self_attn.q_proj", with
/// the names of its parameters.
public struct ModuleName: Hashable, Sendable {
    public let path: String
    /// The module's name in a GGUF file (llama.cpp's converter: "blk.0.attn_q"); nil where GGUF
    /// has none (LoRA's modules).
    public let gguf: String?

    public init(_ path: String, gguf: String? = nil) {
        self.path = path
        self.gguf = gguf
    }

    public var weight: String { path + ".weight" }
    public var bias: String { path + ".bias" }

    /// The module's weight of `shape`; `transposedInGGUF` for Conv1D weights, which GGUF stores
    /// as nn.Linear's [out, in].
    public func weightSpec(_ shape: [Int], _ initialization: WeightSpec.Initialization = .normal, transposedInGGUF: Bool = false) -> WeightSpec {
        WeightSpec(weight, shape, initialization, gguf: gguf.map { $0 + ".weight" }, transposedInGGUF: transposedInGGUF)
    }

    public func biasSpec(_ shape: [Int]) -> WeightSpec {
        WeightSpec(bias, shape, .zeros, gguf: gguf.map { $0 + ".bias" })
    }
    /// The last component ("q_proj"): what LoRA's `target_modules` match.
    public var shortName: String { String(path.split(separator: ".").last ?? Substring(path)) }
}

/// What comes before the layer index in a GGUF tensor name, for every architecture.
let ggufLayerPrefix = "blk."

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
    public var weightSpec: WeightSpec { name.weightSpec(weightShape, transposedInGGUF: layout == .inOut) }
    public var biasSpec: WeightSpec { name.biasSpec([outputs]) }
}

/// One weight the architecture uses: its Hugging Face name, shape and how a new model fills it.
public struct WeightSpec: Sendable {
    /// transformers' initialisation: normal(0, 0.02) for matrices and embeddings, ones for norm
    /// weights, zeros for biases.
    public enum Initialization: Sendable { case normal, ones, zeros }

    public let name: String
    public let shape: [Int]
    public let initialization: Initialization
    /// The tensor's name in a GGUF file.
    public let gguf: String?
    /// GGUF holds the matrix transposed (see `ModuleName.weightSpec`).
    public let transposedInGGUF: Bool

    public init(_ name: String, _ shape: [Int], _ initialization: Initialization = .normal, gguf: String? = nil,
                transposedInGGUF: Bool = false) {
        self.name = name
        self.shape = shape
        self.initialization = initialization
        self.gguf = gguf
        self.transposedInGGUF = transposedInGGUF
    }
}
