import Base
import Foundation
import Models
import Tensor

/// GPT-2's block: LayerNorm → fused qkv (Conv1D) → causal attention → c_proj + residual →
/// LayerNorm → c_fc, gelu_new, c_proj + residual.
struct GPT2Layer: EngineLayer {
    var attention, attentionOutput, fc, mlpOutput: Projection
    let ln1, ln2: LayerNormWeights

    init(layer: Int, binder: inout WeightBinder) throws {
        let names = GPT2LayerNames(layer: layer)
        attention = try binder.projection(names.attention)
        attentionOutput = try binder.projection(names.attentionOutput)
        fc = try binder.projection(names.fc)
        mlpOutput = try binder.projection(names.mlpOutput)
        ln1 = try binder.layerNorm(names.ln1)
        ln2 = try binder.layerNorm(names.ln2)
    }

    static var projections: [WritableKeyPath<GPT2Layer, Projection>] { [\.attention, \.attentionOutput, \.fc, \.mlpOutput] }

    func forward(_ s: Pass.Saved, output: UnsafeMutablePointer<Float>, in pass: Pass, random: inout RandomGenerator?) {
        let (n, h, f) = (pass.rows, pass.c.hiddenSize, pass.c.intermediateSize)
        pass.norm.layerForward(s.input, rows: n, weight: ln1.weight, bias: ln1.bias, into: s.normed1, mean: s.mean1, rstd: s.rstd1)  // [N, H]
        attention.forward(s.normed1, rows: n, into: s.qkv, random: &random)                                                      // [N, 3H]
        pass.attention.forward(q: .init(base: s.qkv, stride: 3 * h), k: .init(base: s.qkv + h, stride: 3 * h),
                               v: .init(base: s.qkv + 2 * h, stride: 3 * h), y: .init(base: s.attended, stride: h),
                               probabilities: s.probabilities)                                                                   // [N, H]
        s.middle.update(from: s.input, count: n * h)
        attentionOutput.forward(s.attended, rows: n, into: s.middle, accumulate: true, random: &random)                         // [N, H]
        pass.norm.layerForward(s.middle, rows: n, weight: ln2.weight, bias: ln2.bias, into: s.normed2, mean: s.mean2, rstd: s.rstd2)
        fc.forward(s.normed2, rows: n, into: s.hidden1, random: &random)                                                         // [N, F]
        Activations.geluForward(s.hidden1, into: s.activated, count: n * f)
        output.update(from: s.middle, count: n * h)
        mlpOutput.forward(s.activated, rows: n, into: output, accumulate: true, random: &random)                                 // [N, H]
    }

    /// Under LoRA the norms stay frozen: their gradients go to `pass.discard`.
    func backward(_ s: Pass.Saved, in pass: Pass) {
        let (n, h, f) = (pass.rows, pass.c.hiddenSize, pass.c.intermediateSize)
        let (stream, normed, discard) = (pass.streamGradient, pass.normedGradient, pass.discard)
        let (dActivated, dHidden) = (pass.hiddenGradient[0], pass.hiddenGradient[1])
        mlpOutput.backward(stream, input: s.activated, rows: n, dx: dActivated, accumulate: false)
        Activations.geluBackward(dActivated, s.hidden1, into: dHidden, count: n * f)
        fc.backward(dHidden, input: s.normed2, rows: n, dx: normed, accumulate: false)
        pass.norm.layerBackward(normed, s.middle, rows: n, weight: ln2.weight, mean: s.mean2, rstd: s.rstd2,
                                dx: stream, dw: ln2.weightGradient ?? discard, db: ln2.biasGradient ?? discard)

        attentionOutput.backward(stream, input: s.attended, rows: n, dx: pass.attendedGradient, accumulate: false)
        let dqkv = pass.qkvGradient
        pass.attention.backward(dy: .init(base: pass.attendedGradient, stride: h), q: .init(base: s.qkv, stride: 3 * h),
                                k: .init(base: s.qkv + h, stride: 3 * h), v: .init(base: s.qkv + 2 * h, stride: 3 * h),
                                probabilities: s.probabilities, dq: .init(base: dqkv, stride: 3 * h),
                                dk: .init(base: dqkv + h, stride: 3 * h), dv: .init(base: dqkv + 2 * h, stride: 3 * h),
                                scratch: pass.attentionScratch)
        attention.backward(dqkv, input: s.normed1, rows: n, dx: normed, accumulate: false)
        pass.norm.layerBackward(normed, s.input, rows: n, weight: ln1.weight, mean: s.mean1, rstd: s.rstd1,
                                dx: stream, dw: ln1.weightGradient ?? discard, db: ln1.biasGradient ?? discard)
    }
}
