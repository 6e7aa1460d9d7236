import Foundation
import Testing
@testable import Lang

/// `pref_loss` and `pref_metrics` in the language: values, autograd through the losses, errors.
/// Expected numbers are written from the formulas (docs/losses.md).
struct LossBuiltinTests {
    func run(_ code: String) throws -> Value { try evaluate(code) }
    func numbers(_ code: String) throws -> [Double] { try evaluatedNumbers(code) }

    func errorMessage(_ code: String) -> String { errorText { try run(code) } }

    private func sigma(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    @Test func perPairLossesFromListsOrTensors() throws {
        // ρ_w = −2, ρ_l = −12: DPO −log σ(1); DPOP v3 λ = 50: −log σ(0.1·(10 − 100)).
        let dpo = try numbers("pref_loss(\"sigmoid\", [-2, -1], tensor([-12, -1]), [0, 0], [0, 0])")
        #expect(dpo.count == 2 && abs(dpo[0] - -log(sigma(1))) < 1e-6 && abs(dpo[1] - log(2)) < 1e-6)
        let dpop = try numbers("pref_loss(\"dpop\", [-2], [-12], [0], [0])")
        #expect(abs(dpop[0] - 9.00012) < 1e-4)
        let v1 = try numbers("pref_loss(\"dpop\", [-2], [-12], [0], [0], form: \"v1\", lambda: 0.5)")
        #expect(abs(v1[0] - (-log(sigma(1)) + 1)) < 1e-6)
        let ipo = try numbers("pref_loss(\"ipo\", [-6], [-20], [0], [0], chosen_tokens: [3], rejected_tokens: [5], ipo_average: false)")
        #expect(abs(ipo[0] - 81) < 1e-4)
    }

    @Test func gradientsFlowToThePolicyInputs() throws {
        // d mean(ℓ)/d chosen_i = −β(1+λ)σ(−z_i)/N for DPOP v3 with ρ_w < 0.
        let g = try numbers("grad(fn(x) => mean(pref_loss(\"dpop\", x, [-12, -30], [0, 0], [0, 0], lambda: 5)), tensor([-2, -1]))")
        let z = [0.1 * (10 - 5 * 2.0), 0.1 * (29 - 5 * 1.0)]
        for i in 0..<2 { #expect(abs(g[i] - -0.1 * 6 * sigma(-z[i]) / 2) < 1e-6) }
        // sft is one scalar for the batch: every pair's loss moves with every chosen log-prob.
        let shared = try numbers("grad(fn(x) => pref_loss(\"sft\", x, [-1, -1], chosen_tokens: [2, 3])[0], tensor([-4, -5]))")
        #expect(shared.allSatisfy { abs($0 - -0.2) < 1e-7 })
        // A weighted mix, and the prompt's log-prob under ORPO.
        let prompt = try numbers("grad(fn(p) => sum(pref_loss(\"orpo\", [-2], [-6], chosen_tokens: [4], rejected_tokens: [3], prompt_logps: p, prompt_tokens: [2])), tensor([-3]))")
        #expect(abs(prompt[0] - -1.0 / 6) < 1e-7)
        let rejected = try numbers("grad(fn(x) => sum(pref_loss([\"sigmoid\", \"hinge\"], [-2], x, [0], [0], weights: [1, 2])), tensor([-4]))")
        #expect(abs(rejected[0] - (0.1 * sigma(-0.2) + 2 * 0.1)) < 1e-7)
    }

    @Test func withoutGradientsTheResultIsAPlainTensor() throws {
        guard case .tensor(let t) = try run("pref_loss(\"sigmoid\", requires_grad(tensor([-1])), [-2], [0], [0], beta: 0.5)") else {
            Issue.record("not a tensor")
            return
        }
        #expect(t.requiresGrad)
        guard case .tensor(let plain) = try run("no_grad { pref_loss(\"sigmoid\", requires_grad(tensor([-1])), [-2], [0], [0]) }") else { return }
        #expect(!plain.requiresGrad)
    }

    @Test func metricsAreARecordUnderTRLNames() throws {
        guard case .record(let m) = try run("pref_metrics(\"sigmoid\", [-10, -4], [-20, -6], [-9, -5], [-15, -5], beta: 0.5)") else {
            Issue.record("not a record")
            return
        }
        #expect(Array(m.keys) == ["rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                                  "logps/chosen", "logps/rejected", "logps/chosen_delta", "logps/rejected_delta"])
        if case .number(let x) = m["rewards/margins"] { #expect(abs(x - 1.5) < 1e-9) } else { Issue.record("margins") }
        if case .number(let x) = m["logps/chosen_delta"] { #expect(x == 0) } else { Issue.record("delta") }
    }

    @Test func dpoIsTheSameLossAsSigmoid() throws {
        #expect(try numbers("pref_loss(\"dpo\", [-2, -1], [-12, -1], [0, 0], [0, 0])") == numbers("pref_loss(\"sigmoid\", [-2, -1], [-12, -1], [0, 0], [0, 0])"))
        #expect(try numbers("pref_loss([\"dpo\", \"sft\"], [-2], [-12], [0], [0])") == numbers("pref_loss([\"sigmoid\", \"sft\"], [-2], [-12], [0], [0])"))
    }

    @Test func errorsNameTheArgument() {
        #expect(errorMessage("pref_loss(\"kto_pair\", [-1], [-2], [0], [0])").contains("loss: unknown loss 'kto_pair'; one of sigmoid (or dpo), dpop"))
        #expect(errorMessage("pref_loss(\"sigmoid\", [-1], [-2], [0], [0], beta: 0)").contains("beta: must be a positive number"))
        #expect(errorMessage("pref_loss(\"dpop\", [-1], [-2], [0], [0], lambda: -1)").contains("lambda:"))
        #expect(errorMessage("pref_loss(\"exo_pair\", [-1], [-2], [0], [0])").contains("label_smoothing:"))
        #expect(errorMessage("pref_loss(\"dpop\", [-1], [-2], [0], [0], form: \"v2\")").contains("form: must be v3 or v1, got 'v2'"))
        #expect(errorMessage("pref_loss(\"sigmoid\", [-1], [-2])").contains("needs ref_chosen"))
        #expect(errorMessage("pref_loss(\"sigmoid\", [-1, 0], [-2], [0, 0], [0, 0])").contains("policy_rejected has 1 value"))
        #expect(errorMessage("pref_loss([\"sigmoid\", \"sft\"], [-1], [-2], [0], [0], weights: [1])").contains("weights:"))
        #expect(errorMessage("pref_loss(\"simpo\", [-1], [-2], chosen_tokens: [-1])").contains("chosen_tokens"))
        // A completion has at least one token; 0 used to be clamped to 1 silently.
        #expect(errorMessage("pref_loss(\"simpo\", [-1], [-2], chosen_tokens: [0])").contains("chosen_tokens must hold whole numbers ≥ 1, got 0"))
        #expect(errorMessage("pref_loss(\"ipo\", [-1], [-2], [0], [0], rejected_tokens: [0])").contains("rejected_tokens must hold whole numbers ≥ 1"))
        #expect(errorMessage("pref_loss(\"orpo\", [-1], [-2], chosen_tokens: [2], rejected_tokens: [1], prompt_logps: [-1], prompt_tokens: [0])") == "no error")
        // exo_pair takes log ε, so ε = 0 is an error, as in TRL HEAD (v0.26 silently used 1e-3).
        #expect(errorMessage("pref_loss(\"exo_pair\", [-1], [-2], [0], [0])").contains("label_smoothing: exo_pair needs label_smoothing > 0"))
        #expect(errorMessage("pref_loss(\"sigmoid\", [[-1]], [[-2]], [[0]], [[0]])").contains("rank 0 or 1"))
        #expect(errorMessage("pref_loss(\"sigmoid\", [], [], [], [])").contains("pairs:"))
    }
}
