/// The summed log-probabilities of one preference pair that every loss is written on.
///
/// Sums run over the completion tokens only (prompt and padding masked), as TRL computes them;
/// `chosenTokens` and `rejectedTokens` are the completion lengths, for the length-averaged
/// losses (IPO, SimPO, ORPO). The prompt's own log-prob is kept for ORPO's NLL term, which
/// TRL takes over the whole chosen sequence.
public struct PairLogprobs: Equatable, Sendable {
    public var policyChosen: Double
    public var policyRejected: Double
    public var referenceChosen: Double
    public var referenceRejected: Double
    public var chosenTokens: Int
    public var rejectedTokens: Int
    /// Σ log p of the prompt tokens under the policy (after the first token), and how many.
    public var policyPrompt: Double
    public var promptTokens: Int

    public init(policyChosen: Double, policyRejected: Double, referenceChosen: Double = 0, referenceRejected: Double = 0,
                chosenTokens: Int = 1, rejectedTokens: Int = 1, policyPrompt: Double = 0, promptTokens: Int = 0) {
        self.policyChosen = policyChosen
        self.policyRejected = policyRejected
        self.referenceChosen = referenceChosen
        self.referenceRejected = referenceRejected
        self.chosenTokens = chosenTokens
        self.rejectedTokens = rejectedTokens
        self.policyPrompt = policyPrompt
        self.promptTokens = promptTokens
    }
}

/// ∂(batch loss)/∂ of one pair's policy log-probs.
public struct PairGradient: Equatable, Sendable {
    public var chosen: Double
    public var rejected: Double
    public var prompt: Double

    public init(chosen: Double = 0, rejected: Double = 0, prompt: Double = 0) {
        self.chosen = chosen
        self.rejected = rejected
        self.prompt = prompt
    }
}
