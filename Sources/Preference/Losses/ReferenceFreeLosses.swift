import Foundation

/// The terms that read no reference model (TRL's CPO/SimPO and ORPO trainers, and `sft`).
/// They work on length-averaged log-probs L̄ = log πθ(y)/n, so each derivative with respect to
/// the summed log-prob carries a 1/n.
enum ReferenceFreeLosses {
    /// SimPO: z = β(L̄_w − L̄_l) − γ, ℓ = −(1−ε)·log σ(z) − ε·log σ(−z). TRL writes
    /// β·(L̄_w − L̄_l − γ/β), the same z. Pure SimPO: no NLL term (TRL's `cpo_alpha = 0`).
    static func simpo(_ pair: PairLogprobs, _ o: LossOptions) -> TermValue {
        let nW = completionLength(pair.chosenTokens), nL = completionLength(pair.rejectedTokens)
        let z = o.beta * (pair.policyChosen / nW - pair.policyRejected / nL) - o.gamma
        let (loss, slope) = PairwiseLosses.smoothedLogistic(z, o.labelSmoothing)
        return TermValue(loss: loss, chosen: o.beta * slope / nW, rejected: -o.beta * slope / nL)
    }

    /// ORPO's log odds ratio on completion-averaged log-probs x = L̄ (x < 0):
    /// o = (x_w − x_l) − (log(1 − e^{x_w}) − log(1 − e^{x_l})), i.e. log odds(y_w) − log odds(y_l)
    /// with odds(y) = p/(1 − p), p = e^x.
    static func logOdds(_ pair: PairLogprobs) -> (value: Double, chosen: Double, rejected: Double) {
        let nW = completionLength(pair.chosenTokens), nL = completionLength(pair.rejectedTokens)
        let xW = pair.policyChosen / nW, xL = pair.policyRejected / nL
        let value = (xW - xL) - (Logistic.log1mexp(xW) - Logistic.log1mexp(xL))
        return (value, (1 - Logistic.log1mexpDerivative(xW)) / nW, (-1 + Logistic.log1mexpDerivative(xL)) / nL)
    }

    /// ORPO's per-pair part: −β·log σ(o) = β·softplus(−o). (Its NLL is batch-level: `orpoNLL`.)
    static func orpoOdds(_ pair: PairLogprobs, _ o: LossOptions) -> TermValue {
        let odds = logOdds(pair)
        let slope = -o.beta * Logistic.sigmoid(-odds.value)
        return TermValue(loss: o.beta * Logistic.softplus(-odds.value), chosen: slope * odds.chosen, rejected: slope * odds.rejected)
    }

    /// ORPO's NLL: token-mean cross-entropy over every token of every chosen sequence, prompt
    /// included, as TRL computes it: S = −Σ_i (log πθ(prompt_i) + log πθ(y_w,i)) / Σ_i (m_i + n_w,i).
    /// One scalar for the batch; ∂S/∂ each pair's prompt and chosen log-prob is −1/T.
    static func orpoNLL(_ pairs: [PairLogprobs]) -> (value: Double, gradients: [PairGradient]) {
        let tokens = Double(max(1, pairs.reduce(0) { $0 + $1.promptTokens + $1.chosenTokens }))
        let total = pairs.reduce(0) { $0 + $1.policyPrompt + $1.policyChosen }
        return (-total / tokens, pairs.map { _ in PairGradient(chosen: -1 / tokens, prompt: -1 / tokens) })
    }

    /// `sft`: token-mean NLL over all chosen completion tokens of the batch (TRL HEAD selects
    /// them with the completion mask), S = −Σ_i log πθ(y_w,i) / Σ_i n_w,i.
    static func sftNLL(_ pairs: [PairLogprobs]) -> (value: Double, gradients: [PairGradient]) {
        let tokens = Double(max(1, pairs.reduce(0) { $0 + $1.chosenTokens }))
        let total = pairs.reduce(0) { $0 + $1.policyChosen }
        return (-total / tokens, pairs.map { _ in PairGradient(chosen: -1 / tokens) })
    }

    /// A completion length for averaging, clamped to ≥ 1 as TRL HEAD clamps it.
    static func completionLength(_ n: Int) -> Double { Double(max(1, n)) }
}
