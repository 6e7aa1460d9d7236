import Foundation
import Testing
@testable import Training

/// The blocked causal attention against the same computation written out in Double, over
/// rows that span several query blocks (the last one partial), with and without a sliding
/// window, and with two query heads per key/value head.
struct AttentionTests {
    @Test(arguments: [nil, 30] as [Int?])
    func blockedForwardAndBackwardMatchTheWholeComputation(window: Int?) {
        let (t, d, heads, kvHeads) = (Attention.tile * 2 + 9, 4, 2, 1)
        let attention = Attention(batch: 1, length: t, heads: heads, kvHeads: kvHeads, headDim: d, window: window)
        let width = (heads + 2 * kvHeads) * d
        func value(_ i: Int, _ salt: Int) -> Float { Float((i * 7919 + salt * 104_729) % 2001) / 1000 - 1 }
        var qkv = (0..<(t * width)).map { value($0, 1) }
        var dy = (0..<(t * heads * d)).map { value($0, 2) }
        var y = [Float](repeating: .nan, count: t * heads * d)
        var dqkv = [Float](repeating: .nan, count: t * width)
        var probabilities = [Float](repeating: 0, count: attention.probabilityCount)
        var scratch = [Float](repeating: .nan, count: attention.scratchCount)
        qkv.withUnsafeMutableBufferPointer { x in
            let base = x.baseAddress!
            let (q, k, v) = (Attention.Operand(base: base, stride: width), Attention.Operand(base: base + heads * d, stride: width),
                             Attention.Operand(base: base + (heads + kvHeads) * d, stride: width))
            y.withUnsafeMutableBufferPointer { y in
                attention.forward(q: q, k: k, v: v, y: .init(base: y.baseAddress!, stride: heads * d), probabilities: &probabilities)
            }
            dy.withUnsafeMutableBufferPointer { dy in
                dqkv.withUnsafeMutableBufferPointer { dx in
                    let g = dx.baseAddress!
                    attention.backward(dy: .init(base: dy.baseAddress!, stride: heads * d), q: q, k: k, v: v, probabilities: probabilities,
                                       dq: .init(base: g, stride: width), dk: .init(base: g + heads * d, stride: width),
                                       dv: .init(base: g + (heads + kvHeads) * d, stride: width), scratch: &scratch)
                }
            }
        }

        var expectedY = [Double](repeating: 0, count: t * heads * d)
        var expectedDx = [Double](repeating: 0, count: t * width)
        let scale = 1 / Double(d).squareRoot()
        func at(_ row: Int, _ column: Int) -> Double { Double(qkv[row * width + column]) }
        for h in 0..<heads {
            let (qc, kc, vc) = (h * d, heads * d, (heads + kvHeads) * d)
            for i in 0..<t {
                let keys = Array((window.map { max(0, i - $0 + 1) } ?? 0)...i)
                let scores = keys.map { s in (0..<d).reduce(0.0) { $0 + at(i, qc + $1) * at(s, kc + $1) } * scale }
                let top = scores.max()!
                let e = scores.map { exp($0 - top) }
                let p = e.map { $0 / e.reduce(0, +) }
                for (n, s) in keys.enumerated() {
                    for c in 0..<d { expectedY[i * heads * d + h * d + c] += p[n] * at(s, vc + c) }
                }
                // dP = dy·vᵀ, dS = P ⊙ (dP − Σ P·dP), dq = dS·k·scale, dk += dSᵀ·q·scale, dv += Pᵀ·dy.
                let dyRow = (0..<d).map { Double(dy[i * heads * d + h * d + $0]) }
                let dp = keys.map { s in (0..<d).reduce(0.0) { $0 + dyRow[$1] * at(s, vc + $1) } }
                let inner = zip(p, dp).reduce(0.0) { $0 + $1.0 * $1.1 }
                for (n, s) in keys.enumerated() {
                    let ds = p[n] * (dp[n] - inner) * scale
                    for c in 0..<d {
                        expectedDx[i * width + qc + c] += ds * at(s, kc + c)
                        expectedDx[s * width + kc + c] += ds * at(i, qc + c)
                        expectedDx[s * width + vc + c] += p[n] * dyRow[c]
                    }
                }
            }
        }
        func worst(_ a: [Float], _ b: [Double]) -> Double { zip(a, b).map { abs(Double($0) - $1) }.max() ?? .infinity }
        #expect(worst(y, expectedY) < 1e-5)
        #expect(worst(dqkv, expectedDx) < 1e-4)
    }
}
