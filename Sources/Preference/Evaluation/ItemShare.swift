import Distributed
import Training

/// The items one rank of a `World` evaluates, and how the ranks' results become the single
/// process's: `eval_mc`, `eval_gsm8k`, `contamination` and `exact_match` each take the same
/// evaluated items a single process would (after the limit or the seeded shuffle), and each rank
/// takes a contiguous block of them (`Shard`), whole steps at a time.
///
/// Evaluations that score a step of items in one batch (multiple choice, exact match) split
/// between steps: padding a batch to its longest row changes its other rows' sums in the last
/// bits, so a rank forms exactly the batches a single process forms, and the figures are the
/// same bit for bit. Every rank gathers every rank's results, so each returns the whole record.
public struct ItemShare {
    /// This rank's positions among the evaluated items.
    public let positions: Range<Int>
    /// Items scored together; the rank's steps are those of a single process.
    let itemsPerStep: Int
    let world = World.current

    /// This rank's share of `count` evaluated items, split in steps of `itemsPerStep`.
    public init(count: Int, itemsPerStep: Int = 1) {
        let steps = (count + itemsPerStep - 1) / itemsPerStep
        let mine = Shard(world).rows(of: steps)
        positions = min(count, mine.lowerBound * itemsPerStep)..<min(count, mine.upperBound * itemsPerStep)
        self.itemsPerStep = itemsPerStep
    }

    /// This rank's positions, a step at a time.
    var steps: [Range<Int>] {
        stride(from: positions.lowerBound, to: positions.upperBound, by: itemsPerStep).map {
            $0..<min($0 + itemsPerStep, positions.upperBound)
        }
    }

    /// Every rank's `results`, in item order, and whether any rank stopped early. Every rank
    /// calls it, stopped or not, so none waits for ever: a rank stopped by a signal has the
    /// results of the start of its block, and the others carry on to the end of theirs.
    func gather<Result: Codable>(_ results: [Result], interrupted: Bool) throws -> (results: [Result], interrupted: Bool) {
        let interrupted = world.agreeToStop(interrupted)
        return (try world.gather(results), interrupted)
    }
}

/// An evaluation's result, which a stop request on any rank cuts short on every rank.
public protocol InterruptibleResult {
    /// Whether a rank stopped before the end of its share.
    var interrupted: Bool { get }
}

extension MultipleChoiceEvaluation.Result: InterruptibleResult {}
extension GSM8KEvaluation.Result: InterruptibleResult {}
extension Contamination.Result: InterruptibleResult {}
extension ExactMatch.Outcome: InterruptibleResult {}
