import Foundation
import Testing
@testable import Models
@testable import Tensor

@Suite struct ModelFileTests {
    func temporary() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test(arguments: ModelConfig.Architecture.allCases)
    func randomModelsSaveAndLoadWithTheSameLogits(_ architecture: ModelConfig.Architecture) throws {
        let config = try ModelConfig.make(architecture: architecture, vocab: 50, hidden: 16, layers: 2, heads: 4,
                                          kvHeads: architecture == .gpt2 ? nil : 2, maxLength: 32)
        let model = try TransformerModel.random(config: config, seed: 3)
        let again = try TransformerModel.random(config: config, seed: 3)
        let ids = [1, 4, 9, 16, 25, 36]
        #expect(try model.logits(ids).scalars == (try again.logits(ids).scalars))
        let directory = try temporary()
        try model.save(directory: directory)
        let loaded = try TransformerModel.load(directory: directory)
        #expect(loaded.config == model.config)
        #expect(try loaded.logits(ids).scalars == (try model.logits(ids).scalars))
        #expect(model.parameterCount == loaded.parameterCount && model.parameterCount > 0)
    }

    /// A checkpoint missing a weight, or holding one of the wrong shape, is refused with the file and tensor named.
    @Test func missingAndMisshapedWeightsAreNamed() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let directory = try temporary()
        try FileManager.default.copyItem(atPath: fixtures + "/models/llama/config.json", toPath: directory + "/config.json")
        let missing = "model.layers.1.mlp.up_proj.weight"
        try SafetensorsWriter.write(model.weights.filter { $0.key != missing }.map { ($0.key, $0.value) }, to: directory + "/model.safetensors")
        do {
            _ = try TransformerModel.load(directory: directory)
            Issue.record("a missing weight must be refused")
        } catch let error as ModelError {
            #expect(error.tensor == missing && error.message.contains("missing"))
            #expect(error.file == directory + "/model.safetensors", "the error names the checkpoint file: \(error)")
        }
        var wrong = model.weights
        wrong["model.norm.weight"] = try Tensor.ones([7])
        try SafetensorsWriter.write(wrong.map { ($0.key, $0.value) }, to: directory + "/model.safetensors")
        do {
            _ = try TransformerModel.load(directory: directory)
            Issue.record("a misshaped weight must be refused")
        } catch let error as ModelError {
            #expect(error.tensor == "model.norm.weight" && error.file.hasSuffix("model.safetensors") && error.message.contains("[7]"))
        }
        try Data(#"{"model_type": "t5"}"#.utf8).write(to: URL(fileURLWithPath: directory + "/config.json"))
        #expect(throws: ModelError.self) { try TransformerModel.load(directory: directory) }
    }

    /// A config claiming ten million layers beside a two-layer checkpoint must be refused at once
    /// (the weight table used to be built for every claimed layer first: 13 GB, over a minute),
    /// naming the first missing tensor, the checkpoint file, and config.json's key.
    @Test func aConfigClaimingMoreLayersThanTheCheckpointIsRefusedCheaply() throws {
        let directory = try temporary()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: fixtures + "/models/llama/model.safetensors", toPath: directory + "/model.safetensors")
        let source = try #require(FileManager.default.contents(atPath: fixtures + "/models/llama/config.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: source) as? [String: Any])
        json["num_hidden_layers"] = 10_000_000
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: directory + "/config.json"))
        let started = Date()
        let error = #expect(throws: ModelError.self) { try TransformerModel.load(directory: directory) }
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(error?.tensor == "model.layers.2.input_layernorm.weight", "the first missing tensor, in layer order: \(String(describing: error))")
        #expect(error?.file == directory + "/model.safetensors")
        #expect(error?.message.contains("config.json: num_hidden_layers is 10000000, but the checkpoint holds 2 layers") == true,
                "\(String(describing: error))")
        // The Swift API's random model refuses such a size before allocating.
        let config = try ModelConfig(directory: directory)
        #expect(throws: ModelError.self) { try TransformerModel.random(config: config, seed: 0) }
    }

    /// A tokenizer with more tokens than the model's vocabulary would produce ids without a row
    /// in the embeddings; load (and random with tokenizer:) refuse it, naming both sizes.
    @Test func aTokenizerLargerThanTheModelIsRefused() throws {
        let directory = try temporary()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for file in ["config.json", "model.safetensors"] {
            try FileManager.default.copyItem(atPath: fixtures + "/models/llama/\(file)", toPath: directory + "/\(file)")
        }
        try FileManager.default.copyItem(atPath: fixtures + "/tokenizers/sentencepiece.json", toPath: directory + "/tokenizer.json")
        let error = #expect(throws: ModelError.self) { try TransformerModel.load(directory: directory) }
        #expect(error?.file == directory + "/tokenizer.json")
        #expect(error?.message.contains("600 tokens") == true && error?.message.contains("vocab_size of 300") == true, "\(String(describing: error))")
        let tokenizer = try Tokenizer(path: fixtures + "/tokenizers/sentencepiece.json")
        let small = try ModelConfig.make(architecture: .llama, vocab: 599, hidden: 8, layers: 1, heads: 2)
        #expect(throws: ModelError.self) { try TransformerModel.random(config: small, seed: 0, tokenizer: tokenizer) }
        // A model vocabulary larger than the tokenizer's (Hugging Face pads vocab_size) is fine.
        let padded = try ModelConfig.make(architecture: .llama, vocab: 640, hidden: 8, layers: 1, heads: 2)
        #expect(try TransformerModel.random(config: padded, seed: 0, tokenizer: tokenizer).tokenizer != nil)
    }

    /// Greedy generation stops at EOS and leaves it out: a model built so that token 5 is
    /// followed by 6, 6 by 7 and 7 by EOS (2) gives [6, 7] however many tokens are allowed.
    @Test func greedyGenerationStopsBeforeEOS() throws {
        let config = try ModelConfig.make(architecture: .llama, vocab: 16, hidden: 16, layers: 1, heads: 2, tie: false, maxLength: 32)
        #expect(config.eosTokenIds == [2])
        let model = try TransformerModel.random(config: config, seed: 1)
        // Embeddings are one-hot and the blocks add nothing (zero output projections), so the
        // final norm sees one-hot(t)·√h and the LM head row `next` holding one-hot(t) wins.
        let successor = [5: 6, 6: 7, 7: 2]
        var embeddings = [Float](repeating: 0, count: 16 * 16), head = [Float](repeating: 0, count: 16 * 16)
        for t in 0..<16 {
            embeddings[t * 16 + t] = 1
            head[(successor[t] ?? 3) * 16 + t] = 1
        }
        var weights = model.weights
        weights["model.embed_tokens.weight"] = try Tensor(embeddings, shape: [16, 16])
        weights["lm_head.weight"] = try Tensor(head, shape: [16, 16])
        weights["model.layers.0.self_attn.o_proj.weight"] = try Tensor.zeros([16, 16])
        weights["model.layers.0.mlp.down_proj.weight"] = try Tensor.zeros(weights["model.layers.0.mlp.down_proj.weight"]!.shape)
        try model.replaceWeights(weights)
        #expect(try model.logits([7]).argmax().item() == 2, "EOS is the argmax after token 7")
        #expect(try model.generate(prompt: [1, 5], maxTokens: 10) == [6, 7])
        #expect(try model.generate(prompt: [7], maxTokens: 10) == [])
        #expect(try model.generate(prompt: [4], maxTokens: 3) == [3, 3, 3], "without EOS, max_tokens ends it")
    }

    /// Sampling options are checked by name; NaN is not "negative".
    @Test func badSamplingOptionsAreNamed() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        func message(_ change: (inout TransformerModel.Sampling) -> Void, stop: [String] = []) -> String {
            var sampling = TransformerModel.Sampling()
            change(&sampling)
            do { _ = try model.generate(prompt: [1], maxTokens: 2, sampling: sampling, stop: stop) } catch { return "\(error)" }
            return "no error"
        }
        #expect(message({ $0.temperature = .nan }).contains("temperature must be a finite number"))
        #expect(message({ $0.temperature = -1 }).contains("temperature must not be negative"))
        #expect(message({ $0.topK = -5 }).contains("top_k must not be negative"))
        #expect(message({ $0.topP = 0 }).contains("top_p must be in (0, 1]"))
        #expect(message({ _ in }, stop: [""]).contains("stop strings must not be empty"))
        #expect(message({ $0.topK = 0; $0.temperature = 1 }) == "no error")
    }

    /// Every option the fixtures carry (RoPE kinds and forms, biases, head_dim, the sliding
    /// window) survives PrefLab's config.json.
    @Test(arguments: ["llama3_rope_bf16", "llama_v4_linear_rope", "llama_linear_rope", "llama_biases", "llama_head_dim", "mistral"])
    func fixtureModelsSurviveASaveUnchanged(_ name: String) throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/\(name)")
        let directory = try temporary()
        try model.save(directory: directory)
        let loaded = try TransformerModel.load(directory: directory)
        #expect(loaded.config == model.config)
        let ids = [1, 2, 3, 5, 8, 13, 21, 34]
        #expect(try loaded.logits(ids).scalars == (try model.logits(ids).scalars))
    }

    /// The KV cache must not change what the model computes: greedy decoding with it equals
    /// recomputing every step from scratch, for both forward passes.
    @Test(arguments: ["llama_gqa_tied", "gpt2"]) func cachedGenerationEqualsRecomputation(_ name: String) throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/\(name)")
        var ids = [1, 5, 17]
        for _ in 0..<5 {
            let last = try model.logits(ids).select(axis: 0, index: ids.count - 1)
            ids.append(Int(try last.argmax().item()))
        }
        #expect(try model.generate(prompt: [1, 5, 17], maxTokens: 5) == Array(ids.dropFirst(3)))
        let cache = KVCache(layers: model.config.layers)
        let whole = try model.logits([1, 5, 17, 4])
        _ = try model.forward([1, 5], cache: cache)
        let rest = try model.forward([17, 4], cache: cache)
        let expected = try whole.slice(axis: 0, start: 2).scalars
        #expect(zip(rest.scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    /// Greedy generation recomputed by hand: the argmax of the last position, step by step,
    /// ending at EOS (left out) or after `count` tokens.
    func greedyByHand(_ model: TransformerModel, _ prompt: [Int], count: Int) throws -> [Int] {
        var ids = prompt
        for _ in 0..<count {
            let next = Int(try model.logits(ids).select(axis: 0, index: ids.count - 1).argmax().item())
            if model.config.eosTokenIds.contains(next) { break }
            ids.append(next)
        }
        return Array(ids.dropFirst(prompt.count))
    }

    func sampling(temperature: Double = 1, topK: Int? = nil, topP: Double? = nil, seed: UInt64) -> TransformerModel.Sampling {
        var sampling = TransformerModel.Sampling()
        (sampling.temperature, sampling.topK, sampling.topP, sampling.seed) = (temperature, topK, topP, seed)
        return sampling
    }

    @Test func greedyGenerationIsTheArgmaxAtEachStep() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let greedy = try model.generate(prompt: [1, 5, 17], maxTokens: 6)
        #expect(greedy.count == 6, "the prompt is chosen so that greedy decoding does not meet EOS: \(greedy)")
        #expect(greedy == (try greedyByHand(model, [1, 5, 17], count: 6)))
        #expect(throws: ModelError.self) { try model.generate(prompt: [], maxTokens: 3) }
    }

    /// Options that leave one candidate reduce sampling to greedy decoding, whatever the seed.
    @Test func samplingOptionsThatLeaveOneCandidateAreGreedy() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let prompt = [1, 5, 17], greedy = try model.generate(prompt: prompt, maxTokens: 6)
        for seed: UInt64 in 0..<8 {
            #expect(try model.generate(prompt: prompt, maxTokens: 6, sampling: sampling(topK: 1, seed: seed)) == greedy, "top_k 1")
            #expect(try model.generate(prompt: prompt, maxTokens: 6, sampling: sampling(topP: 1e-6, seed: seed)) == greedy, "tiny top_p")
            #expect(try model.generate(prompt: prompt, maxTokens: 6, sampling: sampling(temperature: 1e-6, seed: seed)) == greedy,
                    "temperature → 0")
        }
        // At temperature 1 with every token allowed, the same seeds do stray from greedy.
        let free = try (0..<8).map { try model.generate(prompt: prompt, maxTokens: 6, sampling: sampling(seed: $0)) }
        #expect(free.contains { $0 != greedy })
    }

    /// With top_k = k every sampled token is among the k highest logits of its position; over
    /// many seeds, at a high temperature, each of those k turns up.
    @Test(arguments: [1, 3, 10]) func topKSamplesOnlyTheKHighestLogits(_ k: Int) throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let prompt = [1, 5, 17]
        let last = try model.logits(prompt).select(axis: 0, index: prompt.count - 1).scalars
        let highest = Set(last.indices.sorted { last[$0] > last[$1] }.prefix(k))
        var drawn = Set<Int>()
        for seed: UInt64 in 0..<200 {
            let first = try model.generate(prompt: prompt, maxTokens: 1, sampling: sampling(temperature: 20, topK: k, seed: seed))
            drawn.formUnion(first)
        }
        #expect(drawn == highest, "drawn \(drawn.sorted()), the \(k) highest \(highest.sorted())")
        // Later steps too: each token is among the k highest logits after the tokens before it.
        for seed: UInt64 in 0..<10 {
            let made = try model.generate(prompt: prompt, maxTokens: 6, sampling: sampling(temperature: 2, topK: k, seed: seed))
            for (t, token) in made.enumerated() {
                let row = try model.logits(prompt + made.prefix(t)).select(axis: 0, index: prompt.count + t - 1).scalars
                #expect(row.filter { $0 > row[token] }.count < k, "seed \(seed), step \(t): token \(token) is not among the \(k) highest")
            }
        }
    }

    /// With top_p = p the sampled token is in the nucleus — the fewest most likely tokens whose
    /// probability (at the sampling temperature) reaches p — and over many seeds each of them turns up.
    @Test func topPSamplesOnlyTheNucleus() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let prompt = [1, 5, 17], temperature = 0.1, p = 0.5
        let last = try model.logits(prompt).select(axis: 0, index: prompt.count - 1).scalars.map(Double.init)
        let peak = last.max() ?? 0
        let weights = last.map { Foundation.exp(($0 - peak) / temperature) }
        let total = weights.reduce(0, +)
        var nucleus = Set<Int>(), mass = 0.0
        for index in last.indices.sorted(by: { last[$0] > last[$1] }) where mass < p {
            nucleus.insert(index)
            mass += weights[index] / total
        }
        #expect(nucleus.count > 1 && nucleus.count < 300, "p must leave a real choice: \(nucleus.count) tokens")
        var drawn = Set<Int>()
        for seed: UInt64 in 0..<200 {
            drawn.formUnion(try model.generate(prompt: prompt, maxTokens: 1, sampling: sampling(temperature: temperature, topP: p, seed: seed)))
        }
        #expect(drawn == nucleus, "drawn \(drawn.sorted()), nucleus \(nucleus.sorted())")
    }

    @Test func theSeedFixesTheSample() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let prompt = [1, 5, 17]
        let runs = try (0..<6).map { try model.generate(prompt: prompt, maxTokens: 8, sampling: sampling(topK: 50, topP: 0.9, seed: $0)) }
        for (seed, run) in runs.enumerated() {
            #expect(run == (try model.generate(prompt: prompt, maxTokens: 8, sampling: sampling(topK: 50, topP: 0.9, seed: UInt64(seed)))))
        }
        #expect(Set(runs).count > 1, "different seeds should not all give the same text: \(runs)")
    }
}
