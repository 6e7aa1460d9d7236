import Base
import Foundation
import Models
import Tensor
import Testing
@testable import Training

/// The engine's inference forward against the generic tensor forward of `TransformerModel` (its
/// oracle): log-probs within 1e-4 (relative), the same greedy and seeded tokens.
struct InferenceTests {
    static let fixtures = ["llama", "llama_gqa_tied", "llama_biases", "gpt2", "qwen2_sharded", "mistral_f16", "llama3_rope_bf16"]

    /// |a − b| within 1e-4 of b's size (at least 1e-4).
    static func close(_ a: Float, _ b: Float) -> Bool { abs(a - b) <= 1e-4 * max(1, abs(b)) }

    /// Small random models of both architectures: Llama with grouped-query attention (4 query
    /// heads over 2 key/value heads) and untied head, GPT-2 with learned positions.
    static func randomModel(_ architecture: ModelConfig.Architecture) throws -> TransformerModel {
        let config = try ModelConfig.make(architecture: architecture, vocab: 97, hidden: 32, layers: 2, heads: 4,
                                          kvHeads: architecture == .gpt2 ? nil : 2, tie: architecture == .gpt2, maxLength: 256)
        return try TransformerModel.random(config: config, seed: 11)
    }

    static func model(_ name: String) throws -> TransformerModel {
        switch name {
        case "random_llama_gqa": try randomModel(.llama)
        case "random_gpt2": try randomModel(.gpt2)
        default: try TransformerModel.load(directory: modelFixtures + "/" + name)
        }
    }

    static let models = fixtures + ["random_llama_gqa", "random_gpt2"]

    /// Three rows of 40 positions: 118 scored rows, so the logits are taken in two chunks of
    /// `InferencePass.logitRows`, each row's log-softmax over its whole vocabulary.
    @Test(arguments: models)
    func logprobsMatchTheGenericForward(_ name: String) throws {
        let model = try Self.model(name)
        let (batch, length) = (3, 40)
        let (inputs, targets) = sampleBatch(batch: batch, length: length, vocabulary: model.config.vocabSize, seed: 5)
        let scores = try InferenceModel(model: model).score(inputs: inputs, targets: targets, batch: batch, length: length)
        #expect(InferencePass.logitRows < targets.filter { $0 >= 0 }.count)
        for b in 0..<batch {
            let ids = inputs[(b * length)..<((b + 1) * length)].map(Int.init)
            let logits = try model.logits(ids).logSoftmax(axis: -1)                               // [T, V]
            for t in 0..<length {
                let target = Int(targets[b * length + t])
                guard target >= 0 else {
                    #expect(scores.logprobs[b * length + t] == 0)
                    continue
                }
                let row = try logits.select(axis: 0, index: t).scalars
                let expected = row[target]
                #expect(Self.close(scores.logprobs[b * length + t], expected), "\(name) row \(b) position \(t): \(scores.logprobs[b * length + t]) vs \(expected)")
                #expect(scores.greedy[b * length + t] == (row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) } == target))
            }
        }
    }

    /// `logprobs` skips the arg-max scan and reuses the buffers of the last shape; neither may
    /// move a bit: the same calls, in any order of shapes, give `score`'s log-probs exactly.
    @Test(arguments: ["random_llama_gqa", "random_gpt2"])
    func logprobsEqualScoresBitForBitAcrossReusedBuffers(_ name: String) throws {
        let model = try Self.model(name)
        let inference = try InferenceModel(model: model)
        let (large, small) = (sampleBatch(batch: 3, length: 40, vocabulary: model.config.vocabSize, seed: 5),
                              sampleBatch(batch: 2, length: 9, vocabulary: model.config.vocabSize, seed: 6))
        let expected = try InferenceModel(model: model).score(inputs: large.0, targets: large.1, batch: 3, length: 40).logprobs
        let first = try inference.logprobs(inputs: large.0, targets: large.1, batch: 3, length: 40)
        let again = try inference.logprobs(inputs: large.0, targets: large.1, batch: 3, length: 40)
        _ = try inference.logprobs(inputs: small.0, targets: small.1, batch: 2, length: 9)
        let afterAnotherShape = try inference.logprobs(inputs: large.0, targets: large.1, batch: 3, length: 40)
        for run in [first, again, afterAnotherShape] { #expect(run.map(\.bitPattern) == expected.map(\.bitPattern)) }
    }

    /// A separate DPO reference model is run over its own tensors, the policy's over the engine's
    /// store; the same weights must give the same log-probs to the bit, or the reference cache
    /// would hold values that depend on which of the two computed them.
    @Test(arguments: ["random_llama_gqa", "random_gpt2", "llama_biases"])
    func aModelsTensorsAndAnEnginesStoreScoreBitForBitAlike(_ name: String) throws {
        let model = try Self.model(name)
        let (inputs, targets) = sampleBatch(batch: 2, length: 12, vocabulary: model.config.vocabSize, seed: 8)
        let overTensors = try InferenceModel(model: model).logprobs(inputs: inputs, targets: targets, batch: 2, length: 12)
        let overStore = try InferenceModel(engine: try TrainableModel(model: model)).logprobs(inputs: inputs, targets: targets, batch: 2, length: 12)
        #expect(overTensors.map(\.bitPattern) == overStore.map(\.bitPattern))
    }

    /// The DPO reference pass reads the engine's stores: with adapters, their contribution counts.
    @Test func engineWithAdaptersMatchesItsTrainingForward() throws {
        let model = try TransformerModel.load(directory: modelFixtures + "/llama_gqa_tied")
        let lora = LoRAConfig(rank: 2, alpha: 4, targetModules: ["q_proj", "v_proj", "down_proj"])
        let engine = try TrainableModel(model: model, lora: lora, seed: 4)
        let adapters = try #require(engine.adapters)
        var random = RandomGenerator(seed: 5)
        for i in 0..<adapters.count { adapters.values[i] = (random.nextUniform() - 0.5) * 0.4 }
        let (batch, length) = (2, 9)
        let (inputs, targets) = sampleBatch(batch: batch, length: length, vocabulary: model.config.vocabSize, seed: 2)
        let training = try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length, dropout: false)
        let inference = try InferenceModel(engine: engine).score(inputs: inputs, targets: targets, batch: batch, length: length).logprobs
        let base = try InferenceModel(model: model).score(inputs: inputs, targets: targets, batch: batch, length: length).logprobs
        for i in inputs.indices { #expect(Self.close(inference[i], training[i]), "position \(i): \(inference[i]) vs \(training[i])") }
        #expect(zip(inference, base).contains { abs($0 - $1) > 1e-3 }, "the adapters change the log-probs")
    }

    @Test(arguments: models)
    func greedyGenerationMatchesTheGenericForward(_ name: String) throws {
        let model = try Self.model(name)
        let prompt = [3, 17, 5, 9, 2, 11]
        let expected = try model.generate(prompt: prompt, maxTokens: 24)
        #expect(try InferenceModel(model: model).generate(prompt: prompt, maxTokens: 24) == expected)
    }

    /// Every token decoded over the KV cache is the arg-max of a full recomputation of its prefix.
    @Test(arguments: ["llama_gqa_tied", "random_llama_gqa", "random_gpt2"])
    func cachedDecodingMatchesFullRecomputation(_ name: String) throws {
        let inference = try InferenceModel(model: try Self.model(name))
        let prompt = [4, 8, 15, 16, 23, 42]
        let made = try inference.generate(prompt: prompt, maxTokens: 30)
        try #require(made.count >= 2)
        let ids = prompt + made
        let targets = ids.indices.dropFirst().map { $0 >= prompt.count ? Int32(ids[$0]) : -1 }
        let scores = try inference.score(inputs: ids.dropLast().map(Int32.init), targets: targets, batch: 1, length: ids.count - 1)
        for t in (prompt.count - 1)..<(ids.count - 1) { #expect(scores.greedy[t], "token \(t + 1) is not the recomputed arg-max") }
    }

    /// Past the cache's first reservation it grows, keeping the keys and values decoded so far.
    @Test func decodingPastTheFirstReservation() throws {
        var config = try ModelConfig.make(architecture: .llama, vocab: 23, hidden: 16, layers: 1, heads: 2, maxLength: 4096)
        config.eosTokenIds = []
        let model = try TransformerModel.random(config: config, seed: 3)
        let count = InferenceModel.Decoder.firstReserve + 40
        let made = try InferenceModel(model: model).generate(prompt: [1, 2], maxTokens: count)
        #expect(made == (try model.generate(prompt: [1, 2], maxTokens: count)))
        #expect(made.count == count)
    }

    @Test(arguments: ["llama_gqa_tied", "random_gpt2"])
    func seededSamplingDrawsTheSameTokens(_ name: String) throws {
        let model = try Self.model(name)
        var sampling = TransformerModel.Sampling()
        sampling.temperature = 0.9
        sampling.topK = 20
        sampling.topP = 0.95
        sampling.seed = 7
        let expected = try model.generate(prompt: [5, 6, 7], maxTokens: 20, sampling: sampling)
        #expect(try InferenceModel(model: model).generate(prompt: [5, 6, 7], maxTokens: 20, sampling: sampling) == expected)
    }

    /// Mistral's sliding window, narrower than the sequence, in scoring and in decoding.
    @Test func slidingWindowMatchesTheGenericForward() throws {
        let loaded = try TransformerModel.load(directory: modelFixtures + "/mistral_f16")
        var config = loaded.config
        config.slidingWindow = 5
        let model = try TransformerModel(config: config, weights: loaded.weights)
        let ids = Array(0..<20).map { ($0 * 37 + 11) % config.vocabSize }
        let expected = try model.tokenLogprobs(ids).scalars
        let logprobs = try InferenceModel(model: model).tokenLogprobs(ids)
        for (a, b) in zip(logprobs, expected) { #expect(Self.close(a, b), "\(a) vs \(b)") }
        #expect(try InferenceModel(model: model).generate(prompt: ids, maxTokens: 12) == (try model.generate(prompt: ids, maxTokens: 12)))
    }

    /// Built per call over the model's own tensors, it sees the weights a training run left.
    @Test func followsReplacedWeights() throws {
        let model = try Self.randomModel(.llama)
        let ids = [1, 2, 3, 4, 5]
        let before = try InferenceModel(model: model).tokenLogprobs(ids)
        var weights = model.weights
        for (name, tensor) in weights where name.hasSuffix("down_proj.weight") { weights[name] = tensor * 3 }
        try model.replaceWeights(weights)
        let after = try InferenceModel(model: model).tokenLogprobs(ids)
        let expected = try model.tokenLogprobs(ids).scalars
        #expect(before != after)
        for (a, b) in zip(after, expected) { #expect(Self.close(a, b)) }
    }
}

/// The real SmolLM2 file, when PREFLAB_SMOLLM2_GGUF names it: the engine against transformers'
/// figures (Tests/ModelsTests/Fixtures/smollm2) and against the generic forward.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PREFLAB_SMOLLM2_GGUF"] != nil))
struct SmolLM2InferenceTests {
    struct Case: Decodable {
        let ids: [Int]
        let logsumexp: [Double]
        let argmax: [Int]
        let top_logits: [[Double]]
    }

    struct Expected: Decodable {
        let cases: [Case]
        let greedy_prompt: [Int]
        let greedy: [Int]
    }

    @Test func matchesTransformersAndTheGenericForward() throws {
        let path = ProcessInfo.processInfo.environment["PREFLAB_SMOLLM2_GGUF"] ?? ""
        let fixture = URL(fileURLWithPath: modelFixtures).deletingLastPathComponent().appendingPathComponent("smollm2/expected.json")
        let expected = try JSONDecoder().decode(Expected.self, from: try Data(contentsOf: fixture))
        let model = try TransformerModel.load(path: path)
        let inference = try InferenceModel(model: model)
        var worstTransformers = 0.0, worstGeneric: Float = 0
        for sample in expected.cases {
            // Each position scored on transformers' arg-max: log p = top logit − logsumexp.
            let scores = try inference.score(inputs: sample.ids.map(Int32.init), targets: sample.argmax.map(Int32.init),
                                             batch: 1, length: sample.ids.count)
            let generic = try model.logits(sample.ids).logSoftmax(axis: -1)
            for position in sample.ids.indices {
                let reference = sample.top_logits[position][0] - sample.logsumexp[position]
                worstTransformers = max(worstTransformers, abs(Double(scores.logprobs[position]) - reference))
                let oracle = try generic.element(at: [position, sample.argmax[position]])
                worstGeneric = max(worstGeneric, abs(scores.logprobs[position] - oracle) / max(1, abs(oracle)))
                #expect(scores.greedy[position], "arg-max at \(position)")
            }
        }
        print("SmolLM2 engine log-probs: max |difference| from transformers \(worstTransformers), relative from the generic forward \(worstGeneric)")
        #expect(worstTransformers < 2e-3)
        #expect(worstGeneric < 1e-4)
        let greedy = expected.greedy.last == model.config.eosTokenIds.first ? Array(expected.greedy.dropLast()) : expected.greedy
        #expect(try inference.generate(prompt: expected.greedy_prompt, maxTokens: expected.greedy.count) == greedy)
    }
}
