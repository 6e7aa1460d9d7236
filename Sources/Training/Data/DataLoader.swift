import Base

/// Batches of examples in the seeded, resumable order of an `EpochSampler`.
public struct DataLoader: Sendable {
    /// The rows the loader draws from, after packing or truncation to `seqLen + 1` tokens.
    public let examples: [TrainingExample]
    public let batchSize: Int
    public let seqLen: Int
    public let mode: BatchMode
    /// Examples left out because, once cut to `seqLen + 1` tokens, none of their tokens is in the
    /// loss (e.g. a prompt longer than the window).
    public let droppedCount: Int
    /// Tokens in the loss over one epoch.
    public let lossTokensPerEpoch: Int
    /// Tokens in the source data, before packing or truncation.
    public let tokenCount: Int

    private var sampler: EpochSampler

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
        self.mode = mode
        droppedCount = rows.count - kept.count
        lossTokensPerEpoch = kept.reduce(0) { $0 + $1.lossTokenCount }
        tokenCount = data.tokenCount
        sampler = EpochSampler(count: kept.count, seed: seed)
    }

    /// The next `batchSize` examples in order, as rows of `seqLen` positions.
    public mutating func next() -> TrainingBatch { next(.whole).part }

    /// The next batch, whole (every rank draws it, so every rank knows the tokens in its loss),
    /// and of it the rows `shard` trains on.
    public mutating func next(_ shard: Shard) -> (whole: TrainingBatch, part: TrainingBatch) {
        let chosen = sampler.next(batchSize).map { examples[$0] }
        let whole = TrainingBatch(chosen, length: seqLen)
        return (whole, shard == .whole ? whole : TrainingBatch(Array(chosen[shard.rows(of: chosen.count)]), length: seqLen))
    }

    public var position: DataPosition { sampler.position }

    /// Continue from `position` (as read from `position` earlier, e.g. through a checkpoint).
    public mutating func restore(_ position: DataPosition) throws {
        try sampler.restore(position, items: "examples")
    }

    /// Rows per epoch.
    public var exampleCount: Int { examples.count }
    /// Epochs so far, with the fraction of the current one: 2.5 is halfway through the third.
    public var epochsCompleted: Double { sampler.epochsCompleted }
    /// Batches in one epoch's worth of examples, rounded up.
    public var batchesPerEpoch: Int { (examples.count + batchSize - 1) / batchSize }
}
