import Tensor

/// Reading an optimiser's saved tensors back, with every check done before anything changes.
struct OptimizerState {
    /// The prefix of this optimiser's tensor names, such as `"adamw."`.
    let prefix: String
    let tensors: [String: Tensor]

    /// The tensors of `state` named with `prefix`, after checking that exactly `expected` are there.
    init(_ state: [String: Tensor], prefix: String, expected: [String]) throws {
        self.prefix = prefix
        tensors = state.filter { $0.key.hasPrefix(prefix) }
        for name in expected where tensors[name] == nil {
            throw TrainingError(name, "missing from the optimiser state")
        }
        // Sorted so the error names the same tensor on every run.
        if let unknown = tensors.keys.filter({ !expected.contains($0) }).sorted().first {
            throw TrainingError(unknown, "is not part of the \(prefix.dropLast()) state (expected \(expected.joined(separator: ", ")))")
        }
    }

    /// Tensor `name`, checked to have `count` elements in one axis, no NaN, and nothing
    /// negative when `nonNegative` (a running mean of squares). Steps run only on finite
    /// gradients, so such a value comes from a corrupt file, not from training.
    func buffer(_ name: String, count: Int, nonNegative: Bool = false) throws -> Tensor {
        let tensor = try present(name)
        guard tensor.shape == [count] else {
            throw TrainingError(name, "has shape \(tensor.shape), expected [\(count)] (the parameter count of this model)")
        }
        let values = tensor.scalars
        if let index = values.firstIndex(where: { $0.isNaN || (nonNegative && $0 < 0) }) {
            throw TrainingError(name, "holds \(values[index]) at element \(index), which no optimiser step writes")
        }
        return tensor
    }

    /// The step count saved as scalar `name`.
    func stepCount(_ name: String) throws -> Int {
        let tensor = try present(name)
        guard tensor.shape.isEmpty || tensor.shape == [1] else {
            throw TrainingError(name, "has shape \(tensor.shape), expected a scalar")
        }
        let value = tensor.scalars[0]
        // Float32 holds every integer up to 2^24 exactly; past that a count cannot be trusted.
        guard value >= 0, value <= OptimizerState.largestStep, value == value.rounded() else {
            throw TrainingError(name, "holds \(value), expected a whole number of steps from 0 to \(Int(OptimizerState.largestStep))")
        }
        return Int(value)
    }

    /// The largest step count a Float32 scalar records exactly.
    static let largestStep: Float = 16_777_216

    private func present(_ name: String) throws -> Tensor {
        guard let tensor = tensors[name] else { throw TrainingError(name, "missing from the optimiser state") }
        return tensor
    }
}
