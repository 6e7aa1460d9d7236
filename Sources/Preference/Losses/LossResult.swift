/// A loss evaluated on a batch of pairs, with its gradient.
///
/// Each pair's loss is ℓ_i = P_i(pair i) + S(all pairs): P_i is the weighted sum of the per-pair
/// terms, S of the batch-level terms (`sft`, ORPO's NLL), the same scalar broadcast to every pair,
/// as TRL broadcasts them. The batch loss is mean_i ℓ_i, which equals TRL HEAD's
/// Σ_k w_k·mean_batch(ℓ_k) and v0.26's mean_batch(Σ_k w_k·ℓ_k).
public struct LossResult: Equatable, Sendable {
    /// ℓ_i for every pair.
    public var losses: [Double]
    /// mean_i ℓ_i.
    public var loss: Double
    /// ∂loss/∂(pair i's policy log-probs) = pairGradients[i] / N + sharedGradients[i].
    public var gradients: [PairGradient]
    /// ∂P_i/∂(pair i's policy log-probs): the per-pair terms only (a pair's P_i reads no other pair).
    public var pairGradients: [PairGradient]
    /// ∂S/∂(pair i's policy log-probs). With the above, ∂ℓ_i/∂pair j = δ_ij·pairGradients[i] + sharedGradients[j].
    public var sharedGradients: [PairGradient]

    public init(losses: [Double], loss: Double, gradients: [PairGradient], pairGradients: [PairGradient], sharedGradients: [PairGradient]) {
        self.losses = losses
        self.loss = loss
        self.gradients = gradients
        self.pairGradients = pairGradients
        self.sharedGradients = sharedGradients
    }
}

/// One term's value on one pair and its derivatives with respect to that pair's policy
/// log-probs (summed chosen, summed rejected, prompt).
struct TermValue {
    var loss: Double
    var chosen: Double = 0
    var rejected: Double = 0
    var prompt: Double = 0
}
