import Distributed

/// One rank's part of every global batch in data-parallel training: a contiguous block of rows,
/// so that the blocks of all ranks, in rank order, are exactly the single-process batch and a
/// run keeps its global batch, data order and hyperparameters whatever the number of ranks.
public struct Shard: Sendable, Equatable {
    public let index: Int
    public let count: Int

    /// The whole batch: a single process.
    public static let whole = Shard(index: 0, count: 1)

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// This process's shard among the ranks of `world`.
    public init(_ world: World) { self.init(index: world.rank, count: world.size) }

    /// This shard's rows of a batch of `rows`: shard i of n takes [i·rows/n, (i+1)·rows/n), so
    /// the blocks differ in size by at most one row.
    public func rows(of rows: Int) -> Range<Int> { index * rows / count ..< (index + 1) * rows / count }

    /// This shard's part of a figure every shard computed whole (a loss that is no sum over rows),
    /// so that the parts sum over the shards to the figure: all of it on the first shard, none
    /// on the others.
    public func part(ofWhole figure: Double) -> Double { index == 0 ? figure : 0 }
}
