import Foundation
import Tensor

/// log p(target) from a [n, V] block of logits, and its gradient written over the logits.
///
/// The forward keeps only log Σ exp per row; the backward turns each row of logits into
/// ∂L/∂logits = g · (onehot(target) − softmax) in place, so one [tokens × vocab] buffer serves
/// both passes.
struct TokenLogprobs {
    let vocabulary: Int

    /// logprob[row] = logits[row, target] − logsumexp(logits[row]); 0 where target < 0.
    func forward(_ logits: UnsafePointer<Float>, rows n: Int, targets: UnsafePointer<Int32>,
                 logsumexp: UnsafeMutablePointer<Float>, logprobs: UnsafeMutablePointer<Float>) {
        let v = vocabulary
        Parallel.forEachRange(n, cost: v * 2) { rows in
            for row in rows {
                let target = Int(targets[row])
                guard target >= 0 else {
                    logsumexp[row] = 0
                    logprobs[row] = 0
                    continue
                }
                let lr = logits + row * v
                var maximum = SIMD8<Float>(repeating: -.infinity)
                var i = 0
                while i + 8 <= v {
                    maximum = VectorMath.max(maximum, VectorMath.load(lr + i))
                    i += 8
                }
                var top = maximum.max()
                while i < v { top = Swift.max(top, lr[i]); i += 1 }
                var sum = SIMD8<Float>.zero
                i = 0
                while i + 8 <= v {
                    sum += VectorMath.expOfNonPositive(VectorMath.load(lr + i) - top)
                    i += 8
                }
                var total = sum.sum()
                while i < v { total += Foundation.exp(lr[i] - top); i += 1 }
                let lse = top + Foundation.log(total)
                logsumexp[row] = lse
                logprobs[row] = lr[target] - lse
            }
        }
    }

    /// logits[row] ← g[row] · (onehot(target) − softmax(logits[row])); rows with target < 0 or g = 0 become 0.
    func backward(_ logits: UnsafeMutablePointer<Float>, rows n: Int, targets: UnsafePointer<Int32>,
                  logsumexp: UnsafePointer<Float>, gradients g: UnsafePointer<Float>) {
        let v = vocabulary
        Parallel.forEachRange(n, cost: v * 2) { rows in
            for row in rows {
                let lr = logits + row * v
                let target = Int(targets[row])
                let scale = g[row]
                guard target >= 0, scale != 0 else {
                    memset(lr, 0, v * MemoryLayout<Float>.stride)
                    continue
                }
                let lse = logsumexp[row]
                var i = 0
                while i + 8 <= v {
                    VectorMath.store(-scale * VectorMath.exp(VectorMath.load(lr + i) - lse), lr + i)
                    i += 8
                }
                while i < v { lr[i] = -scale * Foundation.exp(lr[i] - lse); i += 1 }
                lr[target] += scale
            }
        }
    }
}
