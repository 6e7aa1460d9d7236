import Base
import Foundation
import Models
import Tensor

/// The Llama-family block (Llama, Mistral, Qwen2): RMSNorm → q, k, v (RoPE) → causal GQA
/// attention → o_proj + residual → RMSNorm → SwiGLU MLP + residual.
struct LlamaLayer: EngineLayer {
    var q, k, v, o, gate, up, down: Projection
    let inputNorm, postNorm: RMSNormWeights

    init(layer: Int, binder: inout WeightBinder) throws {
        let names = LlamaLayerNames(layer: layer)
        q = try binder.projection(names.q)
        k = try binder.projection(names.k)
        v = try binder.projection(names.v)
        o = try binder.projection(names.o)
        gate = try binder.projection(names.gate)
        up = try binder.projection(names.up)
        down = try binder.projection(names.down)
        inputNorm = try binder.rmsNorm(names.inputNorm)
        postNorm = try binder.rmsNorm(names.postNorm)
    }

    static var projections: [WritableKeyPath<LlamaLayer, Projection>] { [\.q, \.k, \.v, \.o, \.gate, \.up, \.down] }

    func forward(_ s: Pass.Saved, output: UnsafeMutablePointer<Float>, in pass: Pass, random: inout RandomGenerator?) {
        let (n, h, f) = (pass.rows, pass.c.hiddenSize, pass.c.intermediateSize)
        let width = pass.qkvWidth
        pass.norm.rmsForward(s.input, rows: n, weight: inputNorm.weight, into: s.normed1, rstd: s.rstd1)  // [N, H]
        let (qs, ks, vs) = (s.qkv, s.qkv + pass.q, s.qkv + pass.q + pass.kv)                      // [N, Q], [N, K], [N, K] in one row
        q.forward(s.normed1, rows: n, into: qs, ldy: width, random: &random)
        k.forward(s.normed1, rows: n, into: ks, ldy: width, random: &random)
        v.forward(s.normed1, rows: n, into: vs, ldy: width, random: &random)
        pass.rotary?.apply(qs, rows: n, heads: pass.c.heads, stride: width)
        pass.rotary?.apply(ks, rows: n, heads: pass.c.kvHeads, stride: width)
        pass.attention.forward(q: .init(base: qs, stride: width), k: .init(base: ks, stride: width), v: .init(base: vs, stride: width),
                               y: .init(base: s.attended, stride: pass.q), probabilities: s.probabilities)  // [N, Q]
        s.middle.update(from: s.input, count: n * h)
        o.forward(s.attended, rows: n, into: s.middle, accumulate: true, random: &random)               // [N, H]
        pass.norm.rmsForward(s.middle, rows: n, weight: postNorm.weight, into: s.normed2, rstd: s.rstd2)
        gate.forward(s.normed2, rows: n, into: s.hidden1, random: &random)                               // [N, F]
        up.forward(s.normed2, rows: n, into: s.hidden2, random: &random)                                 // [N, F]
        Activations.swigluForward(gate: s.hidden1, up: s.hidden2, into: s.activated, count: n * f)
        output.update(from: s.middle, count: n * h)
        down.forward(s.activated, rows: n, into: output, accumulate: true, random: &random)             // [N, H]
    }

    func backward(_ s: Pass.Saved, in pass: Pass) {
        let (n, f) = (pass.rows, pass.c.intermediateSize)
        let (width, stream, normed) = (pass.qkvWidth, pass.streamGradient, pass.normedGradient)
        let (dh, dgate, dup) = (pass.hiddenGradient[0], pass.hiddenGradient[1], pass.hiddenGradient[2])
        down.backward(stream, input: s.activated, rows: n, dx: dh, accumulate: false)
        Activations.swigluBackward(dh, gate: s.hidden1, up: s.hidden2, dgate: dgate, dup: dup, count: n * f)
        gate.backward(dgate, input: s.normed2, rows: n, dx: normed, accumulate: false)
        up.backward(dup, input: s.normed2, rows: n, dx: normed, accumulate: true)
        pass.norm.rmsBackward(normed, s.middle, rows: n, weight: postNorm.weight, rstd: s.rstd2, dx: stream, dw: postNorm.gradient)

        o.backward(stream, input: s.attended, rows: n, dx: pass.attendedGradient, accumulate: false)
        let (qs, ks, vs) = (s.qkv, s.qkv + pass.q, s.qkv + pass.q + pass.kv)
        let (dq, dk, dv) = (pass.qkvGradient, pass.qkvGradient + pass.q, pass.qkvGradient + pass.q + pass.kv)
        pass.attention.backward(dy: .init(base: pass.attendedGradient, stride: pass.q), q: .init(base: qs, stride: width),
                                k: .init(base: ks, stride: width), v: .init(base: vs, stride: width), probabilities: s.probabilities,
                                dq: .init(base: dq, stride: width), dk: .init(base: dk, stride: width), dv: .init(base: dv, stride: width),
                                scratch: pass.attentionScratch)
        pass.rotary?.apply(dq, rows: n, heads: pass.c.heads, stride: width, inverse: true)
        pass.rotary?.apply(dk, rows: n, heads: pass.c.kvHeads, stride: width, inverse: true)
        q.backward(dq, input: s.normed1, rows: n, ldy: width, dx: normed, accumulate: false)
        k.backward(dk, input: s.normed1, rows: n, ldy: width, dx: normed, accumulate: true)
        v.backward(dv, input: s.normed1, rows: n, ldy: width, dx: normed, accumulate: true)
        pass.norm.rmsBackward(normed, s.input, rows: n, weight: inputNorm.weight, rstd: s.rstd1, dx: stream, dw: inputNorm.gradient)
    }
}
