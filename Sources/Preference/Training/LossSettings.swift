import Foundation

/// A preference loss as the trainer runs it, and as a run's run.json records it.
extension PreferenceLoss: PairObjectiveLoss {
    public func lossAndGradients(_ pairs: [PairLogprobs]) throws -> (loss: Double, gradients: [PairGradient]) {
        let result = try evaluate(pairs)
        return (result.loss, result.gradients)
    }

    public func metrics(_ pairs: [PairLogprobs]) -> [(name: String, value: Double)] {
        (try? PreferenceMetrics.compute(pairs, loss: self)) ?? []
    }

    /// The loss `settings` describe: "loss" (a name or comma-separated names), "loss_weights",
    /// "beta", "lambda", "label_smoothing", "gamma", "ipo_average", "dpop_form".
    public init(settings: [String: String]) throws {
        func number(_ key: String, _ fallback: Double) throws -> Double {
            guard let text = settings[key] else { return fallback }
            guard let value = Double(text) else { throw PreferenceError(key, "must be a number, got '\(text)'") }
            return value
        }
        let defaults = LossOptions()
        guard let form = DPOPForm(rawValue: settings["dpop_form"] ?? defaults.dpopForm.rawValue) else {
            throw PreferenceError("dpop_form", "must be one of \(DPOPForm.allCases.map(\.rawValue).joined(separator: ", ")), got '\(settings["dpop_form"] ?? "")'")
        }
        let options = LossOptions(beta: try number("beta", defaults.beta), lambda: try number("lambda", defaults.lambda),
                                  labelSmoothing: try number("label_smoothing", defaults.labelSmoothing),
                                  gamma: try number("gamma", defaults.gamma),
                                  ipoAverage: (settings["ipo_average"] ?? "\(defaults.ipoAverage)") == "true", dpopForm: form)
        let names = (settings["loss"] ?? "sigmoid").split(separator: ",").map(String.init)
        let weights = try settings["loss_weights"].map { text in
            try text.split(separator: ",").map { part -> Double in
                guard let value = Double(part) else { throw PreferenceError("loss_weights", "must be numbers, got '\(text)'") }
                return value
            }
        }
        try self.init(names, weights: weights, options: options)
    }
}
