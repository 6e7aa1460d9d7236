import Base
import Foundation
import Tensor

/// The Llama-family block (Llama, Mistral, Qwen2): RMSNorm → q, k, v (RoPE) → causal GQA
/// attention → o_proj + residual → RMSNorm → SwiGLU MLP + residual.
extension Pass {
    func llamaBlock(_ index: Int, output: UnsafeMutablePointer<Float>, random: inout RandomGenerator?) {
        let s = saved[index]
        let (n, h, f) = (rows, c.hiddenSize, c.intermediateSize)
        let p = "model.layers.\(index)."
        norm.rmsForward(s.input, rows: n, weight: weight(p + "input_layernorm.weight"), into: s.normed1, rstd: s.rstd1)  // [N, H]
        let (qs, ks, vs) = (s.qkv, s.qkv + q, s.qkv + q + kv)                                   // [N, Q], [N, K], [N, K] in one row
        projection(index, "self_attn.q_proj").forward(s.normed1, rows: n, into: qs, ldy: qkvWidth, buffers: s.adapters["self_attn.q_proj"], random: &random)
        projection(index, "self_attn.k_proj").forward(s.normed1, rows: n, into: ks, ldy: qkvWidth, buffers: s.adapters["self_attn.k_proj"], random: &random)
        projection(index, "self_attn.v_proj").forward(s.normed1, rows: n, into: vs, ldy: qkvWidth, buffers: s.adapters["self_attn.v_proj"], random: &random)
        rotary?.apply(qs, rows: n, heads: c.heads, stride: qkvWidth)
        rotary?.apply(ks, rows: n, heads: c.kvHeads, stride: qkvWidth)
        attention.forward(q: .init(base: qs, stride: qkvWidth), k: .init(base: ks, stride: qkvWidth), v: .init(base: vs, stride: qkvWidth),
                          y: .init(base: s.attended, stride: q), probabilities: s.probabilities)  // [N, Q]
        s.middle.update(from: s.input, count: n * h)
        projection(index, "self_attn.o_proj").forward(s.attended, rows: n, into: s.middle, accumulate: true,
                                                      buffers: s.adapters["self_attn.o_proj"], random: &random)  // [N, H]
        norm.rmsForward(s.middle, rows: n, weight: weight(p + "post_attention_layernorm.weight"), into: s.normed2, rstd: s.rstd2)
        projection(index, "mlp.gate_proj").forward(s.normed2, rows: n, into: s.hidden1, buffers: s.adapters["mlp.gate_proj"], random: &random)  // [N, F]
        projection(index, "mlp.up_proj").forward(s.normed2, rows: n, into: s.hidden2, buffers: s.adapters["mlp.up_proj"], random: &random)      // [N, F]
        Activations.swigluForward(gate: s.hidden1, up: s.hidden2, into: s.activated, count: n * f)
        output.update(from: s.middle, count: n * h)
        projection(index, "mlp.down_proj").forward(s.activated, rows: n, into: output, accumulate: true,
                                                   buffers: s.adapters["mlp.down_proj"], random: &random)  // [N, H]
    }

    /// On entry `streamGradient` holds ∂L/∂(block output); on exit ∂L/∂(block input).
    func llamaBlockBackward(_ index: Int) {
        let s = saved[index]
        let (n, f) = (rows, c.intermediateSize)
        let p = "model.layers.\(index)."
        let (dh, dgate, dup) = (hiddenGradient[0], hiddenGradient[1], hiddenGradient[2])
        projection(index, "mlp.down_proj").backward(streamGradient, input: s.activated, rows: n, dx: dh, accumulate: false,
                                                    buffers: s.adapters["mlp.down_proj"])
        Activations.swigluBackward(dh, gate: s.hidden1, up: s.hidden2, dgate: dgate, dup: dup, count: n * f)
        projection(index, "mlp.gate_proj").backward(dgate, input: s.normed2, rows: n, dx: normedGradient, accumulate: false,
                                                    buffers: s.adapters["mlp.gate_proj"])
        projection(index, "mlp.up_proj").backward(dup, input: s.normed2, rows: n, dx: normedGradient, accumulate: true,
                                                  buffers: s.adapters["mlp.up_proj"])
        norm.rmsBackward(normedGradient, s.middle, rows: n, weight: weight(p + "post_attention_layernorm.weight"), rstd: s.rstd2,
                         dx: streamGradient, dw: optionalGradient(p + "post_attention_layernorm.weight"))

        projection(index, "self_attn.o_proj").backward(streamGradient, input: s.attended, rows: n, dx: attendedGradient,
                                                       accumulate: false, buffers: s.adapters["self_attn.o_proj"])
        let (qs, ks, vs) = (s.qkv, s.qkv + q, s.qkv + q + kv)
        let (dq, dk, dv) = (qkvGradient, qkvGradient + q, qkvGradient + q + kv)
        attention.backward(dy: .init(base: attendedGradient, stride: q), q: .init(base: qs, stride: qkvWidth),
                           k: .init(base: ks, stride: qkvWidth), v: .init(base: vs, stride: qkvWidth), probabilities: s.probabilities,
                           dq: .init(base: dq, stride: qkvWidth), dk: .init(base: dk, stride: qkvWidth), dv: .init(base: dv, stride: qkvWidth), scratch: attentionScratch)
        rotary?.apply(dq, rows: n, heads: c.heads, stride: qkvWidth, inverse: true)
        rotary?.apply(dk, rows: n, heads: c.kvHeads, stride: qkvWidth, inverse: true)
        projection(index, "self_attn.q_proj").backward(dq, input: s.normed1, rows: n, ldy: qkvWidth, dx: normedGradient,
                                                       accumulate: false, buffers: s.adapters["self_attn.q_proj"])
        projection(index, "self_attn.k_proj").backward(dk, input: s.normed1, rows: n, ldy: qkvWidth, dx: normedGradient,
                                                       accumulate: true, buffers: s.adapters["self_attn.k_proj"])
        projection(index, "self_attn.v_proj").backward(dv, input: s.normed1, rows: n, ldy: qkvWidth, dx: normedGradient,
                                                       accumulate: true, buffers: s.adapters["self_attn.v_proj"])
        norm.rmsBackward(normedGradient, s.input, rows: n, weight: weight(p + "input_layernorm.weight"), rstd: s.rstd1,
                         dx: streamGradient, dw: optionalGradient(p + "input_layernorm.weight"))
    }
}
