import Models

/// A model's blocks and the weights outside them, bound once to the engine over any weight
/// source: the one binding of `TrainableModel` (its parameter store) and `InferenceModel` (a
/// model's own tensors, or an engine's store), so both see the same registry, adapters and checks.
struct EngineBinding {
    let layers: [any InferenceLayer]
    let shared: SharedWeights

    /// Binds every weight of `weights` and every adapter of `adapters` to the architecture's typed blocks.
    /// - Throws: `TrainingError` for a model the engine cannot run (`check`), a missing weight, or
    ///   an adapter tensor that matches no projection.
    init(config c: ModelConfig, weights: any WeightSource, adapters: ParameterStore?, lora: LoRAConfig?) throws {
        let layerType = try Self.check(c)
        var binder = WeightBinder(config: c, weights: weights, adapters: adapters, lora: lora)
        layers = try (0..<c.layers).map { try layerType.init(layer: $0, binder: &binder) }
        let descriptor = c.descriptor
        shared = try SharedWeights(tokens: binder.embedding(descriptor.tokenEmbeddings),
                                   positions: descriptor.positionEmbeddings.map { try binder.embedding($0) },
                                   finalNorm: binder.norm(descriptor.finalNorm, kind: descriptor.normalization),
                                   head: binder.projection(descriptor.head(c).name))
        try binder.checkEveryAdapterBound()
    }

    /// The engine block of `c`'s architecture; a training engine checks this before allocating its stores.
    /// - Throws: `TrainingError` for an architecture the engine has no block for, or partial rotary embeddings.
    @discardableResult
    static func check(_ c: ModelConfig) throws -> any InferenceLayer.Type {
        guard let layerType = EngineRegistry.layerType(for: c.descriptor) else {
            throw TrainingError("model", "\(c.descriptor.displayName) models cannot run on the engine: it has no block for them")
        }
        if c.rope?.partialRotaryFactor ?? 1 != 1 {
            throw TrainingError("model", "partial rotary embeddings are not supported by the engine")
        }
        return layerType
    }
}
