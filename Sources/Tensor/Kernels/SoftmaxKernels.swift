import Foundation

/// Row-wise softmax and log-softmax over contiguous rows.
///
/// A row is read once from memory: the max, the exponentials and the normalisation all run
/// while it is in cache.
enum SoftmaxKernels {
    typealias Vector = SIMD8<Float>

    static func softmax(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, rows: Int, length: Int, log: Bool) {
        Parallel.forEachRange(rows, cost: length * 4) { range in
            for row in range {
                let x = input + row * length
                let y = output + row * length
                let peak = ReductionKernels.foldBlock(x, length: length, initial: -.infinity, { VectorMath.max($0, $1) },
                                                      horizontal: { $0.max() })
                // An all −∞ row has no finite peak; shifting by 0 keeps it from becoming NaN.
                let shift = peak.isFinite ? peak : 0
                let splat = Vector(repeating: shift)
                var total = Vector(repeating: 0)
                var i = 0
                while i + 8 <= length {
                    let e = VectorMath.expOfNonPositive(VectorMath.load(x + i) - splat)
                    total += e
                    if !log { VectorMath.store(e, y + i) }
                    i += 8
                }
                var tailTotal: Float = 0
                while i < length {
                    let e = VectorMath.expOfNonPositive(Vector(repeating: x[i] - shift))[0]
                    tailTotal += e
                    if !log { y[i] = e }
                    i += 1
                }
                let sum = total.sum() + tailTotal
                if log {
                    let offset = Vector(repeating: shift + logf(sum))
                    i = 0
                    while i + 8 <= length {
                        VectorMath.store(VectorMath.load(x + i) - offset, y + i)
                        i += 8
                    }
                    while i < length {
                        y[i] = x[i] - offset[0]
                        i += 1
                    }
                } else {
                    let scale = Vector(repeating: 1 / sum)
                    i = 0
                    while i + 8 <= length {
                        VectorMath.store(VectorMath.load(y + i) * scale, y + i)
                        i += 8
                    }
                    while i < length {
                        y[i] *= scale[0]
                        i += 1
                    }
                }
            }
        }
    }
}
