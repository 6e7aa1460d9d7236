import Base
import Models
import Tensor

/// One transformer block of an architecture as the engine runs it: its weights bound once, when
/// `EngineBinding` binds the model (for a `TrainableModel` or an `InferenceModel`), and its
/// hand-written forward and backward pass.
protocol EngineLayer {
    /// Binds the weights (and LoRA adapters) of layer `layer`.
    init(layer: Int, binder: inout WeightBinder) throws

    /// Every projection of the block, so a `Pass` can give each its adapter buffers.
    static var projections: [WritableKeyPath<Self, Projection>] { get }

    /// Reads `s.input`, fills `s` with what the backward needs and writes the block's output.
    func forward(_ s: Pass.Saved, output: UnsafeMutablePointer<Float>, in pass: Pass, random: inout RandomGenerator?)

    /// On entry `pass.streamGradient` holds ∂L/∂(block output); on exit ∂L/∂(block input).
    func backward(_ s: Pass.Saved, in pass: Pass)
}

extension EngineLayer {
    /// This block with each projection's adapter buffers for `n` rows taken from `workspace`.
    func withAdapterBuffers(rows n: Int, in workspace: Workspace) -> Self {
        var layer = self
        for projection in Self.projections {
            layer[keyPath: projection] = layer[keyPath: projection].withBuffers(rows: n, in: workspace)
        }
        return layer
    }
}

/// The engine block of each architecture family in Models' registry (each runs forward only for
/// inference too).
enum EngineRegistry {
    static func layerType(for descriptor: any ArchitectureDescriptor) -> (any InferenceLayer.Type)? {
        switch descriptor {
        case is LlamaFamily: LlamaLayer.self
        case is GPT2: GPT2Layer.self
        default: nil
        }
    }
}
