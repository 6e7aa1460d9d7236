/// A preference loss: one named term or a weighted sum of terms, as TRL's `loss_type` with
/// `loss_weights`, evaluated on summed completion log-probs with an analytic gradient.
///
///     let dpo = try PreferenceLoss("sigmoid")
///     let rpo = try PreferenceLoss(["sigmoid", "sft"], weights: [1, 1])
///     let dpop = try PreferenceLoss("dpop", options: LossOptions(lambda: 50, dpopForm: .v3))
///     let result = try dpop.evaluate(pairs)   // result.losses, result.loss, result.gradients
public struct PreferenceLoss: Equatable, Sendable {
    /// One term and its weight.
    public struct Component: Equatable, Sendable {
        public let kind: LossKind
        public let weight: Double
    }

    public let components: [Component]
    public let options: LossOptions

    /// Every loss name, in the order help lists them.
    public static let names: [String] = LossKind.allCases.map(\.rawValue)

    /// The names as help and errors list them, each alias beside its term: "sigmoid (or dpo), dpop, …".
    public static let listing: String = LossKind.allCases.map { kind in
        let aliases = LossKind.aliases.filter { $0.value == kind }.map(\.key).sorted()
        return kind.rawValue + (aliases.isEmpty ? "" : " (or \(aliases.joined(separator: ", ")))")
    }.joined(separator: ", ")

    /// A single loss by name.
    public init(_ name: String, options: LossOptions = LossOptions()) throws {
        try self.init([name], options: options)
    }

    /// A weighted sum of losses; `weights` defaults to 1 for each (TRL's `loss_weights`).
    public init(_ names: [String], weights: [Double]? = nil, options: LossOptions = LossOptions()) throws {
        guard !names.isEmpty else {
            throw PreferenceError("loss", "needs at least one loss name; one of \(Self.listing)")
        }
        let kinds = try names.map { name in
            guard let kind = LossKind(named: name) else {
                throw PreferenceError("loss", "unknown loss '\(name)'; one of \(Self.listing)")
            }
            return kind
        }
        let weights = weights ?? Array(repeating: 1, count: kinds.count)
        guard weights.count == kinds.count else {
            throw PreferenceError("weights", "has \(weights.count) value\(weights.count == 1 ? "" : "s") for \(kinds.count) loss\(kinds.count == 1 ? "" : "es")")
        }
        if let bad = weights.first(where: { !$0.isFinite }) {
            throw PreferenceError("weights", "must be finite numbers, got \(bad)")
        }
        try options.validate(for: kinds)
        components = zip(kinds, weights).map { Component(kind: $0, weight: $1) }
        self.options = options
    }

    public var kinds: [LossKind] { components.map(\.kind) }

    /// The per-pair losses, their mean and ∂mean/∂(each pair's policy log-probs).
    ///
    /// Per-pair terms contribute w·ℓ_k(pair i) to pair i; batch-level terms (`sft`, ORPO's NLL)
    /// contribute w·S to every pair. The batch loss is the mean over pairs, so a per-pair term
    /// reaches pair i's gradient divided by N, while a batch-level scalar reaches it whole.
    public func evaluate(_ pairs: [PairLogprobs]) throws -> LossResult {
        try Self.check(pairs, for: kinds)
        let count = pairs.count
        var losses = [Double](repeating: 0, count: count)
        var local = [PairGradient](repeating: PairGradient(), count: count)
        var shared = [PairGradient](repeating: PairGradient(), count: count)

        func addPerPair(_ weight: Double, _ term: (PairLogprobs) -> TermValue) {
            for (i, pair) in pairs.enumerated() {
                let t = term(pair)
                losses[i] += weight * t.loss
                local[i].chosen += weight * t.chosen
                local[i].rejected += weight * t.rejected
                local[i].prompt += weight * t.prompt
            }
        }
        func addBatchLevel(_ weight: Double, _ term: (value: Double, gradients: [PairGradient])) {
            for i in 0..<count {
                losses[i] += weight * term.value
                shared[i].chosen += weight * term.gradients[i].chosen
                shared[i].rejected += weight * term.gradients[i].rejected
                shared[i].prompt += weight * term.gradients[i].prompt
            }
        }

        for component in components {
            let w = component.weight
            switch component.kind {
            case .simpo: addPerPair(w) { ReferenceFreeLosses.simpo($0, options) }
            case .orpo:
                addBatchLevel(w, ReferenceFreeLosses.orpoNLL(pairs))
                addPerPair(w) { ReferenceFreeLosses.orpoOdds($0, options) }
            case .sft: addBatchLevel(w, ReferenceFreeLosses.sftNLL(pairs))
            case let kind: addPerPair(w) { PairwiseLosses.value(kind, $0, options) }
            }
        }

        let n = Double(count)
        let gradients = zip(local, shared).map { l, s in
            PairGradient(chosen: l.chosen / n + s.chosen, rejected: l.rejected / n + s.rejected, prompt: l.prompt / n + s.prompt)
        }
        return LossResult(losses: losses, loss: losses.reduce(0, +) / n, gradients: gradients, pairGradients: local, sharedGradients: shared)
    }

    /// Rejects what would make a loss NaN or meaningless, naming the field as `pref_loss` does.
    static func check(_ pairs: [PairLogprobs], for kinds: [LossKind]) throws {
        guard !pairs.isEmpty else { throw PreferenceError("pairs", "there are no pairs to evaluate") }
        for (i, p) in pairs.enumerated() {
            let fields: [(String, Double)] = [("policy_chosen", p.policyChosen), ("policy_rejected", p.policyRejected),
                                              ("ref_chosen", p.referenceChosen), ("ref_rejected", p.referenceRejected),
                                              ("prompt_logps", p.policyPrompt)]
            for (name, value) in fields where !value.isFinite {
                throw PreferenceError(name, "pair \(i) has a non-finite log-prob (\(value))")
            }
            let counts = [("chosen_tokens", p.chosenTokens), ("rejected_tokens", p.rejectedTokens), ("prompt_tokens", p.promptTokens)]
            for (name, value) in counts where value < 0 {
                throw PreferenceError(name, "pair \(i) has a negative token count (\(value))")
            }
            if kinds.contains(.orpo) {
                // log(1 − p) needs p < 1: a mean log-prob of 0 or more is no probability.
                let means = [("policy_chosen", p.policyChosen / ReferenceFreeLosses.completionLength(p.chosenTokens)),
                             ("policy_rejected", p.policyRejected / ReferenceFreeLosses.completionLength(p.rejectedTokens))]
                for (name, mean) in means where mean >= 0 {
                    throw PreferenceError(name, "orpo needs log-probs below 0 (odds p/(1 − p) need p < 1); pair \(i) has a per-token mean of \(mean)")
                }
            }
        }
    }
}
