import Models

/// The hyper-parameters of a LoRA adapter, as PEFT's `LoraConfig` names them: rank `r`,
/// `lora_alpha`, `target_modules` and `lora_dropout`.
///
/// Targets are module short names (the last component of a module's path); a name selects every
/// module of that name in every layer, as in PEFT.
public struct LoRAConfig: Equatable, Sendable {
    /// The rank r of the update B·A (PEFT's `r`).
    public var rank: Int
    /// The update is scaled by alpha / r (PEFT's `lora_alpha`).
    public var alpha: Double
    /// Module short names to adapt; nil means `defaultTargets(for:)` of the model's architecture.
    public var targetModules: [String]?
    /// Dropout on the adapter's input during training (PEFT's `lora_dropout`); merging ignores it.
    public var dropout: Double

    /// PEFT's defaults: r = 8, lora_alpha = 8, no dropout.
    public init(rank: Int = 8, alpha: Double = 8, targetModules: [String]? = nil, dropout: Double = 0) {
        self.rank = rank
        self.alpha = alpha
        self.targetModules = targetModules
        self.dropout = dropout
    }

    /// The factor on B·A: alpha / r (plain LoRA; rsLoRA's alpha / √r is not supported).
    public var scale: Float { Float(alpha / Double(rank)) }

    /// The architecture's default targets (`ArchitectureDescriptor.defaultLoRATargets`).
    public static func defaultTargets(for architecture: ModelConfig.Architecture) -> [String] {
        architecture.descriptor.defaultLoRATargets
    }

    /// The module short names the architecture has and LoRA can adapt, in layer order.
    public static func adaptableModules(for architecture: ModelConfig.Architecture) -> [String] {
        architecture.descriptor.adaptableModules
    }

    /// The targets in force for `architecture`: the given ones, or the defaults.
    public func targets(for architecture: ModelConfig.Architecture) -> [String] {
        targetModules ?? Self.defaultTargets(for: architecture)
    }

    /// Checks every option; the error's place is the option's name.
    public func validate(for architecture: ModelConfig.Architecture) throws {
        guard rank >= 1 else { throw TrainingError("rank", "must be at least 1, got \(rank)") }
        guard alpha > 0, alpha.isFinite else { throw TrainingError("alpha", "must be a positive number, got \(alpha)") }
        // Dropout of 1 would zero every adapter input, so the adapter could never learn.
        guard dropout >= 0, dropout < 1 else { throw TrainingError("dropout", "must be in [0, 1), got \(dropout)") }
        let targets = targets(for: architecture)
        guard !targets.isEmpty else { throw TrainingError("target_modules", "is empty: name at least one module") }
        let known = Self.adaptableModules(for: architecture)
        for target in targets where !known.contains(target) {
            throw TrainingError("target_modules", "'\(target)' is not a module of \(architecture.rawValue); choose from \(known.joined(separator: ", "))")
        }
        if let duplicate = targets.enumerated().first(where: { targets[..<$0.offset].contains($0.element) }) {
            throw TrainingError("target_modules", "'\(duplicate.element)' is listed twice")
        }
    }
}
