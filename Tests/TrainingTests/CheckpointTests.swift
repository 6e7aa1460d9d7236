import Foundation
import Models
import Tensor
import Testing
@testable import Training

/// Which checkpoint is newest, what pruning removes, what a failed write leaves, and what
/// resuming from a corrupt run directory says.
@Suite(.serialized) struct CheckpointTests {
    static let tokenizerFixture = URL(fileURLWithPath: modelFixtures).deletingLastPathComponent()
        .appendingPathComponent("tokenizers/gpt2.json").path

    @Test func checkpointsAreOrderedByStepNumberPastAMillionSteps() {
        #expect(RunDirectory.checkpointName(999_999) == "step-999999")
        #expect(RunDirectory.checkpointName(1_000_000) == "step-1000000")
        let names = ["step-1000000", "latest", "step-999999", ".tmp-step-1000001-42", "step-000002", "step-10000000", "step-", "step-12a",
                     "notes.txt"]
        #expect(RunDirectory.checkpointsOldestFirst(names) == ["step-000002", "step-999999", "step-1000000", "step-10000000"])
        #expect(RunDirectory.checkpointStep("step-1000000") == 1_000_000)
        #expect(RunDirectory.checkpointStep("step-+12") == nil && RunDirectory.checkpointStep("latest") == nil)
    }

    @Test func pruningAndResumeFindTheNewestCheckpointByNumber() throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = RunDirectory(path: dir)
        try files.create()
        for step in [999_998, 999_999, 1_000_000, 1_000_001] {
            try FileManager.default.createDirectory(atPath: files.checkpoint(step), withIntermediateDirectories: true)
        }
        try files.write(Data("step-1000001".utf8), to: files.checkpoints + "/latest")
        files.pruneCheckpoints(keeping: 2)
        let left = try FileManager.default.contentsOfDirectory(atPath: files.checkpoints).sorted()
        #expect(left == ["latest", "step-1000000", "step-1000001"], "the two newest survive, and `latest` still points at one")
        #expect(try files.latestCheckpoint() == files.checkpoints + "/step-1000001")

        // A crash between moving a checkpoint into place and updating `latest` leaves a newer,
        // complete checkpoint that `latest` does not name yet; resume takes it.
        try FileManager.default.createDirectory(atPath: files.checkpoint(1_000_002), withIntermediateDirectories: true)
        #expect(try files.latestCheckpoint() == files.checkpoints + "/step-1000002")
        try FileManager.default.removeItem(atPath: files.checkpoints)
        try FileManager.default.createDirectory(atPath: files.checkpoints, withIntermediateDirectories: true)
        #expect(throws: TrainingError(files.checkpoints, "no checkpoint to resume from (the run wrote none yet)")) { try files.latestCheckpoint() }
    }

    /// A tiny model with a tokenizer, which a run keeps a copy of and every checkpoint copies.
    static func modelWithTokenizer() throws -> TransformerModel {
        let config = try ModelConfig.make(architecture: .llama, vocab: 400, hidden: 16, layers: 1, heads: 2, kvHeads: 1, ffn: 24,
                                          tie: true, maxLength: 16)
        return try TransformerModel.random(config: config, seed: 7, tokenizer: try Tokenizer(path: tokenizerFixture))
    }

    @Test func aCheckpointWriteThatFailsHalfwayLeavesThePreviousOneWhole() throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RunTests.options(dir, steps: 3)
        options.checkpointEvery = 1
        let run = try TrainingRun.start(model: try Self.modelWithTokenizer(), data: .tokens(try RunTests.patternTokens()), options: options)
        #expect(run.engine.tokenizer?.path == dir + "/tokenizer.json", "the run keeps its own copy")
        let readBack = try Tokenizer(path: dir + "/tokenizer.json")
        #expect(try run.engine.tokenizer?.document == readBack.document)
        #expect(run.engine.tokenizer?.encode("Hello, world") == readBack.encode("Hello, world"), "the copy tokenises as the file does")
        // A tokenizer with more tokens than the model has, given to the run after checkpoint 1,
        // makes checkpoint 2 fail.
        let tooLarge = try Tokenizer(gguf: GGUFFile(path: URL(fileURLWithPath: Self.tokenizerFixture).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("gguf-tokenizers/gpt2-smollm.gguf").path))
        #expect(tooLarge.vocabularySize > 400)
        let error = #expect(throws: TrainingError.self) {
            try run.run(shouldStop: {
                if run.step == 1 { run.engine.tokenizer = tooLarge }
                return false
            })
        }
        #expect(error?.place == dir + "/checkpoints/step-000002", "\(String(describing: error))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints").sorted() == ["latest", "step-000001"],
                "no half-written checkpoint or temporary directory is left")
        #expect(try String(contentsOfFile: dir + "/checkpoints/latest", encoding: .utf8) == "step-000001")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints/step-000001").sorted()
        #expect(files == ["config.json", "model.safetensors", "optimizer.safetensors", "state.json", "tokenizer.json"])
        // Resuming restores the tokenizer from the checkpoint.
        #expect(try TrainingRun.resume(directory: dir).step == 1)
        #expect(FileManager.default.fileExists(atPath: dir + "/tokenizer.json"))
    }

    /// A resumed run's model came from a checkpoint directory, which pruning later removes; the
    /// checkpoints after that must still find the tokenizer they copy.
    @Test func aResumedRunCheckpointsAfterTheCheckpointItCameFromIsPruned() throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = RunTests.options(dir, steps: 5)
        options.checkpointEvery = 1
        options.keepCheckpoints = 1
        let run = try TrainingRun.start(model: try Self.modelWithTokenizer(), data: .tokens(try RunTests.patternTokens()), options: options)
        var calls = 0
        #expect(try run.run(shouldStop: { calls += 1; return calls == 2 }) == .interrupted(step: 2))
        let resumed = try TrainingRun.resume(directory: dir)
        #expect(try resumed.run() == .finished)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints").sorted() == ["latest", "step-000005"])
        #expect(FileManager.default.fileExists(atPath: dir + "/checkpoints/step-000005/tokenizer.json"))
    }
}

/// Step figures a resumed run reads back and only reports (tokens, seconds) may be anything a
/// JSON number can be; the throughput and ETA made from them must not trap.
@Suite(.serialized) struct ResumedHistoryTests {
    @Test func absurdFiguresInTheHistoryAreReportedNotTrappedOn() throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try TrainingRun.start(model: try RunTests.tinyModel(), data: .tokens(try RunTests.patternTokens()),
                                        options: RunTests.options(dir, steps: 4))
        var calls = 0
        #expect(try run.run(shouldStop: { calls += 1; return calls == 2 }) == .interrupted(step: 2))
        try rewriteJSON(dir + "/checkpoints/step-000002/state.json") { state in
            state["history"] = (state["history"] as? [[String: Any]] ?? []).map { entry in
                entry.merging(["tokens": Int.max, "seconds": 1e300]) { $1 }
            }
        }
        let resumed = try TrainingRun.resume(directory: dir)
        #expect(resumed.tokensPerSecond.isFinite)
        var lines: [String] = []
        let progress = ProgressReporter(total: 4, every: 1, isTerminal: false) { lines.append($0) }
        #expect(try resumed.run(progress: progress) == .finished)
        #expect(lines.first?.hasSuffix("ETA ?\n") == true, "\(lines)")
    }
}

/// One way to spoil a finished run directory, and what resuming it must then say.
struct Corruption: Sendable, CustomTestStringConvertible {
    let name: String
    /// The file the error must name, relative to the run directory.
    let file: String
    /// Text the error message must hold (the field or tensor).
    let mention: String
    let spoil: @Sendable (String) throws -> Void

    var testDescription: String { name }

    static let checkpoint = "checkpoints/step-000002"

    static func state(_ name: String, mention: String, _ change: @escaping @Sendable (inout [String: Any]) -> Void) -> Corruption {
        Corruption(name: name, file: checkpoint + "/state.json", mention: mention) { try rewriteJSON($0 + "/" + checkpoint + "/state.json", change) }
    }

    static func tensor(_ name: String, file: String, tensor: String, index: Int = 3, value: Float, mention: String) -> Corruption {
        Corruption(name: name, file: file, mention: mention) { directory in
            try rewriteTensors(directory + "/" + file) { tensors in
                guard let original = tensors[tensor] else { throw TrainingError(tensor, "missing from the fixture run") }
                var values = original.scalars
                values[index] = value
                tensors[tensor] = try Tensor(values, shape: original.shape)
            }
        }
    }

    static let all: [Corruption] = [
        state("a random word that is no number", mention: "random: 'x'") { $0["random"] = ["x", "1", "2", "3"] },
        state("three random words", mention: "random holds 3 words") { $0["random"] = ["1", "2", "3"] },
        state("an all-zero generator", mention: "random is all zeros") { $0["random"] = ["0", "0", "0", "0"] },
        state("an epoch near Int.max", mention: "position: epoch 9223372036854775806") {
            $0["position"] = ["epoch": 9_223_372_036_854_775_806, "index": 0]
        },
        state("a negative index", mention: "position: index -1") { $0["position"] = ["epoch": 0, "index": -1] },
        state("a negative step", mention: "step is -1") { $0["step"] = -1 },
        state("a step past the run's end", mention: "step is 7") { $0["step"] = 7 },
        state("a history shorter than the steps", mention: "history") { $0["history"] = Array(($0["history"] as? [Any] ?? []).prefix(1)) },
        tensor("a NaN moment", file: checkpoint + "/optimizer.safetensors", tensor: "adamw.v", value: .nan, mention: "adamw.v: holds nan at element 3"),
        tensor("a negative second moment", file: checkpoint + "/optimizer.safetensors", tensor: "adamw.v", value: -1, mention: "adamw.v: holds -1.0"),
        tensor("a NaN step count", file: checkpoint + "/optimizer.safetensors", tensor: "adamw.step", index: 0, value: .nan, mention: "adamw.step"),
        tensor("a NaN weight", file: checkpoint + "/model.safetensors", tensor: "model.norm.weight", value: .nan,
               mention: "tensor 'model.norm.weight' holds NaN at element 3"),
        tensor("a NaN token id", file: "data.safetensors", tensor: "tokens", value: .nan, mention: "tokens[0, 3]: nan"),
        tensor("a token id beyond Int32", file: "data.safetensors", tensor: "tokens", value: 1e30, mention: "tokens[0, 3]"),
        state("a history loss that is a string", mention: "history[0].loss: expected a number") { state in
            var history = state["history"] as? [[String: Any]] ?? []
            history[0]["loss"] = "low"
            state["history"] = history
        },
        state("no step", mention: "step: missing") { $0["step"] = nil },
        Corruption(name: "a truncated checkpoint state", file: checkpoint + "/state.json", mention: "is not valid JSON") { directory in
            let file = directory + "/" + checkpoint + "/state.json"
            let text = try Data(contentsOf: URL(fileURLWithPath: file))
            try text.prefix(text.count / 2).write(to: URL(fileURLWithPath: file))
        },
        Corruption(name: "a truncated run record", file: "run.json", mention: "is not valid JSON") { directory in
            let file = directory + "/run.json"
            let text = try Data(contentsOf: URL(fileURLWithPath: file))
            try text.prefix(text.count / 2).write(to: URL(fileURLWithPath: file))
        },
        Corruption(name: "an unknown objective", file: "run.json", mention: "objective: holds a value that is not one PrefLab writes there") { directory in
            try rewriteJSON(directory + "/run.json") { $0["objective"] = "telepathy" }
        },
        Corruption(name: "keep_checkpoints 0", file: "run.json", mention: "option keep_checkpoints") { directory in
            try rewriteJSON(directory + "/run.json") { record in
                var options = record["options"] as? [String: Any] ?? [:]
                options["keep_checkpoints"] = 0
                record["options"] = options
            }
        },
        Corruption(name: "seq_len 0", file: "run.json", mention: "option seq_len") { directory in
            try rewriteJSON(directory + "/run.json") { record in
                var options = record["options"] as? [String: Any] ?? [:]
                options["seq_len"] = 0
                record["options"] = options
            }
        },
    ]
}

func rewriteJSON(_ file: String, _ change: (inout [String: Any]) -> Void) throws {
    guard var object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file))) as? [String: Any] else {
        throw TrainingError(file, "is not a JSON object")
    }
    change(&object)
    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
}

func rewriteTensors(_ file: String, _ change: (inout [String: Tensor]) throws -> Void) throws {
    let saved = try SafetensorsFile(path: file)
    var tensors: [String: Tensor] = [:]
    for name in saved.names { tensors[name] = try saved.tensor(name) }
    try change(&tensors)
    try SafetensorsWriter.write(tensors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: file)
}

@Suite(.serialized) struct CorruptRunDirectoryTests {
    @Test(arguments: Corruption.all)
    func resumingACorruptRunNamesTheFileAndField(_ corruption: Corruption) throws {
        let dir = RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let run = try TrainingRun.start(model: try RunTests.tinyModel(), data: .tokens(try RunTests.patternTokens()),
                                        options: RunTests.options(dir, steps: 2))
        #expect(try run.run() == .finished)
        try corruption.spoil(dir)
        let error = #expect(throws: TrainingError.self) { try TrainingRun.resume(directory: dir) }
        #expect(error?.place == dir + "/" + corruption.file, "\(String(describing: error))")
        #expect(error?.message.contains(corruption.mention) == true, "\(String(describing: error))")
        #expect(error?.message.contains("DecodingError") == false && error?.message.contains("\n") == false, "\(String(describing: error))")
    }
}
