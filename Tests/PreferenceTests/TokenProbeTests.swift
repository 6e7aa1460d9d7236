import Foundation
import Models
import Testing
import Training
@testable import Preference

struct TokenProbeTests {
    @Test func alignsEachPairAtItsFirstDifference() {
        let probe = TokenProbe(chosen: [[1, 2, 3, 4], [5, 6]], rejected: [[0, 0, 0, 0], [0, 0]], firstDifferences: [2, 0])
        let rows = probe.aligned(probe.chosen, window: 1)
        #expect(rows[0] == [2, 3, 4])
        #expect(rows[1][0].isNaN && rows[1][1] == 5 && rows[1][2] == 6)
        let summary = probe.summary(probe.chosen)
        #expect(summary.before == 1.5 && summary.at == 4 && summary.after == 5)
    }

    @Test func theStartingWeightsMeasureNoChangeAndTrainingDoes() throws {
        let policy = try PreferenceObjectiveTests.model()
        let pairs = PreferenceObjectiveTests.pairs()
        let engine = try TrainableModel(model: policy)
        let reference = try ReferenceLogprobs.compute(engine, pairs: pairs, length: 10, batch: 2)
        let before = try TokenProbe.measure(engine, pairs: pairs, reference: reference, length: 10, batch: 4)  // other batch shapes round differently
        #expect(before.chosen.allSatisfy { $0.allSatisfy { abs($0) < 1e-5 } })
        #expect(before.chosen.map(\.count) == pairs.map { $0.chosen.count })
        engine.weights.values[3] += 0.3
        let after = try TokenProbe.measure(engine, pairs: pairs, reference: reference, length: 10, batch: 4)
        #expect(after.chosen.contains { $0.contains { abs($0) > 1e-3 } })
    }
}
