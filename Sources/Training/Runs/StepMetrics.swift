/// What one optimiser step measured. Field names are those of the metrics files.
public struct StepMetrics: Codable, Equatable, Sendable {
    public var step: Int
    /// Mean cross-entropy per scored token over the step's micro-batches.
    public var loss: Double
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    /// Scored tokens in the step.
    public var tokens: Int
    public var tokensPerSecond: Double
    /// Wall time of the step.
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
        case step, loss, learningRate = "lr", gradientNorm = "grad_norm", tokens, tokensPerSecond = "tokens_per_second", seconds
    }

    static let csvHeader = "step,loss,lr,grad_norm,tokens,tokens_per_second,seconds"

    var csvLine: String {
        "\(step),\(loss),\(learningRate),\(gradientNorm),\(tokens),\(tokensPerSecond),\(seconds)"
    }
}
