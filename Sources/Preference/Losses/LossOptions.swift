/// Which published DPOP formula `dpop` computes (see docs/losses.md).
public enum DPOPForm: String, CaseIterable, Sendable {
    /// Paper v3 (July 2024): the penalty inside the sigmoid, scaled by β.
    case v3
    /// Paper v1 (February 2024): the penalty outside the log-sigmoid, not scaled by β.
    case v1
}

/// The hyper-parameters of the preference losses, with TRL's defaults (DPOP's λ from the paper).
public struct LossOptions: Equatable, Sendable {
    /// β: the inverse temperature of every DPO-family loss (IPO's τ, ORPO's λ).
    public var beta: Double
    /// DPOP's λ, the weight of the penalty relu(−ρ_w). 50 is the Smaug paper's value.
    public var lambda: Double
    /// ε: cDPO for `sigmoid`, the flip rate for `robust`, EXO's smoothing, SimPO's smoothing.
    public var labelSmoothing: Double
    /// SimPO's target margin γ (TRL's `simpo_gamma`).
    public var gamma: Double
    /// IPO on per-token averages (TRL) when true; on summed log-probs (OpenRLHF) when false.
    public var ipoAverage: Bool
    /// The DPOP formula.
    public var dpopForm: DPOPForm

    public init(beta: Double = 0.1, lambda: Double = 50, labelSmoothing: Double = 0, gamma: Double = 0.5,
                ipoAverage: Bool = true, dpopForm: DPOPForm = .v3) {
        self.beta = beta
        self.lambda = lambda
        self.labelSmoothing = labelSmoothing
        self.gamma = gamma
        self.ipoAverage = ipoAverage
        self.dpopForm = dpopForm
    }

    /// Checks the options against the losses that read them; errors name the option.
    func validate(for kinds: [LossKind]) throws {
        guard beta.isFinite, beta > 0 else {
            // β ≤ 0 flips or removes the preference, and IPO's target 1/(2β) divides by it.
            throw PreferenceError("beta", "must be a positive number, got \(beta)")
        }
        guard lambda.isFinite, lambda >= 0 else {
            throw PreferenceError("lambda", "must be a number ≥ 0, got \(lambda)")
        }
        guard gamma.isFinite else { throw PreferenceError("gamma", "must be a finite number, got \(gamma)") }
        // ε is the probability that a label is flipped; above ½ the data would mean the opposite.
        guard labelSmoothing.isFinite, labelSmoothing >= 0, labelSmoothing <= 0.5 else {
            throw PreferenceError("label_smoothing", "must be in [0, 0.5], got \(labelSmoothing)")
        }
        if kinds.contains(.robust), labelSmoothing >= 0.5 {
            throw PreferenceError("label_smoothing", "robust divides by 1 − 2ε, so it must be below 0.5, got \(labelSmoothing)")
        }
        if kinds.contains(.exoPair), labelSmoothing <= 0 {
            // As TRL HEAD: EXO takes log ε, so ε = 0 has no value; v0.26 silently used 1e-3.
            throw PreferenceError("label_smoothing", "exo_pair needs label_smoothing > 0 (it takes log ε; the EXO paper uses 0.001)")
        }
    }
}
