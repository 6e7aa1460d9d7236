import Base
import Foundation

/// The loss options of `pref_train`, declared once: the language takes them by name and a
/// preference run records them in run.json, from which `resume` rebuilds the loss.
public struct LossDeclarations: Sendable {
    public let loss = Setting("loss", LossNames(["sigmoid"]), "a loss name or a list of names summed with weights")
    public let beta = Setting("beta", LossOptions().beta, "β, the inverse temperature")
    public let lambda = Setting("lambda", LossOptions().lambda, "DPOP's λ")
    public let labelSmoothing = Setting("label_smoothing", LossOptions().labelSmoothing, "ε: cDPO, robust, exo_pair, simpo")
    public let gamma = Setting("gamma", LossOptions().gamma, "SimPO's margin")
    public let ipoAverage = Setting("ipo_average", LossOptions().ipoAverage, "IPO on per-token averages")
    public let form = Setting("form", LossOptions().dpopForm, "DPOP's formula: v3 (penalty inside the sigmoid) or v1")
    public let weights = Setting("weights", NumberList?.none, "one weight per loss; nil: 1 each")
}

extension DPOPForm: SettingChoice {}

/// The loss setting's names, an alias read as its term's own name (`dpo` as `sigmoid`), so run
/// records and `resume` see one name for one loss.
public struct LossNames: SettingType {
    public let names: [String]

    public init(_ names: [String]) {
        self.names = names.map { LossKind(named: $0)?.rawValue ?? $0 }
    }

    public init?(setting: SettingValue) {
        guard let names = [String](setting: setting) else { return nil }
        self.init(names)
    }

    public var setting: SettingValue { .texts(names) }
    public static var kind: String { "a loss name or a list of names" }
}

/// One preference run's loss settings (`settings.beta`, `settings.loss`, …).
public struct LossSettings: SettingSet {
    public static let table = SettingTable(LossDeclarations())
    public var values: [String: SettingValue]

    public init() { values = Self.table.defaults }

    public var options: LossOptions {
        LossOptions(beta: self.beta, lambda: self.lambda, labelSmoothing: self.labelSmoothing, gamma: self.gamma,
                    ipoAverage: self.ipoAverage, dpopForm: self.form)
    }

    /// The loss these settings describe, its options checked against the losses that read them.
    public func makeLoss() throws -> PreferenceLoss {
        try PreferenceLoss(self.loss.names, weights: self.weights?.numbers, options: options)
    }
}

/// A preference loss as the trainer runs it.
extension PreferenceLoss: PairObjectiveLoss {
    public func lossAndGradients(_ pairs: [PairLogprobs]) throws -> (loss: Double, gradients: [PairGradient]) {
        let result = try evaluate(pairs)
        return (result.loss, result.gradients)
    }

    public func metrics(_ pairs: [PairLogprobs]) -> [(name: String, value: Double)] {
        (try? PreferenceMetrics.compute(pairs, loss: self)) ?? []
    }
}
