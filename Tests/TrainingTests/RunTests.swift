import Base
import Distributed
import Foundation
import Models
import Tensor
import Testing
@testable import Training

/// Runs end to end on a tiny random Llama: resume equality, interruption, non-finite losses,
/// checkpoint files, option checks.
@Suite(.serialized) struct RunTests {
    static func tinyModel(architecture: ModelConfig.Architecture = .llama) throws -> TransformerModel {
        let config = try ModelConfig.make(architecture: architecture, vocab: 32, hidden: 16, layers: 2, heads: 2, kvHeads: 1,
                                          ffn: 24, tie: true, maxLength: 16)
        return try TransformerModel.random(config: config, seed: 7)
    }

    /// Rows that repeat a short pattern, so there is something to learn.
    static func patternTokens(rows: Int = 12, length: Int = 9) throws -> Tensor {
        var values: [Float] = []
        for row in 0..<rows { for t in 0..<length { values.append(Float((row + t * 3) % 11 + 1)) } }
        return try Tensor(values, shape: [rows, length])
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("preflab-run-\(UUID().uuidString)").path
    }

    static func options(_ dir: String?, steps: Int = 6) -> TrainingOptions {
        var options = TrainingOptions()
        options.steps = steps
        options.batch = 3
        options.seqLen = 8
        options.lr = 1e-2
        options.schedule = .cosine
        options.warmup = 2
        options.dir = dir
        return options
    }

    @Test(arguments: [0, 4])
    func resumeReproducesTheUninterruptedLosses(loraRank: Int) throws {
        let (first, second) = (Self.temporaryDirectory(), Self.temporaryDirectory())
        defer { for d in [first, second] { try? FileManager.default.removeItem(atPath: d) } }
        var options = Self.options(first)
        options.loraRank = loraRank
        options.loraDropout = loraRank > 0 ? 0.1 : 0
        let straight = try TrainingRun.start(model: try Self.tinyModel(), data: .tokens(try Self.patternTokens()), options: options)
        #expect(try straight.run() == .finished)

        options.dir = second
        let stopped = try TrainingRun.start(model: try Self.tinyModel(), data: .tokens(try Self.patternTokens()), options: options)
        var calls = 0
        #expect(try stopped.run(shouldStop: { calls += 1; return calls == 3 }) == .interrupted(step: 3))
        let resumed = try TrainingRun.resume(directory: second)
        #expect(resumed.step == 3)
        #expect(try resumed.run() == .finished)
        #expect(resumed.losses.count == 6)
        #expect(resumed.losses == straight.losses, "losses after resume must equal the uninterrupted run's, bit for bit")
        #expect(try resumed.trainedWeights()["model.norm.weight"]?.scalars == (try straight.trainedWeights())["model.norm.weight"]?.scalars)
        let lines = try String(contentsOfFile: second + "/metrics.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 6)
    }

    @Test func aSmallModelLearnsThePattern() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Self.options(dir, steps: 40)
        options.lr = 3e-2
        let run = try TrainingRun.start(model: try Self.tinyModel(), data: .tokens(try Self.patternTokens()), options: options)
        _ = try run.run()
        let (start, end) = (run.losses.prefix(3).reduce(0, +) / 3, run.losses.suffix(3).reduce(0, +) / 3)
        #expect(start > 3.0, "a random 32-token model starts near ln 32 ≈ 3.47")
        #expect(end < start / 2, "loss should fall by half: \(start) → \(end)")
        #expect(run.tokensPerSecond > 0)
        #expect(run.history.map(\.step) == Array(1...40))
        #expect(run.history[0].learningRate == 0, "warm-up starts from zero")
    }

    @Test func gpt2AndSGDTrainToo() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Self.options(dir, steps: 4)
        options.optimizer = .sgd
        options.accumulate = 2
        let run = try TrainingRun.start(model: try Self.tinyModel(architecture: .gpt2), data: .tokens(try Self.patternTokens()), options: options)
        #expect(try run.run() == .finished)
        #expect(run.history.allSatisfy { $0.tokens == 2 * 3 * 8 }, "two micro-batches of 3 × 8 scored tokens per step")
    }

    @Test func aNonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Self.options(dir)
        options.checkpointEvery = 1
        let run = try TrainingRun.start(model: try Self.tinyModel(), data: .tokens(try Self.patternTokens()), options: options)
        var calls = 0
        let error = #expect(throws: TrainingError.self) {
            try run.run(shouldStop: {
                calls += 1
                if calls == 2 { run.engine.weights.values[0] = .nan }  // poison the weights after step 2
                return false
            })
        }
        #expect(error?.place == "step 3")
        #expect(error?.message.contains("the loss is nan") == true)
        #expect(error?.message.contains("step-000002") == true)
        #expect(run.step == 2)
        let latest = try String(contentsOfFile: dir + "/checkpoints/latest", encoding: .utf8)
        #expect(latest == "step-000002")
        let resumed = try TrainingRun.resume(directory: dir)
        #expect(resumed.step == 2 && resumed.losses == Array(run.losses.prefix(2)))
    }

    /// Trains on the pattern data, and on its `spoiledCall`-th step lets `spoil` change the
    /// outcome or the gradients after the real forward and backward.
    final class SpoiledObjective: TrainingObjective {
        let inner: LanguageModelObjective
        let spoiledCall: Int
        let spoil: (TrainableModel, inout ObjectiveStep) -> Void
        private var calls = 0

        init(model: TransformerModel, options: TrainingOptions, spoiledCall: Int, spoil: @escaping (TrainableModel, inout ObjectiveStep) -> Void) throws {
            inner = try LanguageModelObjective(model: model, source: .tokens(try RunTests.patternTokens()), options: options)
            self.spoiledCall = spoiledCall
            self.spoil = spoil
        }

        var kind: ObjectiveKind { inner.kind }
        var settings: [String: SettingValue] { inner.settings }
        var rows: Int { inner.rows }
        var position: DataPosition { inner.position }
        func restore(_ position: DataPosition) throws { try inner.restore(position) }
        func prepare(_ engine: TrainableModel, directory: String, timings: RunTimings) throws {
            try inner.prepare(engine, directory: directory, timings: timings)
        }
        func step(_ engine: TrainableModel, accumulate: Int, shard: Shard) throws -> ObjectiveStep {
            var outcome = try inner.step(engine, accumulate: accumulate, shard: shard)
            calls += 1
            if calls == spoiledCall { spoil(engine, &outcome) }
            return outcome
        }
    }

    /// Runs to a spoiled step 3 with a checkpoint after every step, and checks that the run
    /// stopped naming the step and `what`, with the weights and data position of step 2 and
    /// the step-2 checkpoint as the newest.
    func expectStopAtStepThree(clip: Double, what: String, spoil: @escaping (TrainableModel, inout ObjectiveStep) -> Void) throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Self.options(dir)
        options.checkpointEvery = 1
        options.clip = clip
        let model = try Self.tinyModel()
        let run = try TrainingRun.start(model: model, options: options) {
            try SpoiledObjective(model: model, options: $0, spoiledCall: 3, spoil: spoil)
        }
        var afterStepTwo: (weights: [Float], position: DataPosition)?
        var calls = 0
        let error = #expect(throws: TrainingError.self) {
            try run.run(shouldStop: {
                calls += 1
                if calls == 2 {
                    afterStepTwo = (Array(UnsafeBufferPointer(start: run.engine.weights.values, count: run.engine.weights.count)),
                                    run.objective.position)
                }
                return false
            })
        }
        #expect(error?.place == "step 3", "\(String(describing: error))")
        #expect(error?.message.contains(what) == true, "\(String(describing: error))")
        #expect(error?.message.contains("\(dir)/checkpoints/step-000002") == true, "\(String(describing: error))")
        #expect(run.step == 2 && run.history.count == 2)
        #expect(Array(UnsafeBufferPointer(start: run.engine.weights.values, count: run.engine.weights.count)) == afterStepTwo?.weights,
                "the optimiser did not touch the weights")
        #expect(run.objective.position == afterStepTwo?.position, "the bad step's data are not skipped")
        #expect(try String(contentsOfFile: dir + "/checkpoints/latest", encoding: .utf8) == "step-000002")
        let resumed = try TrainingRun.resume(directory: dir)
        #expect(resumed.step == 2 && resumed.losses == run.losses)
    }

    @Test(arguments: [0.0, 1.0])
    func anInfiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint(clip: Double) throws {
        try expectStopAtStepThree(clip: clip, what: "the loss is inf") { _, outcome in outcome.loss = .infinity }
        try expectStopAtStepThree(clip: clip, what: "the loss is -inf") { _, outcome in outcome.loss = -.infinity }
    }

    /// A finite loss with a gradient that overflowed (or went NaN) somewhere: clipping must
    /// not scale it into the weights, and without clipping the norm still catches it.
    @Test(arguments: [0.0, 1.0], [Float.infinity, .nan])
    func aNonFiniteGradientNormStopsTheRunAndKeepsTheLastGoodCheckpoint(clip: Double, gradient: Float) throws {
        try expectStopAtStepThree(clip: clip, what: "the gradient norm is \(Double(gradient))") { engine, _ in
            engine.trainable.gradients[engine.trainable.count / 2] = gradient
        }
    }

    /// accumulate: 2 with batch b sees the examples batch 2b sees, in the same order, and
    /// divides by the same token count, so loss and gradient agree up to summation order.
    @Test(arguments: [0, 2])
    func accumulatingTwoMicroBatchesEqualsOneBatchTwiceAsLarge(loraRank: Int) throws {
        let model = try Self.tinyModel()
        func gradient(batch: Int, accumulate: Int) throws -> (loss: Double, gradients: [Float]) {
            var options = Self.options("")
            options.batch = batch
            options.loraRank = loraRank
            let objective = try LanguageModelObjective(model: model, source: .tokens(try Self.patternTokens()), options: options)
            let engine = try TrainableModel(model: model, lora: try options.loraConfig(for: model.config), seed: 3)
            engine.trainable.zeroGradients()
            let loss = try objective.step(engine, accumulate: accumulate, shard: .whole).loss
            return (loss, Array(UnsafeBufferPointer(start: engine.trainable.gradients, count: engine.trainable.count)))
        }
        let accumulated = try gradient(batch: 3, accumulate: 2)
        let whole = try gradient(batch: 6, accumulate: 1)
        let firstHalf = try gradient(batch: 3, accumulate: 1)
        #expect(abs(accumulated.loss - whole.loss) <= 1e-6 * whole.loss, "\(accumulated.loss) vs \(whole.loss)")
        let scale = whole.gradients.map(abs).max() ?? 0
        func worst(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
        #expect(scale > 0)
        #expect(worst(accumulated.gradients, whole.gradients) <= 1e-5 * scale, "\(worst(accumulated.gradients, whole.gradients)) of \(scale)")
        #expect(worst(firstHalf.gradients, whole.gradients) > 1e-3 * scale, "one micro-batch alone is a different gradient")
    }

    /// What each rank of a data-parallel run computes: the shards' losses, token counts and
    /// gradients, summed (as the world's allreduce sums them), are the whole batch's, also with
    /// a batch that does not divide evenly and with accumulation.
    @Test(arguments: [(batch: 6, accumulate: 1, shards: 2), (batch: 5, accumulate: 2, shards: 3)])
    func theShardsOfABatchSumToTheWholeBatch(batch: Int, accumulate: Int, shards: Int) throws {
        let model = try Self.tinyModel()
        func gradient(_ shard: Shard) throws -> (step: ObjectiveStep, gradients: [Float]) {
            var options = Self.options("")
            options.batch = batch
            let objective = try LanguageModelObjective(model: model, source: .tokens(try Self.patternTokens()), options: options)
            let engine = try TrainableModel(model: model, lora: nil, seed: 3)
            engine.trainable.zeroGradients()
            let step = try objective.step(engine, accumulate: accumulate, shard: shard)
            return (step, Array(UnsafeBufferPointer(start: engine.trainable.gradients, count: engine.trainable.count)))
        }
        let whole = try gradient(.whole)
        let parts = try (0..<shards).map { try gradient(Shard(index: $0, count: shards)) }
        let loss = parts.reduce(0) { $0 + $1.step.loss }
        #expect(abs(loss - whole.step.loss) <= 1e-6 * whole.step.loss, "\(loss) vs \(whole.step.loss)")
        #expect(parts.reduce(0) { $0 + $1.step.tokens } == whole.step.tokens)
        #expect(parts.allSatisfy { $0.step.loss > 0 && $0.step.loss < whole.step.loss }, "every shard trains on some rows")
        var summed = [Float](repeating: 0, count: whole.gradients.count)
        for part in parts { for i in summed.indices { summed[i] += part.gradients[i] } }
        let scale = whole.gradients.map(abs).max() ?? 0
        let worst = zip(summed, whole.gradients).map { abs($0 - $1) }.max() ?? 0
        #expect(scale > 0 && worst <= 1e-5 * scale, "\(worst) of \(scale)")
    }

    @Test func aShardTakesAContiguousBlockAndTheBlocksCoverTheBatch() {
        #expect((0..<3).map { Shard(index: $0, count: 3).rows(of: 5) } == [0..<1, 1..<3, 3..<5])
        #expect(Shard.whole.rows(of: 4) == 0..<4)
        #expect(Shard(World.current) == .whole, "a process started without a launcher is the whole batch")
    }

    @Test func aFigureComputedWholeOnEveryShardSumsToItselfOverTheShards() {
        let parts = (0..<3).map { Shard(index: $0, count: 3).part(ofWhole: 0.75) }
        #expect(parts == [0.75, 0, 0])
        #expect(Shard.whole.part(ofWhole: 0.75) == 0.75)
    }

    @Test func aRunWhoseBuffersCannotFitIsRefusedBeforeAllocating() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.tinyModel()
        let options = Self.options(dir)
        func start(limit: Int) throws -> TrainingRun {
            try TrainingRun.start(model: model, options: options, memoryLimit: limit) {
                try LanguageModelObjective(model: model, source: .tokens(try Self.patternTokens()), options: $0)
            }
        }
        // Room for the parameters twice over (new_model's check asks for once), not for the
        // weights, gradients and both AdamW moments: four times.
        let parameters = TransformerModel.parameterCount(model.config)
        let error = #expect(throws: TrainingError.self) { try start(limit: Int(2 * parameters)) }
        #expect(error?.place == "model", "\(String(describing: error))")
        for part in ["training a model of \(MemoryNeed.count(parameters)) parameters needs about", "weights and gradients", "AdamW state",
                     "activations of 3 × 8 tokens", "this machine has \(MemoryNeed.bytes(2 * parameters))", "lora_rank"] {
            #expect(error?.message.contains(part) == true, "\(part): \(String(describing: error))")
        }
        #expect(!FileManager.default.fileExists(atPath: dir), "nothing is written for a refused run")

        // Room for the parameters and optimiser state but not the activations: the batch is to blame.
        let need = MemoryNeed.run(model.config, options: options, lora: nil, rows: 3)
        let activations = try #require(need.parts.last?.floats)
        let batchError = #expect(throws: TrainingError.self) { try start(limit: Int(need.floats - activations / 2)) }
        #expect(batchError?.place == "batch" && batchError?.message.contains("lower batch or seq_len") == true,
                "\(String(describing: batchError))")
        #expect(try start(limit: Int(need.floats.rounded(.up))).step == 0)
    }

    @Test func checkpointsAreCompleteDirectoriesAndOldOnesArePruned() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Self.options(dir)
        options.checkpointEvery = 2
        options.keepCheckpoints = 2
        let run = try TrainingRun.start(model: try Self.tinyModel(), data: .tokens(try Self.patternTokens()), options: options)
        _ = try run.run()
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints").sorted()
        #expect(names == ["latest", "step-000004", "step-000006"])
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints/step-000006").sorted()
        #expect(files == ["config.json", "model.safetensors", "optimizer.safetensors", "state.json"])
        // A checkpoint is a loadable model directory.
        let model = try TransformerModel.load(directory: dir + "/checkpoints/step-000006")
        #expect(model.weights["model.norm.weight"]?.scalars == (try run.trainedWeights())["model.norm.weight"]?.scalars)
        // A crash mid-write leaves only a temporary directory, which resume ignores.
        try FileManager.default.createDirectory(atPath: dir + "/checkpoints/.tmp-step-000008-1", withIntermediateDirectories: true)
        #expect(try TrainingRun.resume(directory: dir).step == 6)
        let csv = try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "step,loss,lr,grad_norm,tokens,tokens_per_second,seconds" && csv.count == 7)
    }

    /// run.json notes the kernels the run started under, and a record without them still reads.
    @Test func theRunRecordNamesItsKernels() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = Self.options(dir, steps: 1)
        options.warmup = 0
        _ = try TrainingRun.start(model: try Self.tinyModel(), data: .tokens(try Self.patternTokens()), options: options)
        let file = TrainingRun.recordFile(directory: dir)
        var written = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any])
        let kernels = try #require(written["kernels"] as? [String: String], "\(written)")
        #expect(kernels == ["mode": BLASCore.inUse.mode.rawValue, "set": BLASCore.inUse.set])
        #expect(try TrainingRun.record(directory: dir).kernels == BLASCore.inUse)
        written["kernels"] = nil
        try JSONSerialization.data(withJSONObject: written).write(to: URL(fileURLWithPath: file))
        let older = try TrainingRun.record(directory: dir)
        #expect(older.kernels == nil && older.options.seqLen == 8)
    }

    @Test func badOptionsAreRejectedBeforeAnyWork() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try Self.tinyModel()
        let data = TrainingSource.tokens(try Self.patternTokens())
        func expectRejected(_ option: String, _ change: (inout TrainingOptions) -> Void) {
            var options = Self.options(dir)
            change(&options)
            let error = #expect(throws: TrainingError.self) { try TrainingRun.start(model: model, data: data, options: options) }
            #expect(error?.place == option, "\(error.map { "\($0)" } ?? "")")
            #expect(!FileManager.default.fileExists(atPath: dir), "nothing is written for a rejected run")
        }
        expectRejected("lr") { $0.lr = -1 }
        expectRejected("seq_len") { $0.seqLen = 17 }
        expectRejected("batch") { $0.batch = 13 }
        // run.json records options by name, and reads a record written under the Swift names too.
        let recorded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(Self.options(dir))) as? [String: Any]
        #expect(recorded?["seq_len"] as? Int == 8 && recorded?["schedule"] as? String == "cosine" && recorded?["dir"] as? String == dir)
        let legacy = try JSONDecoder().decode(TrainingOptions.self, from: Data(#"{"seqLen": 12, "minLR": 0.5}"#.utf8))
        #expect(legacy.seqLen == 12 && legacy.minLR == 0.5 && legacy.steps == 100)
        var named = Self.options(dir)
        #expect(throws: TrainingError("schedule", "must be constant, linear or cosine, got 'exponential'")) { try named.assign("schedule", .text("exponential")) }
        #expect(throws: TrainingError("stpes", "is not an option; did you mean 'steps'?")) { try named.assign("stpes", .whole(3)) }
        expectRejected("lora_targets") { $0.loraRank = 2; $0.loraTargets = ["attention"] }
        // Counts are capped, so steps: 1e15 is a named error rather than a run that never ends.
        expectRejected("steps") { $0.steps = 1_000_000_000_000_000 }
        expectRejected("checkpoint_every") { $0.checkpointEvery = 50_000_000 }
        expectRejected("log_every") { $0.logEvery = Int.max }
        expectRejected("keep_checkpoints") { $0.keepCheckpoints = 20_000_000 }
        expectRejected("lora_rank") { $0.loraRank = 20_000_000 }
        let existing = try TrainingRun.start(model: model, data: data, options: Self.options(dir))
        _ = existing
        #expect(throws: TrainingError.self) { try TrainingRun.start(model: model, data: data, options: Self.options(dir)) }
    }
}

/// Runs started without `dir:` go to runs/run-<time>; two in a row (well within a second) must
/// get different directories instead of the second being refused as "already holds a run".
@Suite(.serialized) struct DefaultRunDirectoryTests {
    @Test func backToBackRunsWithoutADirGetDifferentDirectories() throws {
        let model = try RunTests.tinyModel()
        let data = TrainingSource.tokens(try RunTests.patternTokens())
        var options = RunTests.options(nil, steps: 1)
        options.warmup = 0
        var made: [String] = []
        defer {
            for directory in made { try? FileManager.default.removeItem(atPath: directory) }
            // Leave no empty runs/ behind in the working directory.
            if (try? FileManager.default.contentsOfDirectory(atPath: "runs"))?.isEmpty == true { try? FileManager.default.removeItem(atPath: "runs") }
        }
        for _ in 0..<3 {
            let run = try TrainingRun.start(model: model, data: data, options: options)
            made.append(run.directory)
            #expect(try run.run() == .finished)
        }
        #expect(Set(made).count == 3, "\(made)")
        #expect(made.allSatisfy { $0.hasPrefix("runs/run-") && FileManager.default.fileExists(atPath: $0 + "/run.json") })
        // A name already taken (same millisecond) gets a -2 suffix.
        let parent = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let first = TrainingRun.defaultDirectory(parent: parent)
        try FileManager.default.createDirectory(atPath: first, withIntermediateDirectories: true)
        let second = TrainingRun.defaultDirectory(parent: parent)
        #expect(second != first)
        if second.count == first.count + 2 { #expect(second == first + "-2") }
    }
}

struct ShapeLimitTests {
    @Test func aShapeThatCannotFitInMemoryIsRefusedBeforeAllocating() throws {
        let config = try ModelConfig.make(architecture: .llama, vocab: 50_000, hidden: 8, layers: 1, heads: 2, maxLength: 100_000)
        let engine = try TrainableModel(model: try TransformerModel.random(config: config, seed: 1))
        let error = #expect(throws: TrainingError.self) { try engine.checkFits(batch: 2, length: 100_000) }
        #expect(error?.place == "batch" && error?.message.contains("activations of 2 × 100000 tokens") == true, "\(String(describing: error))")
        try engine.checkFits(batch: 2, length: 64)
    }
}
