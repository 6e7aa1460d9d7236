import Foundation
import Tensor

/// The MLP non-linearities, forward and backward, eight lanes at a time.
enum Activations {
    typealias Vector = SIMD8<Float>

    /// h = silu(gate) · up, element-wise over `count` values (Llama's SwiGLU).
    static func swigluForward(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, into h: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count / 8 + 1, cost: 16) { blocks in
            for block in blocks {
                let i = block * 8
                if i + 8 <= count {
                    let g = VectorMath.load(gate + i)
                    VectorMath.store(g * VectorMath.sigmoid(g) * VectorMath.load(up + i), h + i)
                } else {
                    for j in i..<count { h[j] = gate[j] / (1 + Foundation.exp(-gate[j])) * up[j] }
                }
            }
        }
    }

    /// dgate = dh · up · silu′(gate), dup = dh · silu(gate), written over `gate`'s and `up`'s
    /// gradients; silu′(g) = s(1 + g(1 − s)) with s = sigmoid(g).
    static func swigluBackward(_ dh: UnsafePointer<Float>, gate: UnsafePointer<Float>, up: UnsafePointer<Float>,
                               dgate: UnsafeMutablePointer<Float>, dup: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count / 8 + 1, cost: 24) { blocks in
            for block in blocks {
                let i = block * 8
                if i + 8 <= count {
                    let g = VectorMath.load(gate + i), d = VectorMath.load(dh + i)
                    let s = VectorMath.sigmoid(g)
                    VectorMath.store(d * VectorMath.load(up + i) * s * (1 + g * (1 - s)), dgate + i)
                    VectorMath.store(d * g * s, dup + i)
                } else {
                    for j in i..<count {
                        let s = 1 / (1 + Foundation.exp(-gate[j]))
                        dgate[j] = dh[j] * up[j] * s * (1 + gate[j] * (1 - s))
                        dup[j] = dh[j] * gate[j] * s
                    }
                }
            }
        }
    }

    /// y = gelu_tanh(x) (GPT-2's gelu_new).
    static func geluForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count / 8 + 1, cost: 16) { blocks in
            for block in blocks {
                let i = block * 8
                if i + 8 <= count {
                    VectorMath.store(VectorMath.geluTanh(VectorMath.load(x + i)), y + i)
                } else {
                    for j in i..<count { y[j] = geluTanh(x[j]) }
                }
            }
        }
    }

    /// dx = dy · gelu_tanh′(x), with gelu_tanh(x) = x·σ(2u), u = √(2/π)(x + 0.044715x³).
    static func geluBackward(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, count: Int) {
        Parallel.forEachRange(count / 8 + 1, cost: 24) { blocks in
            for block in blocks {
                let i = block * 8
                if i + 8 <= count {
                    let v = VectorMath.load(x + i)
                    let u = 0.79788456080286536 * v.addingProduct(0.044715 * v * v, v)
                    let s = VectorMath.sigmoid(2 * u)
                    let du = 0.79788456080286536 * (1 + 3 * 0.044715 * v * v)
                    VectorMath.store(VectorMath.load(dy + i) * (s + v * 2 * du * s * (1 - s)), dx + i)
                } else {
                    for j in i..<count {
                        let v = x[j]
                        let u = 0.79788456080286536 * (v + 0.044715 * v * v * v)
                        let s = 1 / (1 + Foundation.exp(-2 * u))
                        let du = 0.79788456080286536 * (1 + 3 * 0.044715 * v * v)
                        dx[j] = dy[j] * (s + v * 2 * du * s * (1 - s))
                    }
                }
            }
        }
    }

    private static func geluTanh(_ x: Float) -> Float {
        x / (1 + Foundation.exp(-2 * 0.79788456080286536 * (x + 0.044715 * x * x * x)))
    }
}
