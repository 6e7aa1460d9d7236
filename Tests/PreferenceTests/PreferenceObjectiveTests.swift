import Base
import Foundation
import Models
import Tensor
import Testing
import Training
@testable import Preference

/// DPO written out in the test, independent of the library's losses.
struct TestDPO: PairObjectiveLoss {
    let beta = 0.5
    func lossAndGradients(_ pairs: [PairLogprobs]) throws -> (loss: Double, gradients: [PairGradient]) {
        var loss = 0.0
        var gradients: [PairGradient] = []
        for p in pairs {
            let margin = beta * ((p.policyChosen - p.referenceChosen) - (p.policyRejected - p.referenceRejected))
            loss += log(1 + exp(-margin)) / Double(pairs.count)
            let slope = -beta / (1 + exp(margin)) / Double(pairs.count)
            gradients.append(PairGradient(chosen: slope, rejected: -slope))
        }
        return (loss, gradients)
    }
    func metrics(_ pairs: [PairLogprobs]) -> [(name: String, value: Double)] {
        [("logps/chosen", pairs.map(\.policyChosen).reduce(0, +) / Double(pairs.count))]
    }
}

@Suite(.serialized) struct PreferenceObjectiveTests {
    static func model() throws -> TransformerModel {
        let config = try ModelConfig.make(architecture: .llama, vocab: 24, hidden: 16, layers: 2, heads: 2, kvHeads: 1, ffn: 24,
                                          tie: true, maxLength: 32)
        return try TransformerModel.random(config: config, seed: 3)
    }

    /// Pairs that share a prompt and differ in one completion token (the paper's hard case).
    static func pairs() -> [PairTokens] {
        (0..<6).map { i in
            let prompt: [Int32] = [1, Int32(3 + i % 4), 5]
            let shared: [Int32] = [7, 8, Int32(9 + i % 3)]
            return PairTokens(prompt: prompt, chosen: shared + [12, 13, 2], rejected: shared + [14, 13, 2])
        }
    }

    static func options(_ dir: String) -> TrainingOptions {
        var options = TrainingOptions()
        options.steps = 4
        options.batch = 3
        options.seqLen = 10
        options.lr = 0.01
        options.dir = dir
        return options
    }

    @Test func rowsScoreCompletionsAfterThePrompt() {
        let rows = PairRows([PairTokens(prompt: [1, 2, 3], chosen: [4, 5], rejected: [6])], length: 6)
        #expect(rows.inputs == [1, 2, 3, 4, 5, 0, 1, 2, 3, 6, 0, 0])
        #expect(rows.targets == [2, 3, 4, 5, -1, -1, 2, 3, 6, -1, -1, -1])
        #expect(rows.promptEnd == [2, 2] && rows.end == [4, 3])
        #expect(rows.inputTokens == (3 + 2) + (3 + 1), "prompt and completion of both rows, padding left out")
        // Cut to 4 positions, each row's forward pass reads its first 4 tokens.
        #expect(PairRows([PairTokens(prompt: [1, 2, 3], chosen: [4, 5], rejected: [6])], length: 4).inputTokens == 4 + 4)
        #expect(PairTokens(prompt: [], chosen: [1, 2, 3], rejected: [1, 4]).firstDifference == 1)
    }

    /// A row holds seq_len + 1 tokens: prompt (3) and completion (6) fit whole from seq_len 8;
    /// below that the completions' ends are cut and counted, and a prompt longer than seq_len,
    /// which would leave nothing to score, is refused naming the pair.
    @Test func pairsLongerThanSeqLenAreCountedAndPairsWithNothingToScoreAreRefused() throws {
        let pairs = Self.pairs()
        #expect(try SequenceCut(pairs, length: 8).summary == nil)
        let cut = try SequenceCut(pairs, length: 6)
        #expect(cut.total == 6 && cut.pairs == 6 && cut.tokens == 6 * 2 * 2 && cut.mostFromOne == 2)
        #expect(cut.summary == "6 of 6 pairs were cut to seq_len 6 (24 completion tokens dropped, at most 2 from one completion)")
        var mixed = pairs
        mixed[4].rejected += [15, 16, 17]
        let one = try SequenceCut(mixed, length: 8)
        #expect(one.pairs == 1 && one.tokens == 3 && one.mostFromOne == 3, "only pair 5's longer rejected completion is cut")
        #expect(try SequenceCut(pairs, length: 3).mostFromOne == 5, "a prompt as long as seq_len still scores one token")

        mixed[3].prompt = Array(repeating: 4, count: 9)
        #expect(throws: PreferenceError("seq_len", "pair 4: its prompt of 9 tokens leaves no room for a completion token in seq_len 8; "
                                        + "raise seq_len to at least 9, or cut prompts to at most 8 tokens with max_prompt_length")) {
            try SequenceCut(mixed, length: 8)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Self.options(dir)
        options.seqLen = 8
        let refused = #expect(throws: TrainingError.self) {
            try PreferenceTraining.start(policy: try Self.model(), pairs: mixed, loss: TestDPO(), settings: [:], options: options,
                                         reference: nil, cacheDirectory: nil)
        }
        #expect(refused?.place == "seq_len" && refused?.message.hasPrefix("pair 4:") == true)
        #expect(!FileManager.default.fileExists(atPath: dir))
        mixed[3].prompt = []
        #expect(throws: PreferenceError("data", "pair 4 has an empty prompt; its first completion token needs a token before it to be predicted from")) {
            try PreferenceObjective(pairs: mixed, loss: TestDPO(), settings: [:], options: options, reference: nil, cacheDirectory: nil)
        }

        // A run at seq_len 6 reports the cut, and its forward passes read the 6 positions of
        // each row: the prompt (3) and the first 3 completion tokens.
        options.seqLen = 6
        let run = try PreferenceTraining.start(policy: try Self.model(), pairs: pairs, loss: TestDPO(), settings: [:], options: options,
                                               reference: nil, cacheDirectory: nil)
        #expect((run.objective as? PreferenceObjective)?.sequenceCut == cut)
        _ = try run.run()
        #expect(run.history.allSatisfy { $0.tokens == 3 * 2 * 6 }, "\(run.history.map(\.tokens))")
    }

    /// Throughput counts what TRL's `num_tokens` counts: every token of the chosen and rejected
    /// rows (prompt 3 + completion 6 each), not only the completions. The run's timings cover
    /// the reference pass and its files.
    @Test func stepsCountPromptAndCompletionTokensAndTheReferencePassIsTimed() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        var options = Self.options(base + "/cold")
        options.keep = .none
        let cache = base + "/cache"
        let cold = try PreferenceTraining.start(policy: try Self.model(), pairs: Self.pairs(), loss: TestDPO(), settings: [:],
                                                options: options, reference: nil, cacheDirectory: cache)
        #expect(try cold.run() == .finished)
        #expect(cold.history.map(\.tokens) == Array(repeating: 3 * (9 + 9), count: 4))
        let coldPhases = cold.timings.seconds
        #expect(coldPhases[.reference].map { $0 > 0 } == true && coldPhases[.referenceFiles] != nil && coldPhases[.steps] != nil)
        #expect(coldPhases[.checkpoints] == nil, "keep: none writes no checkpoint")

        options.dir = base + "/warm"
        let warm = try PreferenceTraining.start(policy: try Self.model(), pairs: Self.pairs(), loss: TestDPO(), settings: [:],
                                                options: options, reference: nil, cacheDirectory: cache)
        #expect(warm.timings.seconds[.referenceFiles] != nil, "a cache hit reads the cached file")
    }

    /// accumulate: 2 with batch 2 takes the pairs batch 4 takes, and a mean loss averaged over
    /// two micro-batches is the mean over all four pairs.
    @Test func accumulatingTwoMicroBatchesEqualsOneBatchTwiceAsLarge() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func gradient(batch: Int, accumulate: Int) throws -> (loss: Double, gradients: [Float]) {
            var options = Self.options(dir)
            options.batch = batch
            let engine = try TrainableModel(model: try Self.model())
            let objective = try PreferenceObjective(pairs: Self.pairs(), loss: TestDPO(), settings: [:], options: options,
                                                    reference: nil, cacheDirectory: nil)
            // A reference unlike the policy, so margins and the loss's slopes differ from pair to pair.
            engine.weights.values[5] += 0.5
            try objective.prepare(engine, directory: dir, timings: RunTimings())
            engine.weights.values[5] -= 0.5
            engine.trainable.zeroGradients()
            let loss = try objective.step(engine, accumulate: accumulate, shard: .whole).loss
            return (loss, Array(UnsafeBufferPointer(start: engine.trainable.gradients, count: engine.trainable.count)))
        }
        let (accumulated, whole) = (try gradient(batch: 2, accumulate: 2), try gradient(batch: 4, accumulate: 1))
        #expect(abs(accumulated.loss - whole.loss) <= 1e-6 * whole.loss, "\(accumulated.loss) vs \(whole.loss)")
        let scale = whole.gradients.map(abs).max() ?? 0
        let worst = zip(accumulated.gradients, whole.gradients).map { abs($0 - $1) }.max() ?? 0
        #expect(scale > 0 && worst <= 1e-5 * scale, "\(worst) of \(scale)")
    }

    @Test func gradientsReachTheWeightsAsFiniteDifferencesSay() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.model()
        let engine = try TrainableModel(model: model)
        let objective = try PreferenceObjective(pairs: Self.pairs(), loss: TestDPO(), settings: [:], options: Self.options(dir),
                                                reference: try Self.model(), cacheDirectory: nil)
        // A reference that differs from the policy, so the margins are not all zero.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        engine.weights.values[5] += 0.5
        try objective.prepare(engine, directory: dir, timings: RunTimings())
        engine.weights.values[5] -= 0.5
        engine.trainable.zeroGradients()
        let position = objective.position
        let step = try objective.step(engine, accumulate: 1, shard: .whole)
        #expect(step.loss > 0 && step.tokens == 3 * 2 * (3 + 6), "three pairs of two rows: a 3-token prompt and a 6-token completion")
        #expect(step.metrics.contains { $0.name == "probe/chosen_at" })
        let analytic = Array(UnsafeBufferPointer(start: engine.trainable.gradients, count: engine.trainable.count))
        func loss() throws -> Double {
            try objective.restore(position)
            return try objective.step(engine, accumulate: 1, shard: .whole).loss
        }
        var random = RandomGenerator(seed: 2)
        for entry in engine.weights.entries where entry.decays {
            let index = Int(random.next() % UInt64(entry.count))
            let value = engine.weights.values + entry.offset + index
            let original = value.pointee
            value.pointee = original + 1e-2
            let up = try loss()
            value.pointee = original - 1e-2
            let down = try loss()
            value.pointee = original
            let numeric = (up - down) / 2e-2
            let expected = Double(analytic[entry.offset + index])
            #expect(abs(numeric - expected) <= 5e-5 + 2e-2 * abs(numeric), "\(entry.name): \(numeric) vs \(expected)")
        }
    }

    /// With LoRA dropout and the policy as its own reference, a run must train the same whether
    /// the reference log-probs come from the cache or are computed: the reference pass runs with
    /// dropout off and never draws from the policy's dropout stream.
    @Test func loraDropoutRunsMatchWithAColdAndAWarmReferenceCache() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        var options = Self.options(base + "/cold")
        options.seed = 5
        options.loraRank = 2
        options.loraDropout = 0.3
        let cache = base + "/cache"
        let cold = try PreferenceTraining.start(policy: try Self.model(), pairs: Self.pairs(), loss: TestDPO(), settings: [:],
                                                options: options, reference: nil, cacheDirectory: cache)
        #expect(try cold.run() == .finished)
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache).count == 1, "the cold run filled the cache")
        options.dir = base + "/warm"
        let warm = try PreferenceTraining.start(policy: try Self.model(), pairs: Self.pairs(), loss: TestDPO(), settings: [:],
                                                options: options, reference: nil, cacheDirectory: cache)
        #expect(try warm.run() == .finished)
        #expect(warm.losses.count == 4 && warm.losses == cold.losses, "cold \(cold.losses), warm \(warm.losses)")
        let (a, b) = (try #require(try cold.adapter()), try #require(try warm.adapter()))
        #expect(!a.weights.isEmpty && a.weights.keys.sorted().allSatisfy { a.weights[$0]?.scalars == b.weights[$0]?.scalars })
    }

    /// A ref_cache that cannot be created or written is refused before the reference pass and
    /// before the run directory exists.
    @Test(arguments: ["/proc/nope", "FILE/inside-a-file"])
    func anUnwritableReferenceCacheIsRefusedFirst(_ cache: String) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        let file = base + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let options = Self.options(base + "/run")
        let error = #expect(throws: TrainingError.self) {
            try PreferenceTraining.start(policy: try Self.model(), pairs: Self.pairs(), loss: TestDPO(), settings: [:], options: options,
                                         reference: nil, cacheDirectory: cache.replacingOccurrences(of: "FILE", with: file))
        }
        #expect(error?.place == "ref_cache", "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: base + "/run"), "nothing is written for a refused run")
    }

    @Test func aPreferenceRunResumesExactly() throws {
        let (first, second) = (FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path,
                               FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pref-\(UUID().uuidString)").path)
        defer { for d in [first, second] { try? FileManager.default.removeItem(atPath: d) } }
        var options = Self.options(first)
        options.steps = 5
        let straight = try PreferenceTraining.start(policy: try Self.model(), pairs: Self.pairs(), loss: TestDPO(), settings: [:],
                                                    options: options, reference: nil, cacheDirectory: nil)
        #expect(try straight.run() == .finished)
        options.dir = second
        let stopped = try PreferenceTraining.start(policy: try Self.model(), pairs: Self.pairs(), loss: TestDPO(), settings: [:],
                                                   options: options, reference: nil, cacheDirectory: nil)
        var calls = 0
        #expect(try stopped.run(shouldStop: { calls += 1; return calls == 2 }) == .interrupted(step: 2))
        let resumed = try PreferenceTraining.resume(directory: second) { _ in TestDPO() }
        #expect(try resumed.run() == .finished)
        #expect(resumed.losses == straight.losses)
        #expect(resumed.history.map { $0.value("probe/chosen_at") } == straight.history.map { $0.value("probe/chosen_at") })
        // With the policy as its own reference, the first step's margins are all zero: loss ln 2.
        #expect(abs(straight.losses[0] - log(2)) < 1e-6, "reference sums are kept in Float32")
        #expect(throws: TrainingError.self) { try TrainingRun.resume(directory: second) }
    }
}
