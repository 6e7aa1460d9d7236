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
        let reference = try ReferenceLogprobs.compute(try InferenceModel(engine: engine), pairs: pairs, length: 10, batch: 2)
        let before = try TokenProbe.measure(engine, pairs: pairs, reference: reference, length: 10, batch: 4)  // other batch shapes round differently
        #expect(before.chosen.allSatisfy { $0.allSatisfy { abs($0) < 1e-5 } })
        #expect(before.chosen.map(\.count) == pairs.map { $0.chosen.count })
        engine.weights.values[3] += 0.3
        let after = try TokenProbe.measure(engine, pairs: pairs, reference: reference, length: 10, batch: 4)
        #expect(after.chosen.contains { $0.contains { abs($0) > 1e-3 } })
    }
}

struct ProbeAccumulatorTests {
    @Test func groupsTokensBeforeAtAndAfterTheFirstDifference() {
        var probe = ProbeAccumulator()
        probe.add(policy: [-1, -2, -3, -4], reference: [-1, -1, -1, -1], firstDifference: 1, chosen: true)
        probe.add(policy: [0, 0], reference: [-1, -3], firstDifference: 0, chosen: false)
        let figures = Dictionary(uniqueKeysWithValues: probe.figures.map { ($0.name, $0.value) })
        #expect(figures["probe/chosen_before"] == 0 && figures["probe/chosen_at"] == -1 && figures["probe/chosen_after"] == -2.5)
        #expect(figures["probe/rejected_before"] == 0 && figures["probe/rejected_at"] == 1 && figures["probe/rejected_after"] == 3)
    }
}

@Suite(.serialized) struct ReferenceCacheTests {
    @Test func aSecondRunFindsTheReferenceLogprobsInTheCache() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        let cache = base + "/cache"
        var options = TrainingOptions()
        options.batch = 2
        options.seqLen = 10
        let pairs = PreferenceObjectiveTests.pairs()
        let engine = try TrainableModel(model: try PreferenceObjectiveTests.model())
        for run in ["a", "b"] { try FileManager.default.createDirectory(atPath: base + "/" + run, withIntermediateDirectories: true) }
        let first = try PreferenceObjective(pairs: pairs, loss: TestDPO(), settings: [:], options: options, reference: nil, cacheDirectory: cache)
        try first.prepare(engine, directory: base + "/a", timings: RunTimings())
        let files = try FileManager.default.contentsOfDirectory(atPath: cache)
        #expect(files.count == 1 && files[0].hasPrefix("reference-"))
        // Mark the cached values; a second objective on the same weights and pairs must read them, not recompute.
        var marked = try #require(first.reference)
        marked.chosen[0] = 123
        try marked.write(to: cache + "/" + files[0])
        let second = try PreferenceObjective(pairs: pairs, loss: TestDPO(), settings: [:], options: options, reference: nil, cacheDirectory: cache)
        try second.prepare(engine, directory: base + "/b", timings: RunTimings())
        #expect(second.reference?.chosen[0] == 123)
        // Other pairs make another key.
        let third = try PreferenceObjective(pairs: Array(pairs.dropFirst()), loss: TestDPO(), settings: [:], options: options,
                                            reference: nil, cacheDirectory: cache)
        try third.prepare(engine, directory: base + "/b", timings: RunTimings())
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).count == 2)
    }
}
