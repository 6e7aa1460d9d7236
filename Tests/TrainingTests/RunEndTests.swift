import Foundation
import Models
import Tensor
import Testing
@testable import Training

/// What the end of a run keeps (`keep`), what its steps count as tokens, and where its time went.
@Suite(.serialized) struct RunEndTests {
    static func start(_ dir: String, keep: KeepKind, loraRank: Int = 0) throws -> TrainingRun {
        var options = RunTests.options(dir, steps: 4)
        options.keep = keep
        options.loraRank = loraRank
        return try TrainingRun.start(model: try RunTests.tinyModel(), data: .tokens(try RunTests.patternTokens()), options: options)
    }

    static func entries(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test func resumeIsTheDefaultAndRunJsonRecordsTheChoice() throws {
        #expect(TrainingOptions().keep == .resume)
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.start(dir, keep: .weights)
        #expect(try TrainingRun.record(directory: dir).options.keep == .weights)
        #expect(try run.run() == .finished)
        #expect(Self.entries(dir + "/checkpoints").isEmpty)
    }

    @Test func keepNoneWritesNothingAtTheEndButAStoppedRunStillCheckpoints() throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.start(dir, keep: .none)
        var calls = 0
        #expect(try run.run(shouldStop: { calls += 1; return calls == 2 }) == .interrupted(step: 2))
        #expect(Self.entries(dir + "/checkpoints") == ["latest", "step-000002"])
        #expect(Self.entries(dir + "/checkpoints/step-000002").contains("optimizer.safetensors"))

        let resumed = try TrainingRun.resume(directory: dir)
        #expect(try resumed.run() == .finished && resumed.step == 4)
        #expect(Self.entries(dir + "/checkpoints") == ["latest", "step-000002"], "the finished run added no checkpoint")
        #expect(!Self.entries(dir).contains("model"))
    }

    @Test(arguments: [0, 2])
    func keepWeightsWritesALoadableModelAndNoOptimiserState(loraRank: Int) throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.start(dir, keep: .weights, loraRank: loraRank)
        #expect(try run.run() == .finished)
        #expect(Self.entries(dir + "/checkpoints").isEmpty)
        #expect(Self.entries(dir + "/model") == ["config.json", "model.safetensors"])
        let saved = try TransformerModel.load(directory: dir + "/model")
        let trained = try run.trainedWeights()
        let base = try RunTests.tinyModel()
        for name in ["model.norm.weight", "model.layers.0.self_attn.q_proj.weight"] {
            #expect(saved.weights[name]?.scalars == trained[name]?.scalars, "\(name) is the trained weight, adapters merged in")
        }
        #expect(saved.weights["model.layers.0.self_attn.q_proj.weight"]?.scalars != base.weights["model.layers.0.self_attn.q_proj.weight"]?.scalars)
        #expect(throws: TrainingError(dir + "/checkpoints", "no checkpoint to resume from (the run wrote none yet)")) {
            try TrainingRun.resume(directory: dir)
        }
    }

    /// `train` packs rows of seq_len + 1 tokens: the forward pass reads batch × seq_len of them.
    @Test func languageModelStepsCountTheTokensTheForwardPassReads() throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.start(dir, keep: .none)
        _ = try run.run()
        #expect(run.history.map(\.tokens) == [24, 24, 24, 24], "3 rows × 8 positions")

        let examples = [TrainingExample(ids: [1, 2, 3, 4, 5], lossStart: 2), TrainingExample(ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])]
        let batch = TrainingBatch(examples, length: 8)
        #expect(batch.inputTokens == 5 + 8, "the prompt is read though not scored; the long row is cut to 8 positions; padding is not read")
        #expect(batch.tokenCount == 3 + 8)
    }

    @Test func timingsArePresentNonNegativeAndWithinTheWallTime() throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try Self.start(dir, keep: .resume)
        #expect(try run.run() == .finished)
        let timings = run.timings
        for phase in [RunPhase.data, .modelCopy, .optimizerState, .runFiles, .steps, .checkpoints] {
            #expect(timings.seconds[phase].map { $0 > 0 } == true, "\(phase) was measured")
        }
        #expect(timings.seconds.values.allSatisfy { $0 >= 0 })
        #expect(timings.seconds.values.reduce(0, +) <= timings.wall)
        #expect(timings.seconds[.steps].map { abs($0 - run.history.reduce(0) { $0 + $1.seconds }) < 0.05 } == true,
                "steps hold the steps' own times")

        let recorded = try #require(try TrainingRun.record(directory: dir).timings)
        #expect(recorded.seconds == timings.seconds && abs(recorded.wall - timings.wall) < 1e-6)
        #expect(timings.summary.hasPrefix(String(format: "%.2f s (", timings.wall)) && timings.summary.contains("steps "))
    }
}
