import Tensor

/// An optimiser that updates every parameter of a `ParameterStore` from its gradients.
///
/// Optimisers are classes because they own buffers as large as the model (moments, momentum)
/// that must not be copied. Their state is a dictionary of tensors so a checkpoint can write it
/// beside the weights; restoring it makes the next step bit-identical to an uninterrupted run.
public protocol Optimizer: AnyObject {
    /// Steps taken so far (PyTorch's `state["step"]`); the next step is number `stepCount + 1`.
    var stepCount: Int { get }

    /// Updates `parameters.values` from `parameters.gradients` with `learningRate`.
    ///
    /// Throws when `parameters` is not laid out like the store the optimiser was made for, or when
    /// the learning rate is negative or not finite.
    func step(_ parameters: ParameterStore, learningRate: Float) throws

    /// The optimiser's state as named tensors (buffers shaped `[count]`, the step count as a scalar).
    func state() -> [String: Tensor]

    /// Replaces the state with one returned by `state()`.
    ///
    /// Tensors whose names lack this optimiser's prefix are ignored, so a whole checkpoint may be
    /// passed. Throws a `TrainingError` naming the tensor when one is missing, unknown, or of the
    /// wrong shape; nothing is changed then.
    func restore(_ state: [String: Tensor]) throws
}
