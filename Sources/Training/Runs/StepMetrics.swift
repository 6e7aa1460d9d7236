/// What one optimiser step measured. Field names are those of the metrics files; an
/// objective's own figures (TRL's `rewards/chosen`, …) sit beside them under their names.
public struct StepMetrics: Codable, Equatable, Sendable {
    /// A named figure an objective logs with each step.
    public struct Figure: Equatable, Sendable {
        public var name: String
        public var value: Double

        public init(name: String, value: Double) {
            self.name = name
            self.value = value
        }
    }

    public var step: Int
    /// The objective's loss (mean cross-entropy per scored token for causal LM).
    public var loss: Double
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    /// Scored tokens in the step.
    public var tokens: Int
    public var tokensPerSecond: Double
    /// Wall time of the step.
    public var seconds: Double
    /// The objective's figures, sorted by name.
    public var extra: [Figure]

    public init(step: Int, loss: Double, learningRate: Double, gradientNorm: Double, tokens: Int, tokensPerSecond: Double,
                seconds: Double, extra: [Figure] = []) {
        self.step = step
        self.loss = loss
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.tokens = tokens
        self.tokensPerSecond = tokensPerSecond
        self.seconds = seconds
        self.extra = extra.sorted { $0.name < $1.name }
    }

    /// The value of figure `name` (standard or extra), if the step has one.
    public func value(_ name: String) -> Double? {
        switch name {
        case "step": Double(step)
        case "loss": loss
        case "lr": learningRate
        case "grad_norm": gradientNorm
        case "tokens": Double(tokens)
        case "tokens_per_second": tokensPerSecond
        case "seconds": seconds
        default: extra.first { $0.name == name }?.value
        }
    }

    static let standardNames = ["step", "loss", "lr", "grad_norm", "tokens", "tokens_per_second", "seconds"]

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(step, forKey: Key(stringValue: "step"))
        try container.encode(loss, forKey: Key(stringValue: "loss"))
        try container.encode(learningRate, forKey: Key(stringValue: "lr"))
        try container.encode(gradientNorm, forKey: Key(stringValue: "grad_norm"))
        try container.encode(tokens, forKey: Key(stringValue: "tokens"))
        try container.encode(tokensPerSecond, forKey: Key(stringValue: "tokens_per_second"))
        try container.encode(seconds, forKey: Key(stringValue: "seconds"))
        for figure in extra { try container.encode(figure.value, forKey: Key(stringValue: figure.name)) }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        step = try container.decode(Int.self, forKey: Key(stringValue: "step"))
        loss = try container.decode(Double.self, forKey: Key(stringValue: "loss"))
        learningRate = try container.decode(Double.self, forKey: Key(stringValue: "lr"))
        gradientNorm = try container.decode(Double.self, forKey: Key(stringValue: "grad_norm"))
        tokens = try container.decode(Int.self, forKey: Key(stringValue: "tokens"))
        tokensPerSecond = try container.decode(Double.self, forKey: Key(stringValue: "tokens_per_second"))
        seconds = try container.decode(Double.self, forKey: Key(stringValue: "seconds"))
        extra = try container.allKeys.filter { !Self.standardNames.contains($0.stringValue) }
            .map { Figure(name: $0.stringValue, value: try container.decode(Double.self, forKey: $0)) }
            .sorted { $0.name < $1.name }
    }

    var csvHeader: String { (Self.standardNames + extra.map(\.name)).joined(separator: ",") }

    var csvLine: String {
        ([String(step), "\(loss)", "\(learningRate)", "\(gradientNorm)", String(tokens), "\(tokensPerSecond)", "\(seconds)"]
            + extra.map { "\($0.value)" }).joined(separator: ",")
    }
}
