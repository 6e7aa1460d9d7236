import Foundation

/// The reference-based per-pair terms (TRL `DPOTrainer.dpo_loss` and DPOP), each with its
/// derivatives with respect to log πθ(y_w) and log πθ(y_l). ρ is linear in the policy log-prob
/// with slope 1, so ∂/∂ρ equals ∂/∂log πθ; the chain rule below therefore only multiplies by β
/// (and 1/n where a length average enters).
enum PairwiseLosses {
    static func value(_ kind: LossKind, _ pair: PairLogprobs, _ o: LossOptions) -> TermValue {
        let beta = o.beta, eps = o.labelSmoothing
        let rhoW = pair.policyChosen - pair.referenceChosen
        let rhoL = pair.policyRejected - pair.referenceRejected
        let z = beta * (rhoW - rhoL)
        switch kind {
        case .sigmoid:
            return onMargin(smoothedLogistic(z, eps), beta)
        case .dpop:
            return dpop(rhoW: rhoW, rhoL: rhoL, o)
        case .ipo:
            return ipo(rhoW: rhoW, rhoL: rhoL, pair, o)
        case .hinge:
            // relu(1 − βΔ): a constant push of β until the margin reaches 1/β, then nothing.
            let active = Logistic.step(1 - z)
            return TermValue(loss: Logistic.relu(1 - z), chosen: -beta * active, rejected: beta * active)
        case .robust:
            // [(1−ε)·softplus(−z) − ε·softplus(z)] / (1 − 2ε): unbiased under label flips with rate ε.
            let scale = 1 / (1 - 2 * eps)
            let loss = ((1 - eps) * Logistic.softplus(-z) - eps * Logistic.softplus(z)) * scale
            let slope = (-(1 - eps) * Logistic.sigmoid(-z) - eps * Logistic.sigmoid(z)) * scale
            return onMargin((loss, slope), beta)
        case .exoPair:
            return onMargin(exo(z, eps), beta)
        case .ncaPair:
            // −log σ(u) − ½ log σ(−u) − ½ log σ(−v) with u = βρ_w, v = βρ_l;
            // d/du = −σ(−u) + ½σ(u), d/dv = ½σ(v).
            let u = beta * rhoW, v = beta * rhoL
            let loss = Logistic.softplus(-u) + 0.5 * Logistic.softplus(u) + 0.5 * Logistic.softplus(v)
            return TermValue(loss: loss, chosen: beta * (-Logistic.sigmoid(-u) + 0.5 * Logistic.sigmoid(u)),
                             rejected: beta * 0.5 * Logistic.sigmoid(v))
        case .bcoPair:
            // −log σ(u) − log σ(−v): each completion classified on its own reward (HEAD: no running mean δ).
            let u = beta * rhoW, v = beta * rhoL
            return TermValue(loss: Logistic.softplus(-u) + Logistic.softplus(v),
                             chosen: -beta * Logistic.sigmoid(-u), rejected: beta * Logistic.sigmoid(v))
        case .sppoHard:
            // Squared distance of each ρ to ±1/(2β); note no β inside, so the slopes are 2(·).
            let a = rhoW - 0.5 / beta, b = rhoL + 0.5 / beta
            return TermValue(loss: a * a + b * b, chosen: 2 * a, rejected: 2 * b)
        case .apoZero:
            // (1 − σ(u)) + σ(v); σ′ = σ(x)σ(−x).
            let u = beta * rhoW, v = beta * rhoL
            return TermValue(loss: 1 - Logistic.sigmoid(u) + Logistic.sigmoid(v),
                             chosen: -beta * logisticSlope(u), rejected: beta * logisticSlope(v))
        case .apoDown:
            // σ(u) + (1 − σ(z)): lowers the chosen reward while widening the margin.
            let u = beta * rhoW
            return TermValue(loss: Logistic.sigmoid(u) + 1 - Logistic.sigmoid(z),
                             chosen: beta * (logisticSlope(u) - logisticSlope(z)), rejected: beta * logisticSlope(z))
        case .simpo, .orpo, .sft:
            // Reference-free terms live in ReferenceFreeLosses; PreferenceLoss never routes them here.
            return TermValue(loss: 0)
        }
    }

    /// −(1−ε)·log σ(z) − ε·log σ(−z) = (1−ε)·softplus(−z) + ε·softplus(z) and its slope
    /// −(1−ε)·σ(−z) + ε·σ(z): DPO (ε = 0), cDPO, and SimPO's smoothed form.
    static func smoothedLogistic(_ z: Double, _ eps: Double) -> (loss: Double, slope: Double) {
        ((1 - eps) * Logistic.softplus(-z) + eps * Logistic.softplus(z),
         -(1 - eps) * Logistic.sigmoid(-z) + eps * Logistic.sigmoid(z))
    }

    /// A term of z = β(ρ_w − ρ_l): ∂/∂chosen = β·slope, ∂/∂rejected = −β·slope.
    private static func onMargin(_ term: (loss: Double, slope: Double), _ beta: Double) -> TermValue {
        TermValue(loss: term.loss, chosen: beta * term.slope, rejected: -beta * term.slope)
    }

    /// σ′(x) = σ(x)·σ(−x), written so neither factor overflows.
    private static func logisticSlope(_ x: Double) -> Double { Logistic.sigmoid(x) * Logistic.sigmoid(-x) }

    /// EXO: σ(z)·(log σ(z) − log(1−ε)) + σ(−z)·(log σ(−z) − log ε). Differentiating, the
    /// σ(z)σ(−z) terms from the logs cancel and log σ(z) − log σ(−z) = z, leaving
    /// σ(z)σ(−z)·(z − log(1−ε) + log ε).
    private static func exo(_ z: Double, _ eps: Double) -> (loss: Double, slope: Double) {
        let qW = Logistic.sigmoid(z), qL = Logistic.sigmoid(-z)
        let loss = qW * (Logistic.logSigmoid(z) - log(1 - eps)) + qL * (Logistic.logSigmoid(-z) - log(eps))
        return (loss, qW * qL * (z - log(1 - eps) + log(eps)))
    }

    /// DPOP. The penalty relu(−ρ_w) is active only while the chosen answer is below the
    /// reference, so with ρ_w ≥ 0 both forms are DPO exactly.
    /// - v3: ℓ = −log σ(z′), z′ = β(Δ − λ·relu(−ρ_w)); while active z′ = β((1+λ)ρ_w − ρ_l), so
    ///   ∂ℓ/∂chosen = −β(1+λ)σ(−z′), a push on the chosen answer that fades as the pair saturates.
    /// - v1: ℓ = −log σ(βΔ) + λ·relu(−ρ_w), so ∂ℓ/∂chosen = −βσ(−βΔ) − λ, a constant push of λ.
    private static func dpop(rhoW: Double, rhoL: Double, _ o: LossOptions) -> TermValue {
        let beta = o.beta, lambda = o.lambda
        let penalty = Logistic.relu(-rhoW)
        let active = Logistic.step(-rhoW)
        switch o.dpopForm {
        case .v3:
            let z = beta * (rhoW - rhoL - lambda * penalty)
            let slope = -Logistic.sigmoid(-z)
            return TermValue(loss: Logistic.softplus(-z), chosen: beta * (1 + lambda * active) * slope, rejected: -beta * slope)
        case .v1:
            let z = beta * (rhoW - rhoL)
            let slope = -Logistic.sigmoid(-z)
            return TermValue(loss: Logistic.softplus(-z) + lambda * penalty, chosen: beta * slope - lambda * active, rejected: -beta * slope)
        }
    }

    /// IPO: (h − 1/(2β))². TRL's h = ρ_w/n_w − ρ_l/n_l (counts clamped to ≥ 1, as HEAD), so the
    /// target 1/(2β) is a per-token margin; summed, h = Δ and the target is per sequence.
    private static func ipo(rhoW: Double, rhoL: Double, _ pair: PairLogprobs, _ o: LossOptions) -> TermValue {
        let nW = o.ipoAverage ? Double(max(1, pair.chosenTokens)) : 1
        let nL = o.ipoAverage ? Double(max(1, pair.rejectedTokens)) : 1
        let d = rhoW / nW - rhoL / nL - 0.5 / o.beta
        return TermValue(loss: d * d, chosen: 2 * d / nW, rejected: -2 * d / nL)
    }
}
