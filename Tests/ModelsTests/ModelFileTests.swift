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

    @Test(arguments: [ModelConfig.Architecture.llama, .qwen2, .gpt2])
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

    @Test func fixtureModelsSurviveASaveUnchanged() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama3_rope_bf16")
        let directory = try temporary()
        try model.save(directory: directory)
        let loaded = try TransformerModel.load(directory: directory)
        #expect(loaded.config == model.config)
        #expect(try loaded.logits([1, 2, 3]).scalars == (try model.logits([1, 2, 3]).scalars))
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

    @Test func greedyAndSampledGeneration() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let greedy = try model.generate(prompt: [1, 5, 17], maxTokens: 6)
        #expect(greedy.count <= 6)
        // Greedy picks the argmax of the last position each step.
        let first = try model.logits([1, 5, 17]).select(axis: 0, index: 2).argmax().item()
        if let token = greedy.first { #expect(Float(token) == first) }
        var sampling = TransformerModel.Sampling()
        sampling.temperature = 1
        sampling.topK = 5
        sampling.seed = 9
        let sampled = try model.generate(prompt: [1, 5, 17], maxTokens: 8, sampling: sampling)
        #expect(sampled == (try model.generate(prompt: [1, 5, 17], maxTokens: 8, sampling: sampling)))
        sampling.topP = 0.5
        #expect(try model.generate(prompt: [1], maxTokens: 4, sampling: sampling).allSatisfy { (0..<300).contains($0) })
        #expect(throws: ModelError.self) { try model.generate(prompt: [], maxTokens: 3) }
    }
}
