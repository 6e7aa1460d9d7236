import Tensor

/// Stochastic gradient descent with momentum, computing what PyTorch's `torch.optim.SGD`
/// computes with dampening 0:
///
///     d ← g + wd·p                         only for parameters that decay (L2, not decoupled)
///     b ← d on the first step, else momentum·b + d
///     d ← d + momentum·b  (Nesterov)  or  d ← b
///     p ← p − lr·d
///
/// With momentum 0 the buffer is never read and the step is plain SGD.
public final class SGD: Optimizer {
    /// Weight of the previous velocity in the new one; 0 for plain SGD.
    public let momentum: Double
    /// L2 penalty added to the gradients of parameters whose `decays` is true.
    public let weightDecay: Double
    /// Whether the step looks ahead along the velocity (Nesterov momentum).
    public let nesterov: Bool
    public private(set) var stepCount = 0
    /// Length of the buffer: `count` of the store this optimiser was made for.
    public let count: Int

    let buffer: OptimizerBuffer

    /// The names `state()` uses.
    public static let stateNames = ["sgd.momentum", "sgd.step"]

    /// An optimiser for `parameters`. Defaults are PyTorch's SGD defaults. Throws a
    /// `TrainingError` naming the option when a hyperparameter is out of range, or when
    /// Nesterov momentum is asked for without momentum (as PyTorch does).
    public init(for parameters: ParameterStore, momentum: Double = 0, weightDecay: Double = 0,
                nesterov: Bool = false) throws {
        try OptimizerChecks.hyperparameter("momentum", momentum)
        try OptimizerChecks.hyperparameter("weight_decay", weightDecay)
        guard !nesterov || momentum > 0 else {
            throw TrainingError("nesterov", "needs a momentum above 0")
        }
        self.momentum = momentum
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        count = parameters.count
        buffer = OptimizerBuffer(count: count)
    }

    public func step(_ parameters: ParameterStore, learningRate: Float) throws {
        try OptimizerChecks.step(parameters, count: count, learningRate: learningRate, optimizer: "sgd")
        // PyTorch creates the momentum buffer as a copy of the first step's gradient.
        let first = stepCount == 0
        stepCount += 1
        let kernel = SGDKernel(
            values: parameters.values, gradients: parameters.gradients, buffer: buffer.pointer,
            weightDecay: Float(weightDecay), momentum: Float(momentum), negativeLearningRate: -learningRate,
            usesMomentum: momentum != 0, first: first, nesterov: nesterov)
        ParameterLoop.forEachParameter(parameters) { range, decays in
            if decays {
                ParameterLoop.run(kernel, over: range)
            } else {
                ParameterLoop.run(kernel.withoutDecay, over: range)
            }
        }
    }

    public func state() -> [String: Tensor] {
        ["sgd.momentum": buffer.tensor, "sgd.step": Tensor(Float(stepCount))]
    }

    public func restore(_ state: [String: Tensor]) throws {
        let saved = try OptimizerState(state, prefix: "sgd.", expected: Self.stateNames)
        let savedBuffer = try saved.buffer("sgd.momentum", count: count)
        let steps = try saved.stepCount("sgd.step")
        buffer.load(savedBuffer)
        stepCount = steps
    }
}

/// One SGD step on eight floats. PyTorch's `add(x, alpha: a)` is a fused multiply-add in its
/// vectorised kernels, so each scaled addition here is one too.
struct SGDKernel: VectorKernel {
    let values: UnsafeMutablePointer<Float>
    let gradients: UnsafeMutablePointer<Float>
    let buffer: UnsafeMutablePointer<Float>
    let weightDecay: Float
    let momentum: Float
    let negativeLearningRate: Float
    let usesMomentum: Bool
    let first: Bool
    let nesterov: Bool

    /// The same step for a parameter in the no-decay group.
    var withoutDecay: SGDKernel {
        SGDKernel(values: values, gradients: gradients, buffer: buffer, weightDecay: 0, momentum: momentum,
                  negativeLearningRate: negativeLearningRate, usesMomentum: usesMomentum, first: first,
                  nesterov: nesterov)
    }

    @inline(__always)
    func apply(_ index: Int, lanes: Int) {
        let p = ParameterLoop.load(values + index, lanes: lanes)
        var direction = ParameterLoop.load(gradients + index, lanes: lanes)
        // PyTorch skips the addition when the decay is 0; adding 0·p would turn −0 into +0 and
        // an infinite p into NaN, so skip it too.
        if weightDecay != 0 { direction = direction.addingProduct(p, weightDecay) }
        if usesMomentum {
            var velocity = direction
            if !first { velocity = ParameterLoop.load(buffer + index, lanes: lanes) * momentum + direction }
            ParameterLoop.store(velocity, buffer + index, lanes: lanes)
            direction = nesterov ? direction.addingProduct(velocity, momentum) : velocity
        }
        ParameterLoop.store(p.addingProduct(direction, negativeLearningRate), values + index, lanes: lanes)
    }
}
