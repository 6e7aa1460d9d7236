/// Batches of examples in a seeded order that can be saved and resumed.
///
/// Each epoch visits every example once, in a permutation fixed by (seed, epoch). `next()` takes
/// examples in that order and runs on into the next epoch's permutation when one ends, so a batch
/// may hold the last examples of one epoch and the first of the next. The `position` alone is
/// enough to continue: restoring it rebuilds that epoch's order and yields the same batches.
public struct DataLoader: Sendable {
    /// The rows the loader draws from, after packing or truncation to `seqLen + 1` tokens.
    public let examples: [TrainingExample]
    public let batchSize: Int
    public let seqLen: Int
    public let seed: UInt64
    public let mode: BatchMode
    /// Examples left out because, once cut to `seqLen + 1` tokens, none of their tokens is in the
    /// loss (e.g. a prompt longer than the window).
    public let droppedCount: Int
    /// Tokens in the loss over one epoch.
    public let lossTokensPerEpoch: Int
    /// Tokens in the source data, before packing or truncation.
    public let tokenCount: Int

    public private(set) var position: DataPosition
    private var order: [Int]

    /// - Parameters:
    ///   - batch: examples per batch, at most the number of examples.
    ///   - seqLen: positions per row; rows hold `seqLen + 1` tokens for next-token targets.
    ///   - mode: how examples become rows; the data format's default when nil.
    public init(data: TrainingData, batch: Int, seqLen: Int, seed: UInt64, mode: BatchMode? = nil) throws {
        guard seqLen >= 1 else { throw TrainingError("seq_len", "must be at least 1, not \(seqLen)") }
        guard batch >= 1 else { throw TrainingError("batch", "must be at least 1, not \(batch)") }
        let mode = mode ?? data.defaultMode
        let rows = mode == .packing ? Packing.pack(data.examples, length: seqLen) : Packing.pad(data.examples, length: seqLen)
        let kept = rows.filter { $0.lossTokenCount > 0 }
        guard !kept.isEmpty else {
            throw TrainingError(data.source, data.examples.isEmpty ? "has no examples"
                : "no example has a token in the loss within seq_len \(seqLen) (prompts too long, or examples of one token)")
        }
        guard batch <= kept.count else {
            throw TrainingError("batch", "\(batch) is larger than the \(kept.count) example\(kept.count == 1 ? "" : "s") of \(data.source)"
                + (mode == .packing ? " (windows of \(seqLen + 1) tokens)" : ""))
        }
        examples = kept
        batchSize = batch
        self.seqLen = seqLen
        self.seed = seed
        self.mode = mode
        droppedCount = rows.count - kept.count
        lossTokensPerEpoch = kept.reduce(0) { $0 + $1.lossTokenCount }
        tokenCount = data.tokenCount
        position = DataPosition()
        order = Shuffle.permutation(count: kept.count, seed: seed, epoch: 0)
    }

    /// The next `batchSize` examples in order, as rows of `seqLen` positions.
    public mutating func next() -> TrainingBatch {
        var chosen: [TrainingExample] = []
        chosen.reserveCapacity(batchSize)
        for _ in 0..<batchSize {
            chosen.append(examples[order[position.index]])
            position.index += 1
            if position.index == examples.count {
                // Start the next epoch now, so the saved position is never "one past the end".
                position = DataPosition(epoch: position.epoch + 1, index: 0)
                order = Shuffle.permutation(count: examples.count, seed: seed, epoch: position.epoch)
            }
        }
        return TrainingBatch(chosen, length: seqLen)
    }

    /// Continue from `position` (as read from `position` earlier, e.g. through a checkpoint).
    public mutating func restore(_ position: DataPosition) throws {
        guard position.epoch >= 0 else { throw TrainingError("data position", "epoch \(position.epoch) is negative") }
        guard position.index >= 0, position.index < examples.count else {
            throw TrainingError("data position", "index \(position.index) is outside this data's \(examples.count) examples")
        }
        if position.epoch != self.position.epoch {
            order = Shuffle.permutation(count: examples.count, seed: seed, epoch: position.epoch)
        }
        self.position = position
    }

    /// Rows per epoch.
    public var exampleCount: Int { examples.count }
    /// Epochs so far, with the fraction of the current one: 2.5 is halfway through the third.
    public var epochsCompleted: Double { Double(position.epoch) + Double(position.index) / Double(examples.count) }
    /// Batches in one epoch's worth of examples, rounded up.
    public var batchesPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }
}
