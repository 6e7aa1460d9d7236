import Models
import Tensor

extension LoRAAdapter {
    /// `weights` with the adapter folded in, as PEFT's `merge_and_unload` does: for each adapted
    /// module, W + scale·(B·A) for nn.Linear weights [out, in], and W + scale·(B·A)ᵀ for GPT-2's
    /// Conv1D weights [in, out]. Other weights are returned unchanged. The merged weights are plain
    /// values (no autograd history): merging is for inference and export, not for training.
    public func merged(into weights: [String: Tensor]) throws -> [String: Tensor] {
        try GradMode.withoutGrad {
            var result = weights
            for module in LoRAModule.all(config: modelConfig, lora: lora) {
                guard let base = weights[module.base] else { throw TrainingError("base weight '\(module.base)'", "is missing from the model") }
                guard base.shape == module.baseShape else {
                    throw TrainingError("base weight '\(module.base)'", "has shape \(base.shape), expected \(module.baseShape)")
                }
                guard let a = self.weights[module.aName], let b = self.weights[module.bName] else {
                    throw TrainingError("adapter tensor '\(module.name)'", "is missing lora_A or lora_B")
                }
                // B·A is [out, in] (rank-r product); Conv1D needs its transpose, computed as Aᵀ·Bᵀ
                // so no [out, in] temporary is transposed.
                let delta = module.fanInFanOut ? try a.transposed().matmul(b.transposed()) : try b.matmul(a)
                result[module.base] = try base.detached() + delta * lora.scale
            }
            return result
        }
    }

    /// A new model whose weights have the adapter merged in; `model` is unchanged. The adapter
    /// must be for the model's architecture and depth; the base weights' shapes are checked too.
    public func merged(into model: TransformerModel) throws -> TransformerModel {
        // Shapes alone would let an adapter for a shallower model of the same width merge into
        // only the first layers, so architecture and depth must match as well.
        guard model.config.architecture == modelConfig.architecture, model.config.layers == modelConfig.layers else {
            throw TrainingError("adapter", "was made for a \(modelConfig.layers)-layer \(modelConfig.architecture.rawValue) model, "
                                + "not this \(model.config.layers)-layer \(model.config.architecture.rawValue) model")
        }
        return try TransformerModel(config: model.config, weights: merged(into: model.weights), tokenizer: model.tokenizer)
    }
}
