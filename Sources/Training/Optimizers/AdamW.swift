import Foundation
import Tensor

/// Adam with decoupled weight decay, computing what PyTorch's `torch.optim.AdamW` computes.
///
/// For each parameter p with gradient g, at step t:
///
///     p ← p · (1 − lr·wd)                  only for parameters that decay (matrices)
///     m ← β1·m + (1 − β1)·g
///     v ← β2·v + (1 − β2)·g²
///     p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
///
/// Norms and biases form PyTorch's usual no-decay group. Unlike llm.c, which adds `wd·p` to the
/// update, the decay multiplies p before the moments are used, as PyTorch does.
public final class AdamW: Optimizer {
    /// Decay rate of the first moment (the mean of the gradients).
    public let beta1: Double
    /// Decay rate of the second moment (the mean of the squared gradients).
    public let beta2: Double
    /// Added to the root of the second moment so the division never blows up.
    public let epsilon: Double
    /// Decoupled weight decay, applied to parameters whose `decays` is true.
    public let weightDecay: Double
    public private(set) var stepCount = 0
    /// Length of the buffers: `count` of the store this optimiser was made for.
    public let count: Int

    let m: OptimizerBuffer
    let v: OptimizerBuffer

    /// The names `state()` uses.
    public static let stateNames = ["adamw.m", "adamw.v", "adamw.step"]

    /// An optimiser for `parameters` with zero moments. Defaults are PyTorch's AdamW defaults.
    /// Throws a `TrainingError` naming the option when a hyperparameter is out of range.
    public init(for parameters: ParameterStore, beta1: Double = 0.9, beta2: Double = 0.999,
                epsilon: Double = 1e-8, weightDecay: Double = 0.01) throws {
        try OptimizerChecks.hyperparameter("beta1", beta1, belowOne: true)
        try OptimizerChecks.hyperparameter("beta2", beta2, belowOne: true)
        try OptimizerChecks.hyperparameter("eps", epsilon)
        try OptimizerChecks.hyperparameter("weight_decay", weightDecay)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        count = parameters.count
        m = OptimizerBuffer(count: count)
        v = OptimizerBuffer(count: count)
    }

    public func step(_ parameters: ParameterStore, learningRate: Float) throws {
        try OptimizerChecks.step(parameters, count: count, learningRate: learningRate, optimizer: "adamw")
        stepCount += 1
        // The scalars are computed in Double and rounded to Float where PyTorch rounds them: its
        // hyperparameters are Python floats and only become float32 inside the tensor kernels.
        let lr = Double(learningRate)
        let t = Double(stepCount)
        let biasCorrection1 = 1 - pow(beta1, t)
        let biasCorrection2 = 1 - pow(beta2, t)
        let stepSize = lr / biasCorrection1
        let kernel = AdamWKernel(
            values: parameters.values, gradients: parameters.gradients, m: m.pointer, v: v.pointer,
            decay: Float(1 - lr * weightDecay), lerpWeight: Float(1 - beta1), beta2: Float(beta2),
            oneMinusBeta2: Float(1 - beta2), biasCorrection2Root: Float(pow(biasCorrection2, 0.5)),
            epsilon: Float(epsilon), negativeStepSize: Float(-stepSize))
        ParameterLoop.forEachParameter(parameters) { range, decays in
            if decays {
                ParameterLoop.run(kernel, over: range)
            } else {
                ParameterLoop.run(kernel.withoutDecay, over: range)
            }
        }
    }

    public func state() -> [String: Tensor] {
        ["adamw.m": m.tensor, "adamw.v": v.tensor, "adamw.step": Tensor(Float(stepCount))]
    }

    public func restore(_ state: [String: Tensor]) throws {
        let saved = try OptimizerState(state, prefix: "adamw.", expected: Self.stateNames)
        let savedM = try saved.buffer("adamw.m", count: count)
        let savedV = try saved.buffer("adamw.v", count: count, nonNegative: true)
        let steps = try saved.stepCount("adamw.step")
        m.load(savedM)
        v.load(savedV)
        stepCount = steps
    }
}

/// One AdamW step on eight floats, in the order of operations of PyTorch's single-tensor AdamW
/// on CPU (`mul_`, `lerp_`, `mul_().addcmul_()`, `sqrt() / c + eps`, `addcdiv_`), including
/// where its vectorised kernels fuse a multiply and an add, so results agree to the last bit
/// or nearly (PyTorch's vector square root is not always correctly rounded).
struct AdamWKernel: VectorKernel {
    let values: UnsafeMutablePointer<Float>
    let gradients: UnsafeMutablePointer<Float>
    let m: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>
    /// 1 − lr·wd, or 1 for parameters that do not decay.
    let decay: Float
    /// 1 − β1, the weight of `m.lerp_(g, 1 − β1)`.
    let lerpWeight: Float
    let beta2: Float
    let oneMinusBeta2: Float
    /// √(1 − β2^t)
    let biasCorrection2Root: Float
    let epsilon: Float
    /// −lr / (1 − β1^t)
    let negativeStepSize: Float

    /// The same step for a parameter in the no-decay group (multiplying by 1 changes nothing).
    var withoutDecay: AdamWKernel {
        AdamWKernel(values: values, gradients: gradients, m: m, v: v, decay: 1, lerpWeight: lerpWeight,
                    beta2: beta2, oneMinusBeta2: oneMinusBeta2, biasCorrection2Root: biasCorrection2Root,
                    epsilon: epsilon, negativeStepSize: negativeStepSize)
    }

    @inline(__always)
    func apply(_ index: Int, lanes: Int) {
        let g = ParameterLoop.load(gradients + index, lanes: lanes)
        let p = ParameterLoop.load(values + index, lanes: lanes) * decay
        var first = ParameterLoop.load(m + index, lanes: lanes)
        // PyTorch's lerp: start + w·(end − start) for w < 0.5, else end − (1 − w)·(end − start), fused.
        first = lerpWeight < 0.5
            ? first.addingProduct(lerpWeight, g - first)
            : g.addingProduct(lerpWeight - 1, g - first)
        var second = ParameterLoop.load(v + index, lanes: lanes) * beta2
        second = second.addingProduct(oneMinusBeta2 * g, g)
        let denominator = second.squareRoot() / biasCorrection2Root + epsilon
        let updated = p + (negativeStepSize * first) / denominator
        ParameterLoop.store(first, m + index, lanes: lanes)
        ParameterLoop.store(second, v + index, lanes: lanes)
        ParameterLoop.store(updated, values + index, lanes: lanes)
    }
}
