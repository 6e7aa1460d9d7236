/// `batch` rows of `length` positions, flattened row-major, ready for a next-token loss.
///
/// Row r holds an example's `ids[0..<T]` as inputs and `ids[1...T]` as targets, so the logits at
/// position t are scored against the token at t + 1. Short examples are right-padded: inputs with
/// `padId` (0) and targets with `ignoredTarget` (−1). Under a causal mask a real token only attends
/// to earlier positions, and right padding only ever comes later, so no attention mask is needed:
/// padded positions change nothing but their own (ignored) logits.
public struct TrainingBatch: Equatable, Sendable {
    /// The target of a position that is not in the loss (padding, prompt tokens).
    public static let ignoredTarget: Int32 = -1
    /// The input id written into padding positions; it is never a target.
    public static let padId: Int32 = 0

    public let inputs: [Int32]
    public let targets: [Int32]
    public let batch: Int
    public let length: Int

    /// `examples` laid out in rows of `length` positions; tokens beyond `length + 1` are cut off.
    public init(_ examples: [TrainingExample], length: Int) {
        let length = max(length, 0)
        var inputs = [Int32](repeating: Self.padId, count: examples.count * length)
        var targets = [Int32](repeating: Self.ignoredTarget, count: examples.count * length)
        var inputTokens = 0
        for (row, example) in examples.enumerated() {
            let base = row * length
            let used = min(example.ids.count, length + 1)
            inputTokens += min(used, length)
            for t in 0..<min(used, length) { inputs[base + t] = example.ids[t] }
            // Target t is token t + 1, when it exists and counts.
            if used >= 2 {
                for t in 0..<(used - 1) where example.inLoss[t + 1] { targets[base + t] = example.ids[t + 1] }
            }
        }
        self.inputs = inputs
        self.targets = targets
        self.batch = examples.count
        self.length = length
        self.inputTokens = inputTokens
    }

    /// Positions whose target is in the loss: the loss is a sum over these, divided by this count.
    public var tokenCount: Int { targets.reduce(0) { $1 >= 0 ? $0 + 1 : $0 } }
    /// Positions holding a real token, which the forward pass reads: `batch × length` when
    /// packing; with padding, each example's tokens within the row, prompt included.
    public let inputTokens: Int
}
