/// One sequence to train on: token ids and, for each position, whether that token is a target.
///
/// `inLoss[i]` says whether the model is scored on predicting `ids[i]` from the tokens before it.
/// A per-token mask rather than a single "loss starts here" index, because packing can put a
/// prompt-completion example's prompt in the middle of a window.
public struct TrainingExample: Equatable, Sendable {
    public let ids: [Int32]
    /// Same length as `ids`. `inLoss[0]` only matters once examples are packed into a stream,
    /// where the first token of one example is predicted from the end of the previous one.
    public let inLoss: [Bool]

    /// An example whose tokens from `lossStart` on are targets (0: all of them).
    public init(ids: [Int32], lossStart: Int = 0) {
        self.ids = ids
        self.inLoss = ids.indices.map { $0 >= lossStart }
    }

    /// An example with an explicit mask; a mask of the wrong length is cut or extended with `false`
    /// so that a mismatch can only drop tokens from the loss, never index out of range.
    public init(ids: [Int32], inLoss: [Bool]) {
        self.ids = ids
        if inLoss.count == ids.count {
            self.inLoss = inLoss
        } else {
            self.inLoss = Array(inLoss.prefix(ids.count)) + Array(repeating: false, count: max(0, ids.count - inLoss.count))
        }
    }

    /// Positions that are scored when the example stands alone (position 0 has nothing before it).
    public var lossTokenCount: Int { inLoss.dropFirst().reduce(0) { $1 ? $0 + 1 : $0 } }
}
