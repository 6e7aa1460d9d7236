/// The metrics TRL logs for one batch (one call of its loss), under TRL's names, plus the two the
/// Smaug paper tracks.
///
/// | name | value |
/// |---|---|
/// | `rewards/chosen`, `rewards/rejected` | mean r_w, mean r_l, with r = β·ρ (the implicit reward) |
/// | `rewards/accuracies` | mean of 1[r_w > r_l] (strict: ties count 0) |
/// | `rewards/margins` | mean of r_w − r_l |
/// | `logps/chosen`, `logps/rejected` | mean policy log-prob (summed over the completion) |
/// | `logps/chosen_delta`, `logps/rejected_delta` | mean ρ_w, mean ρ_l: the change from the reference |
///
/// For reference-free losses (only `simpo`/`orpo`, possibly with `sft`), TRL's CPO and ORPO
/// trainers log length-averaged log-probs and r = β·L̄, L̄ = log πθ(y)/n; so does this, and ORPO
/// adds `nll_loss`, `log_odds_ratio` (mean log σ(o)) and `log_odds_chosen` (mean o). The deltas
/// stay summed ρ either way. Weights never scale the rewards (TRL HEAD; v0.26 multiplied them in).
public enum PreferenceMetrics {
    public static func compute(_ pairs: [PairLogprobs], loss: PreferenceLoss) throws -> [(name: String, value: Double)] {
        try PreferenceLoss.check(pairs, for: loss.kinds)
        let beta = loss.options.beta
        let n = Double(pairs.count)
        func mean(_ f: (PairLogprobs) -> Double) -> Double { pairs.reduce(0) { $0 + f($1) } / n }

        let kinds = Set(loss.kinds)
        let referenceFree = kinds.isSubset(of: [.simpo, .orpo, .sft]) && !kinds.isDisjoint(with: [.simpo, .orpo])
        let logpChosen: (PairLogprobs) -> Double
        let logpRejected: (PairLogprobs) -> Double
        let rewardChosen: (PairLogprobs) -> Double
        let rewardRejected: (PairLogprobs) -> Double
        if referenceFree {
            logpChosen = { $0.policyChosen / ReferenceFreeLosses.completionLength($0.chosenTokens) }
            logpRejected = { $0.policyRejected / ReferenceFreeLosses.completionLength($0.rejectedTokens) }
            rewardChosen = { beta * logpChosen($0) }
            rewardRejected = { beta * logpRejected($0) }
        } else {
            logpChosen = { $0.policyChosen }
            logpRejected = { $0.policyRejected }
            rewardChosen = { beta * ($0.policyChosen - $0.referenceChosen) }
            rewardRejected = { beta * ($0.policyRejected - $0.referenceRejected) }
        }

        var metrics: [(name: String, value: Double)] = [
            ("rewards/chosen", mean(rewardChosen)),
            ("rewards/rejected", mean(rewardRejected)),
            ("rewards/accuracies", mean { rewardChosen($0) > rewardRejected($0) ? 1 : 0 }),
            ("rewards/margins", mean { rewardChosen($0) - rewardRejected($0) }),
            ("logps/chosen", mean(logpChosen)),
            ("logps/rejected", mean(logpRejected)),
            ("logps/chosen_delta", mean { $0.policyChosen - $0.referenceChosen }),
            ("logps/rejected_delta", mean { $0.policyRejected - $0.referenceRejected }),
        ]
        if kinds.contains(.orpo) {
            metrics.append(("nll_loss", ReferenceFreeLosses.orpoNLL(pairs).value))
            metrics.append(("log_odds_ratio", mean { Logistic.logSigmoid(ReferenceFreeLosses.logOdds($0).value) }))
            metrics.append(("log_odds_chosen", mean { ReferenceFreeLosses.logOdds($0).value }))
        }
        return metrics
    }
}
