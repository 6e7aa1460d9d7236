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

    static func options(_ dir: String, steps: Int = 6) -> TrainingOptions {
        var options = TrainingOptions()
        options.steps = steps
        options.batch = 3
        options.seqLen = 8
        options.lr = 1e-2
        options.schedule = "cosine"
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
        options.optimizer = "sgd"
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
        expectRejected("schedule") { $0.schedule = "exponential" }
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
        var options = RunTests.options("", steps: 1)
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
        #expect(error?.place == "batch" && error?.message.contains("GB of activations") == true)
        try engine.checkFits(batch: 2, length: 64)
    }
}
