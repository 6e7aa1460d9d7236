import Models

/// An RMSNorm's weight and, unless the base is frozen, its gradient.
struct RMSNormWeights {
    let weight: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutablePointer<Float>?
}

/// A LayerNorm's weight and bias and, unless the base is frozen, their gradients.
struct LayerNormWeights {
    let weight: UnsafeMutablePointer<Float>
    let bias: UnsafeMutablePointer<Float>
    let weightGradient: UnsafeMutablePointer<Float>?
    let biasGradient: UnsafeMutablePointer<Float>?
}

/// A norm of either kind (`NormKind`).
enum NormWeights {
    case rms(RMSNormWeights)
    case layer(LayerNormWeights)
}

/// An embedding table [rows, H] and, unless the base is frozen, its gradient.
struct EmbeddingWeights {
    let table: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutablePointer<Float>?
}

/// The weights outside the layers.
struct SharedWeights {
    let tokens: EmbeddingWeights
    /// Learned position embeddings, when the architecture has them.
    let positions: EmbeddingWeights?
    let finalNorm: NormWeights
    let head: Projection
}

/// Looks each weight up once, by its Hugging Face name, while `EngineBinding` binds a model, and
/// attaches to each projection the LoRA adapter of the same name.
struct WeightBinder {
    private let weights: any WeightSource
    private let adapters: ParameterStore?
    private let lora: LoRAConfig?
    /// Every linear module of the model (the layers' and the head) by path.
    private let modules: [String: LinearModule]
    /// The adapter tensors attached so far.
    private var bound: Set<String> = []

    init(config c: ModelConfig, weights: any WeightSource, adapters: ParameterStore?, lora: LoRAConfig?) {
        self.weights = weights
        self.adapters = adapters
        self.lora = lora
        let all = (0..<c.layers).flatMap { c.descriptor.linearModules(c, layer: $0) } + [c.descriptor.head(c)]
        modules = Dictionary(all.map { ($0.name.path, $0) }) { first, _ in first }
    }

    /// Under LoRA the base weights are frozen and get no gradients.
    private var frozen: Bool { adapters != nil }

    private func value(_ name: String, place: String? = nil) throws -> UnsafeMutablePointer<Float> {
        guard let pointer = weights.value(name) else { throw TrainingError(place ?? name, "missing weight") }
        return pointer
    }

    private func gradient(_ name: String) -> UnsafeMutablePointer<Float>? { frozen ? nil : weights.gradient(name) }

    mutating func projection(_ name: ModuleName) throws -> Projection {
        guard let module = modules[name.path] else { throw TrainingError(name.path, "is not a linear module of the architecture") }
        return try Projection(linear: Linear(inputs: module.inputs, outputs: module.outputs, layout: module.layout),
                              weight: value(name.weight, place: name.path),
                              bias: module.hasBias ? value(name.bias, place: name.path) : nil,
                              weightGradient: gradient(name.weight), biasGradient: module.hasBias ? gradient(name.bias) : nil,
                              adapter: adapter(name))
    }

    /// The module's adapter, when the adapter store holds one: both matrices or neither.
    private mutating func adapter(_ name: ModuleName) throws -> Projection.Adapter? {
        guard let adapters, let lora else { return nil }
        let (aName, bName) = (name.loraA, name.loraB)
        guard adapters.contains(aName) || adapters.contains(bName) else { return nil }
        guard let a = adapters.value(aName), let b = adapters.value(bName),
              let aGradient = adapters.gradient(aName), let bGradient = adapters.gradient(bName) else {
            throw TrainingError(name.path, "has only one of lora_A and lora_B")
        }
        bound.formUnion([aName, bName])
        return Projection.Adapter(a: a, b: b, aGradient: aGradient, bGradient: bGradient, rank: lora.rank, scale: lora.scale,
                                  dropout: Float(lora.dropout))
    }

    func rmsNorm(_ name: ModuleName) throws -> RMSNormWeights {
        RMSNormWeights(weight: try value(name.weight), gradient: gradient(name.weight))
    }

    func layerNorm(_ name: ModuleName) throws -> LayerNormWeights {
        LayerNormWeights(weight: try value(name.weight), bias: try value(name.bias),
                         weightGradient: gradient(name.weight), biasGradient: gradient(name.bias))
    }

    func norm(_ name: ModuleName, kind: NormKind) throws -> NormWeights {
        switch kind {
        case .rms: .rms(try rmsNorm(name))
        case .layer: .layer(try layerNorm(name))
        }
    }

    func embedding(_ name: ModuleName) throws -> EmbeddingWeights {
        EmbeddingWeights(table: try value(name.weight), gradient: gradient(name.weight))
    }

    /// Throws for an adapter tensor no projection took: a name that matches no module would
    /// otherwise leave that module silently unadapted.
    func checkEveryAdapterBound() throws {
        guard let adapters else { return }
        if let stray = adapters.entries.first(where: { !bound.contains($0.name) }) {
            throw TrainingError(stray.name, "adapts no projection of the model")
        }
    }
}
