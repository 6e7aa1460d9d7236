/// Where a `DataLoader` is: the epoch, and how many examples of that epoch's order it has used.
/// Saved with a checkpoint so a resumed run sees exactly the batches it would have seen.
public struct DataPosition: Codable, Equatable, Hashable, Sendable {
    public var epoch: Int
    /// Examples of this epoch already used; always less than the number of examples.
    public var index: Int

    public init(epoch: Int = 0, index: Int = 0) {
        self.epoch = epoch
        self.index = index
    }
}
