import OrderedCollections
import Preference
import Tensor

/// The keyword arguments every preference builtin shares, after the name and the four inputs:
/// the loss settings (the name is the first argument), then the per-pair token counts.
private let lossOptionSignature = SettingSignature.parameters(LossSettings.table, omitting: ["loss"])
    + ", chosen_tokens = nil, rejected_tokens = nil, prompt_logps = nil, prompt_tokens = nil"

private let lossSignatureHead = "name, policy_chosen, policy_rejected, ref_chosen = nil, ref_rejected = nil"

/// A batch of pairs read from `pref_loss`'s arguments, with the loss they are for.
private struct LossCall {
    let loss: PreferenceLoss
    let pairs: [PairLogprobs]
    let policyChosen: Tensor
    let policyRejected: Tensor
    let promptLogps: Tensor?
}

extension Arguments {
    /// One log-prob per pair: a list, a tensor of rank ≤ 1, or a number for one pair.
    fileprivate func perPair(_ name: String, count: Int?) throws -> Tensor {
        let t = try tensor(name)
        guard t.rank <= 1 else { throw BuiltinError("\(name) must hold one value per pair (rank 0 or 1), got shape \(t.shape)") }
        if let count, t.count != count {
            throw BuiltinError("\(name) has \(t.count) value\(t.count == 1 ? "" : "s") but policy_chosen has \(count)")
        }
        return t
    }

    /// The values of `perPair(name, count:)` in Double: numbers and lists of numbers as written
    /// (the tensor would round them to Float32, and metrics would show -1.1000000635782878),
    /// tensors as they hold them.
    fileprivate func perPairDoubles(_ name: String, count: Int?) throws -> (tensor: Tensor, values: [Double]) {
        let t = try perPair(name, count: count)
        switch try self[name] {
        case .number(let x): return (t, [x])
        case .list(let items):
            let numbers = items.compactMap { item -> Double? in
                if case .number(let x) = item { return x }
                return nil
            }
            return (t, numbers.count == items.count ? numbers : t.scalars.map(Double.init))
        default: return (t, t.scalars.map(Double.init))
        }
    }

    /// Token counts per pair (whole numbers ≥ 0), or `fallback` for each pair when nil.
    /// Per-pair token counts; `minimum` is 1 for completions (a completion of no tokens has no
    /// length to average over, and the losses would otherwise quietly treat 0 as 1).
    fileprivate func counts(_ name: String, count: Int, fallback: Int, minimum: Int) throws -> [Int] {
        guard try !isNil(name) else { return Array(repeating: fallback, count: count) }
        return try perPair(name, count: count).scalars.map { x in
            guard let n = Int(exactly: x), n >= minimum else {
                throw BuiltinError("\(name) must hold whole numbers ≥ \(minimum), got \(format(Double(x)))")
            }
            return n
        }
    }

    /// The loss and the pairs from `name, policy_chosen, policy_rejected, ref_chosen, ref_rejected, …`.
    fileprivate func lossCall() throws -> LossCall {
        let names: [String]
        switch try self["name"] {
        case .string(let name): names = [name]
        case .list(let items):
            names = try items.map { item in
                guard case .string(let name) = item else { throw BuiltinError("name must be a loss name or a list of names, got a list holding a \(item.typeName)") }
                return name
            }
        case let other: throw BuiltinError("name must be a loss name or a list of names, got a \(other.typeName)")
        }
        var settings = try settings(LossSettings.self, skipping: ["loss"])
        settings.loss = LossNames(names)
        let loss = try settings.makeLoss()

        let (chosen, c) = try perPairDoubles("policy_chosen", count: nil)
        let n = chosen.count
        let (rejected, r) = try perPairDoubles("policy_rejected", count: n)
        func reference(_ name: String) throws -> [Double] {
            guard try !isNil(name) else {
                if let kind = loss.kinds.first(where: \.usesReference) {
                    throw BuiltinError("\(kind.rawValue) needs \(name), the reference model's log-probs (pass zeros for a reference-free loss)")
                }
                return Array(repeating: 0, count: n)
            }
            return try perPairDoubles(name, count: n).values
        }
        let refChosen = try reference("ref_chosen"), refRejected = try reference("ref_rejected")
        let prompt = try isNil("prompt_logps") ? nil : try perPairDoubles("prompt_logps", count: n)
        let promptValues = prompt?.values ?? Array(repeating: 0, count: n)
        let chosenTokens = try counts("chosen_tokens", count: n, fallback: 1, minimum: 1)
        let rejectedTokens = try counts("rejected_tokens", count: n, fallback: 1, minimum: 1)
        let promptTokens = try counts("prompt_tokens", count: n, fallback: 0, minimum: 0)
        let pairs = (0..<n).map { i in
            PairLogprobs(policyChosen: c[i], policyRejected: r[i], referenceChosen: refChosen[i], referenceRejected: refRejected[i],
                         chosenTokens: chosenTokens[i], rejectedTokens: rejectedTokens[i], policyPrompt: promptValues[i],
                         promptTokens: promptTokens[i])
        }
        return LossCall(loss: loss, pairs: pairs, policyChosen: chosen, policyRejected: rejected, promptLogps: prompt?.tensor)
    }
}

/// The per-pair losses as a tensor that autograd can differentiate.
///
/// Tensor's custom-op hook (`recording`) is internal to the Tensor module, so the gradient is
/// attached with public operations instead: ℓ + g·(x − detach(x)) has the value ℓ (the
/// difference is exactly 0) and, for reverse mode, the derivative g, the analytic one. Each pair
/// gets its own per-pair derivative, and the batch-level terms (sft, ORPO's NLL), which every
/// pair's loss shares, a scalar Σ_j s_j·(x_j − detach(x_j)) added to every element. The reference
/// log-probs are constants, as TRL computes them under no_grad.
private func differentiableLosses(_ call: LossCall, _ result: LossResult) throws -> Tensor {
    let shape = call.policyChosen.shape
    func constant(_ values: [Double]) throws -> Tensor { try Tensor(values.map { Float($0) }, shape: shape) }
    let losses = try constant(result.losses)
    var inputs: [(tensor: Tensor, own: [Double], shared: [Double])] = [
        (call.policyChosen, result.pairGradients.map(\.chosen), result.sharedGradients.map(\.chosen)),
        (call.policyRejected, result.pairGradients.map(\.rejected), result.sharedGradients.map(\.rejected)),
    ]
    if let prompt = call.promptLogps {
        inputs.append((prompt, result.pairGradients.map(\.prompt), result.sharedGradients.map(\.prompt)))
    }
    let tracked = inputs.filter { $0.tensor.requiresGrad }
    guard GradMode.enabled, !tracked.isEmpty else { return losses }
    var output = losses
    for input in tracked {
        // Reshaped to the output's shape so a rank-0 input lines up with a one-pair batch.
        let zeroWithGradient = try (input.tensor - input.tensor.detached()).reshaped(shape)
        output = try output + zeroWithGradient * constant(input.own)
        output = try output + (zeroWithGradient * constant(input.shared)).sum()
    }
    return output
}

extension Builtins {
    static let losses: [Builtin] = [
        Builtin("pref_loss(\(lossSignatureHead), \(lossOptionSignature))", topic: "preference",
                doc: "The per-pair preference losses (a tensor, one per pair; mean(...) is TRL's batch loss) from summed completion log-probs: policy_chosen, policy_rejected and the reference's ref_chosen, ref_rejected (tensors or lists). name is one of \(PreferenceLoss.listing), or a list of names summed with weights (TRL's loss_type and loss_weights). beta: β; lambda: DPOP's λ (form \"v3\": −log σ(β(Δ − λ·relu(−ρ_w))), the current paper; \"v1\": −log σ(βΔ) + λ·relu(−ρ_w)); label_smoothing: ε (cDPO for sigmoid; robust, exo_pair, simpo); gamma: SimPO's margin; chosen_tokens, rejected_tokens: completion lengths for ipo (per-token averages unless ipo_average: false), simpo and orpo; prompt_logps, prompt_tokens: the prompt's policy log-prob for ORPO's NLL. Differentiable with respect to the policy inputs (and prompt_logps) when they require grad; the reference inputs are constants. See docs/losses.md.",
                example: "pref_loss(\"dpop\", [-14.2, -9.1], [-31.0, -15.4], [-12.0, -10.0], [-20.5, -14.0])") { a in
            let call = try a.lossCall()
            let result = try call.loss.evaluate(call.pairs)
            return .tensor(try differentiableLosses(call, result))
        },
        Builtin("pref_metrics(\(lossSignatureHead), \(lossOptionSignature))", topic: "preference",
                doc: "TRL's logged metrics for one batch, as a record: rewards/chosen, rewards/rejected (mean β·ρ), rewards/accuracies, rewards/margins, logps/chosen, logps/rejected (mean policy log-probs), and logps/chosen_delta, logps/rejected_delta (mean ρ: the change from the reference the Smaug paper tracks). For simpo and orpo the rewards and logps are length-averaged, as TRL logs them; orpo adds nll_loss, log_odds_ratio and log_odds_chosen. Takes pref_loss's arguments.",
                example: "pref_metrics(\"sigmoid\", [-14.2, -9.1], [-31.0, -15.4], [-12.0, -10.0], [-20.5, -14.0])[\"logps/chosen_delta\"]") { a in
            let call = try a.lossCall()
            let metrics = try PreferenceMetrics.compute(call.pairs, loss: call.loss)
            var record = OrderedDictionary<String, Value>()
            for metric in metrics { record[metric.name] = .number(metric.value) }
            return .record(record)
        },
    ]
}
