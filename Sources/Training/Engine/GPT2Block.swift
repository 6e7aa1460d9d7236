import Base
import Foundation
import Tensor

/// GPT-2's block: LayerNorm → fused qkv (Conv1D) → causal attention → c_proj + residual →
/// LayerNorm → c_fc, gelu_new, c_proj + residual.
extension Pass {
    func gpt2Block(_ index: Int, output: UnsafeMutablePointer<Float>, random: inout RandomGenerator?) {
        let s = saved[index]
        let (n, h, f) = (rows, c.hiddenSize, c.intermediateSize)
        let p = "h.\(index)."
        norm.layerForward(s.input, rows: n, weight: weight(p + "ln_1.weight"), bias: weight(p + "ln_1.bias"),
                          into: s.normed1, mean: s.mean1, rstd: s.rstd1)                                   // [N, H]
        projection(index, "attn.c_attn").forward(s.normed1, rows: n, into: s.qkv, buffers: s.adapters["attn.c_attn"], random: &random)  // [N, 3H]
        attention.forward(q: .init(base: s.qkv, stride: 3 * h), k: .init(base: s.qkv + h, stride: 3 * h),
                          v: .init(base: s.qkv + 2 * h, stride: 3 * h), y: .init(base: s.attended, stride: h),
                          probabilities: s.probabilities)                                                  // [N, H]
        s.middle.update(from: s.input, count: n * h)
        projection(index, "attn.c_proj").forward(s.attended, rows: n, into: s.middle, accumulate: true,
                                                 buffers: s.adapters["attn.c_proj"], random: &random)     // [N, H]
        norm.layerForward(s.middle, rows: n, weight: weight(p + "ln_2.weight"), bias: weight(p + "ln_2.bias"),
                          into: s.normed2, mean: s.mean2, rstd: s.rstd2)
        projection(index, "mlp.c_fc").forward(s.normed2, rows: n, into: s.hidden1, buffers: s.adapters["mlp.c_fc"], random: &random)  // [N, F]
        Activations.geluForward(s.hidden1, into: s.activated, count: n * f)
        output.update(from: s.middle, count: n * h)
        projection(index, "mlp.c_proj").forward(s.activated, rows: n, into: output, accumulate: true,
                                                buffers: s.adapters["mlp.c_proj"], random: &random)       // [N, H]
    }

    /// On entry `streamGradient` holds ∂L/∂(block output); on exit ∂L/∂(block input).
    func gpt2BlockBackward(_ index: Int) {
        let s = saved[index]
        let (n, h, f) = (rows, c.hiddenSize, c.intermediateSize)
        let p = "h.\(index)."
        let (dActivated, dHidden) = (hiddenGradient[0], hiddenGradient[1])
        projection(index, "mlp.c_proj").backward(streamGradient, input: s.activated, rows: n, dx: dActivated, accumulate: false,
                                                 buffers: s.adapters["mlp.c_proj"])
        Activations.geluBackward(dActivated, s.hidden1, into: dHidden, count: n * f)
        projection(index, "mlp.c_fc").backward(dHidden, input: s.normed2, rows: n, dx: normedGradient, accumulate: false,
                                               buffers: s.adapters["mlp.c_fc"])
        norm.layerBackward(normedGradient, s.middle, rows: n, weight: weight(p + "ln_2.weight"), mean: s.mean2, rstd: s.rstd2,
                           dx: streamGradient, dw: gradient(p + "ln_2.weight"), db: gradient(p + "ln_2.bias"))

        projection(index, "attn.c_proj").backward(streamGradient, input: s.attended, rows: n, dx: attendedGradient,
                                                  accumulate: false, buffers: s.adapters["attn.c_proj"])
        attention.backward(dy: .init(base: attendedGradient, stride: h), q: .init(base: s.qkv, stride: 3 * h),
                           k: .init(base: s.qkv + h, stride: 3 * h), v: .init(base: s.qkv + 2 * h, stride: 3 * h),
                           probabilities: s.probabilities, dq: .init(base: qkvGradient, stride: 3 * h),
                           dk: .init(base: qkvGradient + h, stride: 3 * h), dv: .init(base: qkvGradient + 2 * h, stride: 3 * h), scratch: attentionScratch)
        projection(index, "attn.c_attn").backward(qkvGradient, input: s.normed1, rows: n, dx: normedGradient, accumulate: false,
                                                  buffers: s.adapters["attn.c_attn"])
        norm.layerBackward(normedGradient, s.input, rows: n, weight: weight(p + "ln_1.weight"), mean: s.mean1, rstd: s.rstd1,
                           dx: streamGradient, dw: gradient(p + "ln_1.weight"), db: gradient(p + "ln_1.bias"))
    }
}
