import Distributed

/// The paper's per-token probe: how much each completion token's log-prob moved from the
/// reference, averaged before, at and after the first position where chosen and rejected differ.
/// DPO's failure mode shows as chosen tokens at and after that position falling below zero.
struct ProbeAccumulator {
    private var sums = [Double](repeating: 0, count: 6)
    private var counts = [Int](repeating: 0, count: 6)

    /// Adds one completion's token log-probs (policy and reference, same positions).
    mutating func add(policy: [Float], reference: [Float], firstDifference: Int, chosen: Bool) {
        for t in 0..<min(policy.count, reference.count) {
            let group = (chosen ? 0 : 3) + (t < firstDifference ? 0 : t == firstDifference ? 1 : 2)
            sums[group] += Double(policy[t]) - Double(reference[t])
            counts[group] += 1
        }
    }

    /// The sums and counts of every rank's completions together: each rank adds its shard's
    /// pairs, and the figures are the whole batch's.
    func summed(over world: World) -> ProbeAccumulator {
        let totals = world.sum(sums + counts.map(Double.init))
        var whole = ProbeAccumulator()
        whole.sums = Array(totals[..<sums.count])
        whole.counts = totals[sums.count...].map { Int($0) }
        return whole
    }

    /// probe/{chosen,rejected}_{before,at,after}: mean change of token log-probs (0 when no token falls there).
    var figures: [(name: String, value: Double)] {
        let names = ["probe/chosen_before", "probe/chosen_at", "probe/chosen_after",
                     "probe/rejected_before", "probe/rejected_at", "probe/rejected_after"]
        return names.indices.map { (names[$0], counts[$0] > 0 ? sums[$0] / Double(counts[$0]) : 0) }
    }
}
