import Foundation
import Testing
@testable import Training

/// The chunked LM head and log-softmax against the same computation written out in Double,
/// for chunks that hold every row, divide the rows, or do not; with padding rows (no target)
/// and rows whose gradient is 0, which the kernel packs away.
struct TokenLogprobsTests {
    static let (rows, hidden, vocabulary) = (10, 6, 37)

    @Test(arguments: [10, 12, 5, 3, 1])
    func chunkedForwardAndBackwardMatchTheWholeComputation(chunkRows: Int) {
        let (n, h, v) = (Self.rows, Self.hidden, Self.vocabulary)
        func value(_ i: Int, _ salt: Int) -> Float { Float((i * 7919 + salt * 104_729) % 2001) / 1000 - 1 }
        let x = (0..<(n * h)).map { value($0, 1) }
        var weight = (0..<(v * h)).map { value($0, 2) }
        let targets: [Int32] = [3, -1, 36, 0, 7, 7, -1, 20, 11, 5]
        let g: [Float] = [0.5, 0, -1, 0, 2, 0.25, 0, -0.75, 1, 0]

        // Double reference: logits = x·Wᵀ; logprob = logit[target] − lse; dlogits = g·(onehot − softmax).
        var expectedLogprobs = [Double](repeating: 0, count: n)
        var expectedDx = [Double](repeating: 0, count: n * h)
        var expectedDw = [Double](repeating: 0.5, count: v * h)
        for r in 0..<n where targets[r] >= 0 {
            let logits = (0..<v).map { j in (0..<h).reduce(0.0) { $0 + Double(x[r * h + $1]) * Double(weight[j * h + $1]) } }
            let top = logits.max()!
            let lse = top + log(logits.reduce(0.0) { $0 + exp($1 - top) })
            expectedLogprobs[r] = logits[Int(targets[r])] - lse
            for j in 0..<v {
                let d = Double(g[r]) * ((j == Int(targets[r]) ? 1 : 0) - exp(logits[j] - lse))
                for k in 0..<h {
                    expectedDx[r * h + k] += d * Double(weight[j * h + k])
                    expectedDw[j * h + k] += d * Double(x[r * h + k])
                }
            }
        }

        let kernelRows = TokenLogprobs.chunkRows(rows: n, vocabulary: v)
        #expect(kernelRows == n)
        let workspace = Workspace(batch: 1, length: n)
        var weightGradient = [Float](repeating: 0.5, count: v * h)
        let (logprobs, dx) = weight.withUnsafeMutableBufferPointer { w in
            weightGradient.withUnsafeMutableBufferPointer { dw in
                let head = Projection(linear: Linear(inputs: h, outputs: v, layout: .outIn), weight: w.baseAddress!, bias: nil,
                                      weightGradient: dw.baseAddress!, biasGradient: nil, adapter: nil)
                let kernel = TokenLogprobs(head: head, chunkRows: chunkRows)
                let buffers = TokenLogprobs.Buffers(logits: workspace.take(chunkRows * v), packedInput: workspace.take(chunkRows * h),
                                                    packedGradient: workspace.take(chunkRows * h), rows: workspace.takeIndices(n))
                let (lse, logprobs, dx) = (workspace.take(n), workspace.take(n), workspace.take(n * h))
                dx.update(repeating: .nan, count: n * h)
                kernel.forward(x, rows: n, targets: targets, buffers: buffers, logsumexp: lse, logprobs: logprobs)
                kernel.backward(x, rows: n, targets: targets, logsumexp: lse, gradients: g, buffers: buffers, dx: dx)
                return (Array(UnsafeBufferPointer(start: logprobs, count: n)), Array(UnsafeBufferPointer(start: dx, count: n * h)))
            }
        }
        func close(_ a: [Float], _ b: [Double]) -> Bool {
            zip(a, b).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, abs($1)) }
        }
        #expect(close(logprobs, expectedLogprobs))
        #expect(close(dx, expectedDx))
        #expect(close(weightGradient, expectedDw))
    }
}
