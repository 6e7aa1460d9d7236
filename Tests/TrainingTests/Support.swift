import Base
import Foundation
import Models
import Tensor
@testable import Training

/// The Models tests' fixture models (tiny random transformers saved by transformers).
let modelFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/models").path

/// This target's fixtures (made by scripts/fixtures/*.py).
let trainingFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

/// Seeded token rows and next-token targets with a few positions left out of the loss.
func sampleBatch(batch: Int, length: Int, vocabulary: Int, seed: UInt64) -> (inputs: [Int32], targets: [Int32]) {
    var random = RandomGenerator(seed: seed)
    let ids = (0..<(batch * (length + 1))).map { _ in Int32(random.next() % UInt64(vocabulary)) }
    var inputs: [Int32] = [], targets: [Int32] = []
    for b in 0..<batch {
        let row = ids[(b * (length + 1))..<((b + 1) * (length + 1))]
        inputs += row.dropLast()
        targets += row.dropFirst()
    }
    targets[1] = -1
    targets[targets.count - 2] = -1
    return (inputs, targets)
}

/// Mean cross-entropy over scored positions, and its gradient with respect to each log-prob.
func crossEntropy(_ logprobs: [Float], _ targets: [Int32]) -> (loss: Double, gradients: [Float]) {
    let scored = targets.filter { $0 >= 0 }.count
    let loss = zip(logprobs, targets).reduce(0.0) { $1.1 >= 0 ? $0 - Double($1.0) : $0 } / Double(scored)
    return (loss, targets.map { $0 >= 0 ? -1 / Float(scored) : 0 })
}
