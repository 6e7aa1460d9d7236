import Foundation
import Models
import Tensor
import Testing
import Training
@testable import Preference

/// The reference log-prob cache's key, and reading reference and pair files a run keeps.
@Suite(.serialized) struct ReferenceConfigKeyTests {
    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("preflab-ref-\(UUID().uuidString)").path
    }

    /// `new_model(hidden: 64, heads: h, seed: 0)`: the same weights whatever h, read as h heads.
    static func model(heads: Int) throws -> TransformerModel {
        let config = try ModelConfig.make(architecture: .llama, vocab: 24, hidden: 64, layers: 1, heads: heads, maxLength: 32)
        return try TransformerModel.random(config: config, seed: 0)
    }

    /// Prepares a preference objective for `policy` with the cache in `cache`, returning its reference log-probs.
    static func prepare(_ policy: TransformerModel, cache: String, run: String) throws -> ReferenceLogprobs {
        let objective = try PreferenceObjective(pairs: PreferenceObjectiveTests.pairs(), loss: TestDPO(), settings: [:],
                                                options: PreferenceObjectiveTests.options(run), reference: nil, cacheDirectory: cache)
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        try objective.prepare(try TrainableModel(model: policy), directory: run, timings: RunTimings())
        return try #require(objective.reference)
    }

    @Test func modelsWithTheSameWeightsAndOtherHeadsGetTheirOwnEntries() throws {
        let base = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let cache = base + "/cache"
        let (four, eight) = (try Self.model(heads: 4), try Self.model(heads: 8))
        #expect(four.weights.keys.sorted().allSatisfy { four.weights[$0]?.scalars == eight.weights[$0]?.scalars },
                "the weights alone cannot tell the two models apart")
        func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: cache).sorted() }

        let byFour = try Self.prepare(four, cache: cache, run: base + "/a")
        #expect(try entries().count == 1)
        let byEight = try Self.prepare(eight, cache: cache, run: base + "/b")
        #expect(try entries().count == 2, "heads: 8 must not reuse the heads: 4 entry")
        #expect(byEight.chosen != byFour.chosen, "eight heads give other log-probs than four")

        // An unchanged model finds its entry: with the entry's values changed on disk, the
        // objective gets the changed values, so it read them rather than recomputing.
        let entry = try #require(try entries().first { file in
            try ReferenceLogprobs.read(cache + "/" + file, pairs: PreferenceObjectiveTests.pairs(), length: 10) == byFour
        })
        #expect(throws: TrainingError(cache + "/" + entry, "tensor 'chosen_lengths' gives pair 1 6 tokens, but its row of 6 positions scores 4")) {
            try ReferenceLogprobs.read(cache + "/" + entry, pairs: PreferenceObjectiveTests.pairs(), length: 6)
        }
        var planted = byFour
        planted.chosen = planted.chosen.map { $0 - 1 }
        try planted.write(to: cache + "/" + entry)
        #expect(try Self.prepare(try Self.model(heads: 4), cache: cache, run: base + "/c") == planted)
        #expect(try entries().count == 2)
    }

    /// Each field that shapes the outputs changes the key; the ids of BOS and EOS do not.
    @Test func theKeyNamesTheKernelsThatComputedTheValues() throws {
        let model = try InferenceModel(model: try Self.model(heads: 4))
        let pairs = [PairTokens(prompt: [1, 2], chosen: [3], rejected: [4])]
        let key = { (mode: KernelMode, set: String) in
            try ReferenceLogprobs.key(model: model, pairs: pairs, length: 8, kernels: KernelsInUse(mode: mode, set: set))
        }
        #expect(try key(.reproducible, "Haswell") == key(.reproducible, "Haswell"))
        #expect(try key(.fast, "Haswell") != key(.fast, "SkylakeX"))
        #expect(try key(.fast, "Haswell") != key(.reproducible, "Haswell"))
        #expect(try ReferenceLogprobs.key(model: model, pairs: pairs, length: 8) == key(BLASCore.inUse.mode, BLASCore.inUse.set))
    }

    /// A separate reference model is hashed from its own tensors, the policy's from the engine's
    /// store: the bytes (the store's padding included) and so the key must be the same, or a
    /// cache written by one would never be found by the other.
    @Test func theKeyIsTheSameOverAModelsTensorsAsOverAnEnginesStore() throws {
        let model = try PreferenceObjectiveTests.model()
        let engine = try TrainableModel(model: model)
        var streamed = Data()
        try InferenceModel(model: model).forEachWeightBytes { streamed.append(contentsOf: $0) }
        #expect(streamed == Data(bytes: engine.weights.values, count: engine.weights.count * MemoryLayout<Float>.stride))
        let pairs = PreferenceObjectiveTests.pairs()
        #expect(try ReferenceLogprobs.key(model: InferenceModel(model: model), pairs: pairs, length: 10)
                == ReferenceLogprobs.key(model: InferenceModel(engine: engine), pairs: pairs, length: 10))
    }

    @Test func theKeyCoversEveryConfigurationFieldTheForwardReads() throws {
        let config = try ModelConfig.make(architecture: .llama, vocab: 24, hidden: 64, layers: 1, heads: 4, maxLength: 32)
        let rope = try #require(config.rope)
        let changes: [(String, (inout ModelConfig) -> Void)] = [
            ("architecture", { $0.architecture = .mistral }), ("vocabSize", { $0.vocabSize += 1 }), ("hiddenSize", { $0.hiddenSize += 1 }),
            ("intermediateSize", { $0.intermediateSize += 1 }), ("layers", { $0.layers += 1 }), ("heads", { $0.heads = 8 }),
            ("kvHeads", { $0.kvHeads = 2 }), ("headDim", { $0.headDim = 8 }), ("maxPositions", { $0.maxPositions += 1 }),
            ("normEpsilon", { $0.normEpsilon *= 1.0000001 }), ("tieWordEmbeddings", { $0.tieWordEmbeddings.toggle() }),
            ("qkvBias", { $0.qkvBias.toggle() }), ("outputBias", { $0.outputBias.toggle() }), ("mlpBias", { $0.mlpBias.toggle() }),
            ("slidingWindow", { $0.slidingWindow = 16 }),
            ("rope", { $0.rope = nil }), ("rope.theta", { $0.rope?.theta = 500_000 }), ("rope.kind", { $0.rope?.kind = .linear }),
            ("rope.partialRotaryFactor", { $0.rope?.partialRotaryFactor = 0.5 }), ("rope.factor", { $0.rope?.factor = 2 }),
            ("rope.lowFrequencyFactor", { $0.rope?.lowFrequencyFactor = 2 }), ("rope.highFrequencyFactor", { $0.rope?.highFrequencyFactor = 8 }),
            ("rope.originalMaxPositions", { $0.rope?.originalMaxPositions = 4096 }),
        ]
        let signature = ReferenceLogprobs.forwardSignature(config)
        for (field, change) in changes {
            var changed = config
            change(&changed)
            #expect(ReferenceLogprobs.forwardSignature(changed) != signature, "\(field)")
        }
        var ids = config
        ids.bosTokenId = 7
        ids.eosTokenIds = [8, 9]
        #expect(ReferenceLogprobs.forwardSignature(ids) == signature)

        // A field added to the configuration must be placed in the key or left out on purpose here.
        let covered = Set(changes.map(\.0)).union(["bosTokenId", "eosTokenIds"])
        #expect(Set(Mirror(reflecting: config).children.compactMap(\.label)).subtracting(covered).isEmpty)
        #expect(Set(Mirror(reflecting: rope).children.compactMap { $0.label.map { "rope." + $0 } }).subtracting(covered).isEmpty)
    }
}

/// One way to spoil a preference run's pairs or reference log-probs, and the error it must give.
struct PreferenceCorruption: Sendable, CustomTestStringConvertible {
    let name: String
    let file: String
    let tensor: String
    let index: Int
    let value: Float
    let mention: String

    var testDescription: String { name }

    static let all = [
        PreferenceCorruption(name: "a NaN length", file: "reference.safetensors", tensor: "chosen_lengths", index: 1, value: .nan,
                             mention: "tensor 'chosen_lengths' holds nan at element 1"),
        PreferenceCorruption(name: "a length past Int", file: "reference.safetensors", tensor: "rejected_lengths", index: 0, value: 1e30,
                             mention: "tensor 'rejected_lengths' holds 1e+30 at element 0"),
        PreferenceCorruption(name: "a fractional length", file: "reference.safetensors", tensor: "chosen_lengths", index: 0, value: 2.5,
                             mention: "tensor 'chosen_lengths' holds 2.5 at element 0"),
        PreferenceCorruption(name: "lengths moved between pairs", file: "reference.safetensors", tensor: "chosen_lengths", index: 0, value: 5,
                             mention: "tensor 'chosen_lengths' adds up to"),
        PreferenceCorruption(name: "a NaN reference sum", file: "reference.safetensors", tensor: "chosen", index: 2, value: .nan,
                             mention: "tensor 'chosen' holds nan at element 2"),
        PreferenceCorruption(name: "an infinite token log-prob", file: "reference.safetensors", tensor: "rejected_tokens", index: 4,
                             value: -.infinity, mention: "tensor 'rejected_tokens' holds -inf at element 4"),
        PreferenceCorruption(name: "a NaN token id", file: "pairs.safetensors", tensor: "chosen", index: 3, value: .nan,
                             mention: "tensor 'chosen' holds nan at element 3, which is not a token id"),
        PreferenceCorruption(name: "a token id past Int32", file: "pairs.safetensors", tensor: "prompt", index: 0, value: 3e9,
                             mention: "tensor 'prompt' holds 3e+09 at element 0"),
        PreferenceCorruption(name: "a token id past the vocabulary", file: "pairs.safetensors", tensor: "rejected", index: 0, value: 1000,
                             mention: "pair 1: token id 1000 is outside the vocabulary (24 tokens)"),
        PreferenceCorruption(name: "a NaN pair length", file: "pairs.safetensors", tensor: "prompt_lengths", index: 5, value: .nan,
                             mention: "tensor 'prompt_lengths' holds nan at element 5"),
        PreferenceCorruption(name: "a prompt length that leaves tokens over", file: "pairs.safetensors", tensor: "prompt_lengths", index: 0, value: 0,
                             mention: "tensor 'prompt_lengths' adds up to"),
    ]

    /// Writes `file` back with element `index` of `tensor` replaced.
    func spoil(_ directory: String) throws {
        let path = directory + "/" + file
        let saved = try SafetensorsFile(path: path)
        var tensors: [(String, Tensor)] = []
        for name in saved.names.sorted() {
            var tensor = try saved.tensor(name)
            if name == self.tensor {
                var values = tensor.scalars
                values[index] = value
                tensor = try Tensor(values, shape: tensor.shape)
            }
            tensors.append((name, tensor))
        }
        try SafetensorsWriter.write(tensors, to: path)
    }
}

@Suite(.serialized) struct CorruptPreferenceRunTests {
    @Test(arguments: PreferenceCorruption.all)
    func resumingNamesTheFileAndTensor(_ corruption: PreferenceCorruption) throws {
        let dir = ReferenceConfigKeyTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = PreferenceObjectiveTests.options(dir)
        options.steps = 1
        let run = try PreferenceTraining.start(policy: try PreferenceObjectiveTests.model(), pairs: PreferenceObjectiveTests.pairs(),
                                               loss: TestDPO(), settings: [:], options: options, reference: nil, cacheDirectory: nil)
        #expect(try run.run() == .finished)
        try corruption.spoil(dir)
        let error = #expect(throws: TrainingError.self) { try PreferenceTraining.resume(directory: dir) { _ in TestDPO() } }
        #expect(error?.place == dir + "/" + corruption.file, "\(String(describing: error))")
        #expect(error?.message.contains(corruption.mention) == true, "\(String(describing: error))")
    }

    /// A corrupt cache entry fails the run that finds it, naming the entry.
    @Test func aCorruptCacheEntryIsNamed() throws {
        let base = ReferenceConfigKeyTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let cache = base + "/cache"
        _ = try ReferenceConfigKeyTests.prepare(try PreferenceObjectiveTests.model(), cache: cache, run: base + "/a")
        let entry = try #require(try FileManager.default.contentsOfDirectory(atPath: cache).first)
        try PreferenceCorruption(name: "", file: entry, tensor: "chosen_lengths", index: 0, value: -3, mention: "").spoil(cache)
        let error = #expect(throws: TrainingError.self) {
            try ReferenceConfigKeyTests.prepare(try PreferenceObjectiveTests.model(), cache: cache, run: base + "/b")
        }
        #expect(error?.place == cache + "/" + entry && error?.message.contains("'chosen_lengths' holds -3.0 at element 0") == true,
                "\(String(describing: error))")
        #expect(error?.message.hasSuffix("the cache entry is damaged: delete it to compute the log-probs again") == true)
    }
}
