/// One term of a preference loss, named as TRL's `loss_type` (plus `dpop`, `simpo` and `orpo`,
/// which TRL keeps out of `DPOTrainer`). Notation, used in every doc comment below:
/// ρ = log πθ(y|x) − log πref(y|x) of the summed completion log-probs, Δ = ρ_w − ρ_l, n the
/// completion token count, σ the logistic function, ε `label_smoothing`.
public enum LossKind: String, CaseIterable, Sendable {
    /// DPO: −log σ(βΔ); with ε > 0, cDPO: −(1−ε)·log σ(βΔ) − ε·log σ(−βΔ) (TRL v0.26's `sigmoid`).
    case sigmoid
    /// DPO-Positive (Smaug): v3 −log σ(β·(Δ − λ·relu(−ρ_w))); v1 −log σ(βΔ) + λ·relu(−ρ_w).
    case dpop
    /// IPO: (h − 1/(2β))², h = ρ_w/n_w − ρ_l/n_l (TRL) or h = Δ (summed).
    case ipo
    /// SLiC / RSO: relu(1 − βΔ).
    case hinge
    /// rDPO: [−(1−ε)·log σ(βΔ) + ε·log σ(−βΔ)] / (1 − 2ε).
    case robust
    /// EXO: q_w·(log q_w − log(1−ε)) + q_l·(log q_l − log ε), q_w = σ(βΔ), q_l = σ(−βΔ).
    case exoPair = "exo_pair"
    /// NCA: −log σ(βρ_w) − ½·log σ(−βρ_w) − ½·log σ(−βρ_l).
    case ncaPair = "nca_pair"
    /// BCO (TRL HEAD, no running mean): −log σ(βρ_w) − log σ(−βρ_l).
    case bcoPair = "bco_pair"
    /// SPPO with hard labels: (ρ_w − 1/(2β))² + (ρ_l + 1/(2β))².
    case sppoHard = "sppo_hard"
    /// APO-zero: (1 − σ(βρ_w)) + σ(βρ_l).
    case apoZero = "apo_zero"
    /// APO-down: σ(βρ_w) + (1 − σ(βΔ)).
    case apoDown = "apo_down"
    /// SimPO (pure, no reference, no NLL): −(1−ε)·log σ(z) − ε·log σ(−z), z = β·(L̄_w − L̄_l) − γ, L̄ = log πθ/n.
    case simpo
    /// ORPO: NLL over the whole chosen sequence (prompt included, token mean over the batch)
    /// − β·log σ(log-odds(L̄_w) − log-odds(L̄_l)), no reference.
    case orpo
    /// Token-mean NLL over all chosen completion tokens of the batch: −Σ log πθ(y_w) / Σ n_w.
    case sft

    /// Other names a researcher writes for a term, each read as that term: `dpo` is `sigmoid`.
    public static let aliases: [String: LossKind] = ["dpo": .sigmoid]

    /// The term called `name`, by its own name or an alias.
    public init?(named name: String) {
        guard let kind = LossKind(rawValue: name) ?? Self.aliases[name] else { return nil }
        self = kind
    }

    /// Whether the term reads the reference log-probs.
    public var usesReference: Bool {
        switch self {
        case .simpo, .orpo, .sft: return false
        default: return true
        }
    }

    /// Whether `label_smoothing` changes the term; TRL ignores it (with a warning) elsewhere.
    public var usesLabelSmoothing: Bool {
        switch self {
        case .sigmoid, .robust, .exoPair, .simpo: return true
        default: return false
        }
    }

    /// One line for help text.
    public var summary: String {
        switch self {
        case .sigmoid: return "DPO, −log σ(βΔ); cDPO with label_smoothing"
        case .dpop: return "DPO-Positive, −log σ(β(Δ − λ·relu(−ρ_w))) (form v3) or + λ·relu(−ρ_w) outside (v1)"
        case .ipo: return "IPO, (ρ_w/n_w − ρ_l/n_l − 1/(2β))² (summed with ipo_average false)"
        case .hinge: return "SLiC, relu(1 − βΔ)"
        case .robust: return "rDPO, label-noise robust DPO"
        case .exoPair: return "EXO, reverse-KL to the smoothed label (needs label_smoothing > 0)"
        case .ncaPair: return "NCA, −log σ(βρ_w) − ½ log σ(−βρ_w) − ½ log σ(−βρ_l)"
        case .bcoPair: return "BCO, −log σ(βρ_w) − log σ(−βρ_l)"
        case .sppoHard: return "SPPO (hard), (ρ_w − 1/(2β))² + (ρ_l + 1/(2β))²"
        case .apoZero: return "APO-zero, 1 − σ(βρ_w) + σ(βρ_l)"
        case .apoDown: return "APO-down, σ(βρ_w) + 1 − σ(βΔ)"
        case .simpo: return "SimPO, −log σ(β(L̄_w − L̄_l) − γ), length-averaged, no reference"
        case .orpo: return "ORPO, NLL(prompt + chosen) − β·log σ(log-odds ratio), no reference"
        case .sft: return "token-mean NLL of the chosen completions (batch scalar)"
        }
    }
}
