import Foundation
import Tensor

/// Rotary position embedding applied in place to [B·T, heads·d] blocks, with transformers'
/// rotate_half convention (dimension i pairs with i + d/2). Backward is the inverse rotation.
struct Rotary {
    let length: Int
    let headDim: Int
    /// cos and sin of position × frequency: [T, d/2].
    private let cos: [Float]
    private let sin: [Float]

    init(length: Int, headDim: Int, inverseFrequencies: [Double]) {
        self.length = length
        self.headDim = headDim
        var cos = [Float](), sin = [Float]()
        cos.reserveCapacity(length * headDim / 2)
        sin.reserveCapacity(length * headDim / 2)
        for position in 0..<length {
            for frequency in inverseFrequencies {
                let angle = Double(position) * frequency
                cos.append(Float(Foundation.cos(angle)))
                sin.append(Float(Foundation.sin(angle)))
            }
        }
        self.cos = cos
        self.sin = sin
    }

    /// Rotates every head of every row by its position (forward: +angle; inverse: −angle): row r
    /// is at position (start + r) mod `length`, so a decoding step's rows continue its cache.
    func apply(_ x: UnsafeMutablePointer<Float>, rows: Int, heads: Int, stride: Int, inverse: Bool = false, from start: Int = 0) {
        let half = headDim / 2
        let sign: Float = inverse ? -1 : 1
        cos.withUnsafeBufferPointer { cosTable in
            sin.withUnsafeBufferPointer { sinTable in
                guard let cosBase = cosTable.baseAddress, let sinBase = sinTable.baseAddress else { return }
                Parallel.forEachRange(rows, cost: heads * headDim * 2) { range in
                    for row in range {
                        let position = (start + row) % length
                        let (c, s) = (cosBase + position * half, sinBase + position * half)
                        for head in 0..<heads {
                            let x1 = x + row * stride + head * headDim, x2 = x1 + half
                            for i in 0..<half {
                                let (a, b) = (x1[i], x2[i])
                                x1[i] = a * c[i] - sign * b * s[i]
                                x2[i] = b * c[i] + sign * a * s[i]
                            }
                        }
                    }
                }
            }
        }
    }
}
