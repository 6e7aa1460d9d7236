/// Checks shared by the optimisers on their options and on each step's arguments.
enum OptimizerChecks {
    /// Throws unless `value` is finite and at least 0 (and below 1 when `belowOne`).
    static func hyperparameter(_ name: String, _ value: Double, belowOne: Bool = false) throws {
        guard value.isFinite, value >= 0, !belowOne || value < 1 else {
            let range = belowOne ? "from 0 up to (not including) 1" : "a finite number ≥ 0"
            throw TrainingError(name, "is \(value), expected \(range)")
        }
    }

    /// Throws unless `parameters` has the layout the optimiser's buffers were sized for and the
    /// learning rate is usable.
    static func step(_ parameters: ParameterStore, count: Int, learningRate: Float, optimizer: String) throws {
        guard parameters.count == count else {
            throw TrainingError(optimizer, "was made for a store of \(count) floats, not \(parameters.count)")
        }
        guard learningRate.isFinite, learningRate >= 0 else {
            throw TrainingError("learning_rate", "is \(learningRate), expected a finite number ≥ 0")
        }
    }
}
