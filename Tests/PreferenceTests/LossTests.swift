import Foundation
import Testing
@testable import Preference

/// The preference losses (`PreferenceLoss`, `PreferenceMetrics`); suites nest here so `--filter LossTests` runs them all.
enum LossTests {}

// Expected values in this file are written from the formulas (docs/losses.md), not by calling
// the implementation; the fixture test compares against torch (scripts/fixtures/losses.py).

private func sigma(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
private func logSigma(_ x: Double) -> Double { log(sigma(x)) }

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}

/// One pair with the given log-ratios: the reference is 0, so ρ equals the policy log-prob.
private func pair(_ rhoW: Double, _ rhoL: Double, nW: Int = 1, nL: Int = 1) -> PairLogprobs {
    PairLogprobs(policyChosen: rhoW, policyRejected: rhoL, chosenTokens: nW, rejectedTokens: nL)
}

private func single(_ name: String, _ p: PairLogprobs, _ options: LossOptions = LossOptions()) throws -> (loss: Double, chosen: Double, rejected: Double) {
    let r = try PreferenceLoss(name, options: options).evaluate([p])
    return (r.loss, r.gradients[0].chosen, r.gradients[0].rejected)
}

/// A batch away from every kink (hinge's βΔ = 1, DPOP's ρ_w = 0), with prompts for ORPO.
private let batch: [PairLogprobs] = [
    PairLogprobs(policyChosen: -14.2, policyRejected: -31.0, referenceChosen: -12.0, referenceRejected: -20.5,
                 chosenTokens: 7, rejectedTokens: 9, policyPrompt: -8.3, promptTokens: 5),
    PairLogprobs(policyChosen: -9.1, policyRejected: -15.4, referenceChosen: -10.0, referenceRejected: -14.0,
                 chosenTokens: 5, rejectedTokens: 6, policyPrompt: -6.0, promptTokens: 4),
    PairLogprobs(policyChosen: -22.0, policyRejected: -18.0, referenceChosen: -20.0, referenceRejected: -21.0,
                 chosenTokens: 11, rejectedTokens: 8, policyPrompt: -12.5, promptTokens: 9),
    PairLogprobs(policyChosen: -3.3, policyRejected: -4.7, referenceChosen: -3.0, referenceRejected: -3.9,
                 chosenTokens: 3, rejectedTokens: 2, policyPrompt: -2.2, promptTokens: 2),
]

extension LossTests {
    @Suite struct Values {
        // Spot values from losses.md §7: β = 0.1, ρ_w = −2, ρ_l = −12, so βΔ = 1.
        @Test func spotValuesFromTheNotes() throws {
            let p = pair(-2, -12)
            #expect(abs(try single("sigmoid", p).loss - 0.31326) < 1e-5)
            #expect(try single("hinge", p).loss == 0)
            #expect(abs(try single("dpop", p).loss - 9.00012) < 1e-5)
        }

        @Test func sigmoidIsDPOAndCDPOWithLabelSmoothing() throws {
            let p = pair(-1.5, -4), beta = 0.1, z = beta * 2.5
            let dpo = try single("sigmoid", p)
            #expect(close(dpo.loss, -logSigma(z)))
            #expect(close(dpo.chosen, -beta * sigma(-z)) && close(dpo.rejected, beta * sigma(-z)))
            let eps = 0.2
            let cdpo = try single("sigmoid", p, LossOptions(labelSmoothing: eps))
            #expect(close(cdpo.loss, -(1 - eps) * logSigma(z) - eps * logSigma(-z)))
            let slope = -beta * ((1 - eps) * sigma(-z) - eps * sigma(z))
            #expect(close(cdpo.chosen, slope) && close(cdpo.rejected, -slope))
        }

        @Test func dpopV3PutsTheScaledPenaltyInsideTheSigmoid() throws {
            let beta = 0.3, lambda = 5.0
            let o = LossOptions(beta: beta, lambda: lambda)
            // ρ_w = −2 < 0: z = β(Δ − λ·2) and ∂/∂chosen = −β(1+λ)σ(−z).
            let p = pair(-2, -12)
            let z = beta * (10 - lambda * 2)
            let r = try single("dpop", p, o)
            #expect(close(r.loss, -logSigma(z)))
            #expect(close(r.chosen, -beta * (1 + lambda) * sigma(-z)))
            #expect(close(r.rejected, beta * sigma(-z)))
        }

        @Test func dpopV1AddsTheUnscaledPenaltyOutside() throws {
            let beta = 0.1, lambda = 50.0
            let o = LossOptions(beta: beta, lambda: lambda, dpopForm: .v1)
            let r = try single("dpop", pair(-2, -12), o)
            #expect(close(r.loss, -logSigma(1) + lambda * 2))
            #expect(close(r.chosen, -beta * sigma(-1) - lambda))
            #expect(close(r.rejected, beta * sigma(-1)))
        }

        @Test func ipoAveragesPerTokenByDefaultAndSumsOnRequest() throws {
            let p = pair(-6, -20, nW: 3, nL: 5), beta = 0.1
            let h = -6.0 / 3 - -20.0 / 5, d = h - 1 / (2 * beta)
            let averaged = try single("ipo", p)
            #expect(close(averaged.loss, d * d))
            #expect(close(averaged.chosen, 2 * d / 3) && close(averaged.rejected, -2 * d / 5))
            let summed = try single("ipo", p, LossOptions(ipoAverage: false))
            let ds = 14 - 1 / (2 * beta)
            #expect(close(summed.loss, ds * ds))
            #expect(close(summed.chosen, 2 * ds) && close(summed.rejected, -2 * ds))
            // One-token completions: the two forms are the same loss.
            let one = pair(-1, -3)
            #expect(close(try single("ipo", one).loss, try single("ipo", one, LossOptions(ipoAverage: false)).loss))
            // Zero loss at the targets: 1/(2β) per token averaged, per sequence summed.
            #expect(close(try single("ipo", pair(9, -4, nW: 3, nL: 2)).loss, 0))
            #expect(close(try single("ipo", pair(4, -1, nW: 3, nL: 2), LossOptions(ipoAverage: false)).loss, 0))
        }

        @Test func hingeIsLinearBelowTheMarginAndFlatAbove() throws {
            let below = try single("hinge", pair(-1, -4))  // βΔ = 0.3
            #expect(close(below.loss, 0.7) && close(below.chosen, -0.1) && close(below.rejected, 0.1))
            let above = try single("hinge", pair(-1, -14))  // βΔ = 1.3
            #expect(above.loss == 0 && above.chosen == 0 && above.rejected == 0)
        }

        @Test func robustUnbiasesLabelFlips() throws {
            let eps = 0.1, z = 0.1 * 2.5
            let r = try single("robust", pair(-1.5, -4), LossOptions(labelSmoothing: eps))
            #expect(close(r.loss, (-(1 - eps) * logSigma(z) + eps * logSigma(-z)) / (1 - 2 * eps)))
            let slope = 0.1 * (-(1 - eps) * sigma(-z) - eps * sigma(z)) / (1 - 2 * eps)
            #expect(close(r.chosen, slope) && close(r.rejected, -slope))
            // ε = 0 is plain DPO.
            #expect(close(try single("robust", pair(-1.5, -4)).loss, -logSigma(z)))
        }

        @Test func exoPairIsAKLToTheSmoothedLabel() throws {
            let eps = 0.001, z = 0.1 * 2.5
            let r = try single("exo_pair", pair(-1.5, -4), LossOptions(labelSmoothing: eps))
            let qW = sigma(z), qL = sigma(-z)
            #expect(close(r.loss, qW * (log(qW) - log(1 - eps)) + qL * (log(qL) - log(eps))))
            let slope = 0.1 * qW * qL * (z - log(1 - eps) + log(eps))
            #expect(close(r.chosen, slope) && close(r.rejected, -slope))
        }

        @Test func ncaAndBcoScoreEachCompletionOnItsOwn() throws {
            let u = 0.1 * -1.5, v = 0.1 * -4.0
            let nca = try single("nca_pair", pair(-1.5, -4))
            #expect(close(nca.loss, -logSigma(u) - 0.5 * logSigma(-u) - 0.5 * logSigma(-v)))
            #expect(close(nca.chosen, 0.1 * (-sigma(-u) + 0.5 * sigma(u))) && close(nca.rejected, 0.05 * sigma(v)))
            let bco = try single("bco_pair", pair(-1.5, -4))
            #expect(close(bco.loss, -logSigma(u) - logSigma(-v)))
            #expect(close(bco.chosen, -0.1 * sigma(-u)) && close(bco.rejected, 0.1 * sigma(v)))
        }

        @Test func sppoHardPullsEachRatioToPlusMinusOneOverTwoBeta() throws {
            let r = try single("sppo_hard", pair(-1.5, -4))
            #expect(close(r.loss, pow(-1.5 - 5, 2) + pow(-4.0 + 5, 2)))
            #expect(close(r.chosen, 2 * (-6.5)) && close(r.rejected, 2 * 1.0))
            #expect(close(try single("sppo_hard", pair(5, -5)).loss, 0))
        }

        @Test func apoZeroAndApoDown() throws {
            let u = 0.1 * -1.5, v = 0.1 * -4.0, z = 0.1 * 2.5
            let zero = try single("apo_zero", pair(-1.5, -4))
            #expect(close(zero.loss, 1 - sigma(u) + sigma(v)))
            #expect(close(zero.chosen, -0.1 * sigma(u) * sigma(-u)) && close(zero.rejected, 0.1 * sigma(v) * sigma(-v)))
            let down = try single("apo_down", pair(-1.5, -4))
            #expect(close(down.loss, sigma(u) + 1 - sigma(z)))
            #expect(close(down.chosen, 0.1 * (sigma(u) * sigma(-u) - sigma(z) * sigma(-z))))
            #expect(close(down.rejected, 0.1 * sigma(z) * sigma(-z)))
        }

        @Test func simpoIsLengthNormalisedWithAMarginAndNoReference() throws {
            let beta = 2.0, gamma = 1.0
            // The reference must not matter.
            let p = PairLogprobs(policyChosen: -6, policyRejected: -20, referenceChosen: -100, referenceRejected: 7, chosenTokens: 4, rejectedTokens: 5)
            let z = beta * (-6.0 / 4 - -20.0 / 5) - gamma
            let r = try single("simpo", p, LossOptions(beta: beta, gamma: gamma))
            #expect(close(r.loss, -logSigma(z)))
            #expect(close(r.chosen, -beta * sigma(-z) / 4) && close(r.rejected, beta * sigma(-z) / 5))
            let eps = 0.1
            let smoothed = try single("simpo", p, LossOptions(beta: beta, labelSmoothing: eps, gamma: gamma))
            #expect(close(smoothed.loss, -(1 - eps) * logSigma(z) - eps * logSigma(-z)))
        }

        @Test func orpoIsWholeSequenceNLLMinusBetaLogSigmoidOfTheLogOdds() throws {
            let pairs = [
                PairLogprobs(policyChosen: -2, policyRejected: -6, chosenTokens: 4, rejectedTokens: 3, policyPrompt: -3, promptTokens: 2),
                PairLogprobs(policyChosen: -9, policyRejected: -4, chosenTokens: 3, rejectedTokens: 4, policyPrompt: -1, promptTokens: 1),
            ]
            func logOdds(_ x: Double) -> Double { x - log(1 - exp(x)) }
            let nll = (2.0 + 3 + 9 + 1) / (4.0 + 2 + 3 + 1)
            let o = [logOdds(-0.5) - logOdds(-2), logOdds(-3) - logOdds(-1)]
            let r = try PreferenceLoss("orpo").evaluate(pairs)
            for i in 0..<2 { #expect(close(r.losses[i], nll - 0.1 * logSigma(o[i]))) }
            #expect(close(r.loss, nll - 0.1 * (logSigma(o[0]) + logSigma(o[1])) / 2))
            // ∂/∂chosen: −1/T from the NLL, plus −(β/N)σ(−o)·(1 + 1/(e^{−x}−1))/n_w from the odds.
            let dOdds = -0.1 / 2 * sigma(-o[0]) * (1 + 1 / (exp(0.5) - 1)) / 4
            #expect(close(r.gradients[0].chosen, -1.0 / 10 + dOdds))
            #expect(close(r.gradients[0].prompt, -1.0 / 10))
            let dRejected = -0.1 / 2 * sigma(-o[0]) * (-1 - 1 / (exp(2.0) - 1)) / 3
            #expect(close(r.gradients[0].rejected, dRejected))
        }

        @Test func sftIsOneTokenMeanScalarForTheBatch() throws {
            let pairs = [pair(-3, -1, nW: 2), pair(-9, -2, nW: 4)]
            let r = try PreferenceLoss("sft").evaluate(pairs)
            #expect(r.losses == [2, 2] && r.loss == 2)
            #expect(r.gradients.allSatisfy { close($0.chosen, -1.0 / 6) && $0.rejected == 0 && $0.prompt == 0 })
        }

        @Test func weightedSumsAddPerPairAndTheBatchLossIsTheirMean() throws {
            let pairs = [pair(-1.5, -4, nW: 2), pair(-2, -1, nW: 3)]
            let r = try PreferenceLoss(["sigmoid", "sft"], weights: [1, 0.5]).evaluate(pairs)
            let nll = 3.5 / 5
            #expect(close(r.losses[0], -logSigma(0.25) + 0.5 * nll))
            #expect(close(r.losses[1], -logSigma(-0.1) + 0.5 * nll))
            #expect(close(r.loss, (r.losses[0] + r.losses[1]) / 2))
            // Per-pair term divided by N, the batch scalar's gradient whole.
            #expect(close(r.gradients[0].chosen, -0.1 * sigma(-0.25) / 2 + 0.5 * (-1.0 / 5)))
        }

        @Test func extremeMarginsStayFinite() throws {
            for name in PreferenceLoss.names {
                let options = LossOptions(labelSmoothing: name == "exo_pair" ? 0.001 : 0)
                for p in [pair(-1e4, -1, nW: 1), pair(-1, -1e4), PairLogprobs(policyChosen: -1e4, policyRejected: -1e-9, referenceChosen: 3e3)] {
                    let r = try PreferenceLoss(name, options: options).evaluate([p])
                    #expect(r.loss.isFinite && r.gradients[0].chosen.isFinite && r.gradients[0].rejected.isFinite, "\(name) \(p)")
                }
            }
        }

        @Test func namesListEveryLoss() {
            #expect(PreferenceLoss.names == ["sigmoid", "dpop", "ipo", "hinge", "robust", "exo_pair", "nca_pair", "bco_pair",
                                             "sppo_hard", "apo_zero", "apo_down", "simpo", "orpo", "sft"])
        }
    }
}

extension LossTests {
    @Suite struct Gradients {
        /// Every loss alone and some weighted mixes, with options that exercise smoothing and forms.
        struct Case: CustomTestStringConvertible {
            let names: [String]
            var weights: [Double]? = nil
            var options = LossOptions()
            var testDescription: String { "\(names) \(weights ?? []) \(options)" }
        }

        static let singles: [Case] = PreferenceLoss.names.map { name in
            Case(names: [name], options: LossOptions(labelSmoothing: name == "exo_pair" ? 0.001 : 0))
        }
        static let variants: [Case] = [
            Case(names: ["sigmoid"], options: LossOptions(beta: 0.5, labelSmoothing: 0.1)),
            Case(names: ["dpop"], options: LossOptions(dpopForm: .v1)),
            Case(names: ["dpop"], options: LossOptions(beta: 0.3, lambda: 5)),
            Case(names: ["ipo"], options: LossOptions(ipoAverage: false)),
            Case(names: ["robust"], options: LossOptions(labelSmoothing: 0.2)),
            Case(names: ["exo_pair"], options: LossOptions(beta: 0.3, labelSmoothing: 0.3)),
            Case(names: ["simpo"], options: LossOptions(beta: 2, labelSmoothing: 0.1, gamma: 1)),
            Case(names: ["sigmoid", "sft"], weights: [1, 0.5]),
            Case(names: ["dpop", "ipo", "sft"], weights: [1, 0.3, 0.2], options: LossOptions(beta: 0.3)),
            Case(names: ["orpo", "simpo"], weights: [1, 2]),
            Case(names: ["apo_zero", "apo_down", "nca_pair", "bco_pair", "sppo_hard", "robust", "hinge"],
                 weights: [0.5, 1, -0.25, 1, 0.01, 2, 1], options: LossOptions(labelSmoothing: 0.2)),
        ]

        /// Central differences of the batch loss in every pair's chosen, rejected and prompt log-prob.
        @Test(arguments: singles + variants)
        func gradientMatchesCentralDifferences(_ c: Case) throws {
            let loss = try PreferenceLoss(c.names, weights: c.weights, options: c.options)
            let result = try loss.evaluate(batch)
            let h = 1e-5
            for i in batch.indices {
                for field in 0..<3 {
                    func shifted(_ by: Double) throws -> Double {
                        var pairs = batch
                        switch field {
                        case 0: pairs[i].policyChosen += by
                        case 1: pairs[i].policyRejected += by
                        default: pairs[i].policyPrompt += by
                        }
                        return try loss.evaluate(pairs).loss
                    }
                    let numeric = (try shifted(h) - shifted(-h)) / (2 * h)
                    let g = result.gradients[i]
                    let analytic = [g.chosen, g.rejected, g.prompt][field]
                    #expect(abs(numeric - analytic) <= 1e-6 * max(1, abs(analytic)), "\(c.names) pair \(i) field \(field): \(analytic) vs \(numeric)")
                }
            }
        }

        /// ∂ℓ_i/∂pair j = δ_ij·pairGradients[i] + sharedGradients[j], checked on the per-pair losses.
        @Test(arguments: [["orpo"], ["sigmoid", "sft"], ["dpop"]])
        func perPairJacobianSplitsIntoOwnAndShared(_ names: [String]) throws {
            let loss = try PreferenceLoss(names)
            let result = try loss.evaluate(batch)
            let h = 1e-5
            for j in batch.indices {
                var up = batch, down = batch
                up[j].policyChosen += h
                down[j].policyChosen -= h
                let lossesUp = try loss.evaluate(up).losses, lossesDown = try loss.evaluate(down).losses
                for i in batch.indices {
                    let numeric = (lossesUp[i] - lossesDown[i]) / (2 * h)
                    let analytic = (i == j ? result.pairGradients[i].chosen : 0) + result.sharedGradients[j].chosen
                    #expect(abs(numeric - analytic) <= 1e-6 * max(1, abs(analytic)), "\(names) ∂ℓ\(i)/∂chosen\(j)")
                }
            }
        }
    }
}

extension LossTests {
    @Suite struct DPOPProperty {
        @Test(arguments: [DPOPForm.v3, .v1])
        func belowTheReferenceDPOPPushesChosenUpMoreThanDPO(_ form: DPOPForm) throws {
            for (rhoW, rhoL) in [(-2.0, -12.0), (-0.01, -0.5), (-30.0, -80.0), (-1.0, 5.0)] {
                let dpo = try single("sigmoid", pair(rhoW, rhoL))
                let dpop = try single("dpop", pair(rhoW, rhoL), LossOptions(dpopForm: form))
                // Gradient descent moves chosen by −gradient: more negative = a larger upward push.
                #expect(dpop.chosen < dpo.chosen, "ρ_w = \(rhoW)")
                #expect(dpop.loss > dpo.loss)
            }
        }

        @Test(arguments: [DPOPForm.v3, .v1])
        func atOrAboveTheReferenceDPOPIsDPO(_ form: DPOPForm) throws {
            for (rhoW, rhoL) in [(0.0, -3.0), (0.5, -12.0), (3.0, 7.0)] {
                let dpo = try single("sigmoid", pair(rhoW, rhoL))
                let dpop = try single("dpop", pair(rhoW, rhoL), LossOptions(dpopForm: form))
                #expect(dpop.loss == dpo.loss && dpop.chosen == dpo.chosen && dpop.rejected == dpo.rejected, "ρ_w = \(rhoW)")
            }
        }

        @Test func v1PushIsConstantWhileV3FadesAsThePairSaturates() throws {
            // A pair DPO has long since separated (βΔ = 20) but with the chosen answer displaced.
            let p = pair(-5, -205)
            let v1 = try single("dpop", p, LossOptions(dpopForm: .v1))
            let v3 = try single("dpop", p)
            #expect(abs(v1.chosen - -50) < 1e-6)  // −βσ(−20) − λ ≈ −λ
            // v3: z = 0.1·(200 − 250) = −5, not saturated: the penalty still bites, scaled by β(1+λ).
            #expect(close(v3.chosen, -0.1 * 51 * sigma(5)))
            // Once the margin also beats the penalty, v3's push fades.
            let far = try single("dpop", pair(-5, -1000))
            #expect(abs(far.chosen) < 1e-20)
        }

        @Test func unscaledInsidePenaltyIsV3WithLambdaTimesBeta() throws {
            // −log σ(βΔ − λ′·relu(−ρ_w)) with λ′ = β·λ is the v3 loss.
            let beta = 0.3, lambda = 50.0, lambdaPrime = beta * lambda
            let p = pair(-0.4, -9)
            let v3 = try single("dpop", p, LossOptions(beta: beta, lambda: lambda))
            #expect(close(v3.loss, -logSigma(beta * 8.6 - lambdaPrime * 0.4)))
        }
    }
}

extension LossTests {
    @Suite struct OptionErrors {
        private func place(_ body: () throws -> Void) -> String? {
            do { try body() } catch let error as PreferenceError { return error.place } catch { return "other: \(error)" }
            return nil
        }

        @Test func badNamesAndWeightsNameTheirOption() {
            #expect(place { _ = try PreferenceLoss("kto") } == "loss")
            #expect(place { _ = try PreferenceLoss([String]()) } == "loss")
            #expect(place { _ = try PreferenceLoss(["sigmoid", "sft"], weights: [1]) } == "weights")
            #expect(place { _ = try PreferenceLoss(["sigmoid"], weights: [.nan]) } == "weights")
            do {
                _ = try PreferenceLoss("kto_pair")
            } catch let error as PreferenceError {
                #expect(error.message.contains("kto_pair") && error.message.contains("sigmoid (or dpo), dpop"))
            } catch {}
        }

        @Test func dpoIsAnAliasOfSigmoidRecordedAsSigmoid() throws {
            #expect(try PreferenceLoss("dpo").kinds == [.sigmoid])
            #expect(try PreferenceLoss(["dpo", "sft"]).kinds == [.sigmoid, .sft])
            var settings = LossSettings()
            try settings.assign("loss", .text("dpo"))
            #expect(settings.values["loss"] == .texts(["sigmoid"]), "a run record stores the canonical name")
            #expect(try LossSettings(recorded: ["loss": .texts(["dpo", "ipo"])]).loss.names == ["sigmoid", "ipo"])
            #expect(PreferenceLoss.listing.hasPrefix("sigmoid (or dpo), dpop, ipo"))
        }

        @Test func badNumbersNameTheirOption() {
            #expect(place { _ = try PreferenceLoss("sigmoid", options: LossOptions(beta: 0)) } == "beta")
            #expect(place { _ = try PreferenceLoss("sigmoid", options: LossOptions(beta: -0.1)) } == "beta")
            #expect(place { _ = try PreferenceLoss("ipo", options: LossOptions(beta: .nan)) } == "beta")
            #expect(place { _ = try PreferenceLoss("dpop", options: LossOptions(lambda: -1)) } == "lambda")
            #expect(place { _ = try PreferenceLoss("simpo", options: LossOptions(gamma: .infinity)) } == "gamma")
            #expect(place { _ = try PreferenceLoss("sigmoid", options: LossOptions(labelSmoothing: 0.7)) } == "label_smoothing")
            #expect(place { _ = try PreferenceLoss("sigmoid", options: LossOptions(labelSmoothing: -0.1)) } == "label_smoothing")
            #expect(place { _ = try PreferenceLoss("robust", options: LossOptions(labelSmoothing: 0.5)) } == "label_smoothing")
            #expect(place { _ = try PreferenceLoss("exo_pair") } == "label_smoothing")
            #expect(place { _ = try PreferenceLoss(["sigmoid", "exo_pair"]) } == "label_smoothing")
            // ε = 0.5 is allowed where nothing divides by 1 − 2ε.
            #expect(place { _ = try PreferenceLoss("sigmoid", options: LossOptions(labelSmoothing: 0.5)) } == nil)
        }

        @Test func badPairsNameTheirField() throws {
            let dpo = try PreferenceLoss("sigmoid")
            #expect(place { _ = try dpo.evaluate([]) } == "pairs")
            #expect(place { _ = try dpo.evaluate([pair(.nan, -1)]) } == "policy_chosen")
            #expect(place { _ = try dpo.evaluate([PairLogprobs(policyChosen: -1, policyRejected: -2, referenceRejected: -.infinity)]) } == "ref_rejected")
            #expect(place { _ = try dpo.evaluate([pair(-1, -2, nL: -1)]) } == "rejected_tokens")
            let orpo = try PreferenceLoss("orpo")
            #expect(place { _ = try orpo.evaluate([pair(0, -2)]) } == "policy_chosen")
            #expect(place { _ = try orpo.evaluate([pair(-1, 0.5)]) } == "policy_rejected")
            #expect(place { _ = try PreferenceMetrics.compute([], loss: dpo) } == "pairs")
        }

        @Test func labelSmoothingIsIgnoredWhereTRLIgnoresIt() throws {
            for name in ["hinge", "ipo", "nca_pair", "bco_pair", "sppo_hard", "apo_zero", "apo_down", "dpop", "sft"] {
                let plain = try PreferenceLoss(name).evaluate(batch)
                let smoothed = try PreferenceLoss(name, options: LossOptions(labelSmoothing: 0.3)).evaluate(batch)
                #expect(plain == smoothed, "\(name)")
            }
        }
    }
}

extension LossTests {
    @Suite struct Metrics {
        private func dictionary(_ metrics: [(name: String, value: Double)]) -> [String: Double] {
            Dictionary(metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        }

        @Test func trlNamesInOrderWithHandComputedMeans() throws {
            let pairs = [
                PairLogprobs(policyChosen: -10, policyRejected: -20, referenceChosen: -9, referenceRejected: -15),  // ρ −1, −5
                PairLogprobs(policyChosen: -4, policyRejected: -6, referenceChosen: -5, referenceRejected: -5),     // ρ +1, −1
                PairLogprobs(policyChosen: -7, policyRejected: -7, referenceChosen: -7, referenceRejected: -7),     // tie: not accurate
            ]
            let metrics = try PreferenceMetrics.compute(pairs, loss: try PreferenceLoss("dpop", options: LossOptions(beta: 0.5)))
            #expect(metrics.map(\.name) == ["rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                                            "logps/chosen", "logps/rejected", "logps/chosen_delta", "logps/rejected_delta"])
            let m = dictionary(metrics)
            // β = 0.5: r_w = 0.5·(−1, 1, 0), r_l = 0.5·(−5, −1, 0); margins 0.5·(4, 2, 0).
            #expect(close(m["rewards/chosen", default: .nan], 0))
            #expect(close(m["rewards/rejected", default: .nan], -1.0))
            #expect(close(m["rewards/accuracies", default: .nan], 2.0 / 3))
            #expect(close(m["rewards/margins", default: .nan], 1.0))
            #expect(close(m["logps/chosen", default: .nan], -21.0 / 3) && close(m["logps/rejected", default: .nan], -33.0 / 3))
            #expect(close(m["logps/chosen_delta", default: .nan], 0) && close(m["logps/rejected_delta", default: .nan], -2))
        }

        @Test func referenceFreeLossesLogLengthAveragedRewards() throws {
            let pairs = [PairLogprobs(policyChosen: -6, policyRejected: -20, referenceChosen: -4, referenceRejected: -10, chosenTokens: 3, rejectedTokens: 4)]
            let m = dictionary(try PreferenceMetrics.compute(pairs, loss: try PreferenceLoss(["simpo", "sft"])))
            #expect(close(m["rewards/chosen", default: .nan], 0.1 * -2) && close(m["rewards/rejected", default: .nan], 0.1 * -5))
            #expect(close(m["logps/chosen", default: .nan], -2) && close(m["logps/rejected", default: .nan], -5))
            #expect(close(m["logps/chosen_delta", default: .nan], -2) && close(m["logps/rejected_delta", default: .nan], -10))
            #expect(m["rewards/accuracies"] == 1)
            // Mixed with a reference-based loss, the rewards are β·ρ again.
            let mixed = dictionary(try PreferenceMetrics.compute(pairs, loss: try PreferenceLoss(["simpo", "sigmoid"])))
            #expect(close(mixed["rewards/chosen", default: .nan], 0.1 * -2) && close(mixed["rewards/rejected", default: .nan], 0.1 * -10))
        }

        @Test func orpoAddsItsOddsMetrics() throws {
            let pairs = [PairLogprobs(policyChosen: -2, policyRejected: -6, chosenTokens: 4, rejectedTokens: 3, policyPrompt: -3, promptTokens: 2)]
            let metrics = try PreferenceMetrics.compute(pairs, loss: try PreferenceLoss("orpo"))
            #expect(metrics.suffix(3).map(\.name) == ["nll_loss", "log_odds_ratio", "log_odds_chosen"])
            let o = (-0.5 - log(1 - exp(-0.5))) - (-2 - log(1 - exp(-2.0)))
            let m = dictionary(metrics)
            #expect(close(m["nll_loss", default: .nan], 5.0 / 6) && close(m["log_odds_chosen", default: .nan], o) && close(m["log_odds_ratio", default: .nan], logSigma(o)))
        }
    }
}

/// Values and gradients against torch autograd on TRL's formulas (scripts/fixtures/losses.py).
extension LossTests {
    @Suite struct TorchFixture {
        struct Fixture: Decodable {
            struct Pair: Decodable {
                let policy_chosen, policy_rejected, ref_chosen, ref_rejected, prompt_logps: Double
                let chosen_tokens, rejected_tokens, prompt_tokens: Int
            }
            struct Options: Decodable {
                let beta, lambda, label_smoothing, gamma: Double
                let ipo_average: Bool
                let form: String
            }
            struct Case: Decodable {
                let loss: [String]
                let weights: [Double]
                let options: Options
                let losses: [Double]
                let batch_loss: Double
                let gradients: [[Double]]
            }
            let pairs: [Pair]
            let cases: [Case]
        }

        static let fixture: Fixture? = {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/losses.json")
            return (try? Data(contentsOf: url)).flatMap { try? JSONDecoder().decode(Fixture.self, from: $0) }
        }()

        @Test func fixtureIsPresent() {
            #expect((Self.fixture?.cases.count ?? 0) >= 20)
        }

        @Test(arguments: 0..<(fixture?.cases.count ?? 0))
        func matchesTorch(_ index: Int) throws {
            guard let fixture = Self.fixture else { return }
            let c = fixture.cases[index]
            let pairs = fixture.pairs.map {
                PairLogprobs(policyChosen: $0.policy_chosen, policyRejected: $0.policy_rejected, referenceChosen: $0.ref_chosen,
                             referenceRejected: $0.ref_rejected, chosenTokens: $0.chosen_tokens, rejectedTokens: $0.rejected_tokens,
                             policyPrompt: $0.prompt_logps, promptTokens: $0.prompt_tokens)
            }
            let o = c.options
            let options = LossOptions(beta: o.beta, lambda: o.lambda, labelSmoothing: o.label_smoothing, gamma: o.gamma,
                                      ipoAverage: o.ipo_average, dpopForm: try #require(DPOPForm(rawValue: o.form)))
            let result = try PreferenceLoss(c.loss, weights: c.weights, options: options).evaluate(pairs)
            #expect(close(result.loss, c.batch_loss, 1e-12), "\(c.loss)")
            for i in pairs.indices {
                #expect(close(result.losses[i], c.losses[i], 1e-12), "\(c.loss) pair \(i)")
                let g = result.gradients[i]
                #expect(close(g.chosen, c.gradients[i][0], 1e-12) && close(g.rejected, c.gradients[i][1], 1e-12)
                        && close(g.prompt, c.gradients[i][2], 1e-12), "\(c.loss) pair \(i): \(g) vs \(c.gradients[i])")
            }
        }
    }
}
