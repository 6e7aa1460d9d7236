/// How a model's linear layers are adapted during LoRA training: which ones, at what rank and
/// scale, with what dropout on the adapter's input.
public struct AdapterSettings: Equatable, Sendable {
    public let rank: Int
    /// alpha / rank.
    public let scale: Float
    public let dropout: Float
    /// Module short names ("q_proj", "c_attn"); a linear layer is adapted when its name ends in one.
    public let targets: Set<String>

    public init(rank: Int, scale: Float, dropout: Float, targets: Set<String>) {
        self.rank = rank
        self.scale = scale
        self.dropout = dropout
        self.targets = targets
    }

    func adapts(_ prefix: String) -> Bool {
        targets.contains { prefix.hasSuffix("." + $0) }
    }
}
