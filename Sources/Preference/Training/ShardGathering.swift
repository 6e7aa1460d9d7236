import Distributed

/// How the ranks of a data-parallel preference run put their shards together. Each rank scores
/// a contiguous block of pairs; the losses are not all sums over pairs (AOT sorts the batch, BCO
/// keeps a running mean, the metrics are means), so every rank gathers every pair's figures in
/// rank order, which is the single-process order, and computes the loss over the whole batch.
extension World {
    /// Every rank's pairs, in rank order.
    func gather(_ pairs: [PairLogprobs]) -> [PairLogprobs] {
        let figures = gather(pairs.flatMap(\.figures))
        return stride(from: 0, to: figures.count, by: PairLogprobs.figureCount).map {
            PairLogprobs(figures: figures[$0 ..< $0 + PairLogprobs.figureCount])
        }
    }

    /// Every rank's reference log-probs, in rank order: the reference of all the pairs when each
    /// rank computed its block of them.
    func gather(_ reference: ReferenceLogprobs) -> ReferenceLogprobs {
        func tokens(_ lists: [[Float]]) -> [[Float]] {
            let values = gather(lists.flatMap { $0 })
            let lengths = gather(lists.map { Double($0.count) })
            var start = 0
            return lengths.map { length in
                defer { start += Int(length) }
                return Array(values[start ..< start + Int(length)])
            }
        }
        return ReferenceLogprobs(chosen: gather(reference.chosen), rejected: gather(reference.rejected),
                                 chosenTokens: tokens(reference.chosenTokens), rejectedTokens: tokens(reference.rejectedTokens))
    }
}

extension PairLogprobs {
    /// Every field as a Double (the token counts exactly), in one order for `figures` and `init(figures:)`.
    static let figureCount = 8

    var figures: [Double] {
        [policyChosen, policyRejected, referenceChosen, referenceRejected, Double(chosenTokens), Double(rejectedTokens),
         policyPrompt, Double(promptTokens)]
    }

    init(figures f: ArraySlice<Double>) {
        let i = f.startIndex
        self.init(policyChosen: f[i], policyRejected: f[i + 1], referenceChosen: f[i + 2], referenceRejected: f[i + 3],
                  chosenTokens: Int(f[i + 4]), rejectedTokens: Int(f[i + 5]), policyPrompt: f[i + 6], promptTokens: Int(f[i + 7]))
    }
}
