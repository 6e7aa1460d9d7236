import Foundation
import Testing
@testable import Models
@testable import Tensor

/// Logits transformers computed for tiny random models (scripts/fixtures/models_forward.py).
struct ForwardCase: Decodable {
    let ids: [Int]
    let logits: [[Float]]
}

let forwardCases: [String: ForwardCase] = {
    guard let data = FileManager.default.contents(atPath: fixtures + "/models/expected.json"),
          let decoded = try? JSONDecoder().decode([String: ForwardCase].self, from: data) else { return [:] }
    return decoded
}()

@Suite struct ForwardTests {
    @Test(arguments: ["llama", "llama_gqa_tied", "llama3_rope_bf16", "mistral_f16", "qwen2_sharded", "gpt2",
                      "llama_v4_linear_rope", "llama_linear_rope", "llama_biases", "llama_head_dim", "mistral"])
    func logitsMatchTransformers(_ name: String) throws {
        let reference = try #require(forwardCases[name])
        let model = try TransformerModel.load(directory: fixtures + "/models/\(name)")
        let logits = try model.logits(reference.ids)
        #expect(logits.shape == [reference.ids.count, reference.logits[0].count])
        let expected = reference.logits.flatMap { $0 }
        let worst = zip(logits.scalars, expected).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "\(name): max |difference| \(worst)")
    }

    /// Each option fixture must actually exercise its option, or its parity test proves nothing.
    @Test func optionFixturesCarryTheirOptions() throws {
        func config(_ name: String) throws -> ModelConfig { try ModelConfig(directory: fixtures + "/models/\(name)") }
        let legacy = try #require(FileManager.default.contents(atPath: fixtures + "/models/llama_v4_linear_rope/config.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: legacy) as? [String: Any])
        #expect(json["rope_parameters"] == nil && json["rope_theta"] as? Double == 5000
                && (json["rope_scaling"] as? [String: Any])?["type"] as? String == "linear")
        #expect(try config("llama_v4_linear_rope").rope == RoPE(theta: 5000, kind: .linear, factor: 2))
        #expect(try config("llama_linear_rope").rope == RoPE(theta: 10000, kind: .linear, factor: 4))
        let biases = try config("llama_biases")
        #expect(biases.qkvBias && biases.outputBias && biases.mlpBias)
        let headDim = try config("llama_head_dim")
        #expect(headDim.headDim == 24 && headDim.headDim * headDim.heads != headDim.hiddenSize)
        #expect(try config("mistral").slidingWindow == 5 && (forwardCases["mistral"]?.ids.count ?? 0) > 5)
        #expect(try config("mistral_f16").slidingWindow == 4096)
    }

    /// Mistral's window, with the KV cache: generating past the window one token at a time
    /// gives the logits of the whole sequence at once.
    @Test func slidingWindowHoldsWithTheCache() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/mistral")
        let ids = [1, 5, 17, 42, 3, 7, 7, 64, 32, 2]
        let whole = try model.logits(ids)
        let cache = KVCache(layers: model.config.layers)
        _ = try model.forward(Array(ids.prefix(3)), cache: cache)
        for t in 3..<ids.count {
            let step = try model.forward([ids[t]], cache: cache).scalars
            let expected = try whole.select(axis: 0, index: t).scalars
            #expect(zip(step, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "position \(t)")
        }
    }

    @Test func tokenLogprobsAreLogSoftmaxAtTheNextToken() throws {
        let reference = try #require(forwardCases["llama"])
        let model = try TransformerModel.load(directory: fixtures + "/models/llama")
        let logprobs = try model.tokenLogprobs(reference.ids).scalars
        #expect(logprobs.count == reference.ids.count - 1)
        for t in 0..<(reference.ids.count - 1) {
            let row = reference.logits[t].map(Double.init)
            let peak = row.max() ?? 0
            let expected = row[reference.ids[t + 1]] - peak - Foundation.log(row.map { Foundation.exp($0 - peak) }.reduce(0, +))
            #expect(abs(Double(logprobs[t]) - expected) < 1e-4)
        }
    }

    /// Padding with a key mask: each sequence of a batch gets exactly its own logits.
    @Test(arguments: ["llama_gqa_tied", "qwen2_sharded", "gpt2"]) func batchesWithPaddingMatchSingleSequences(_ name: String) throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/\(name)")
        let batch = [[1, 5, 17, 42, 99], [3, 250], [7, 7, 64]]
        let logits = try model.logits(batch: batch)
        #expect(logits.shape == [3, 5, 300])
        for (i, ids) in batch.enumerated() {
            let single = try model.logits(ids).scalars
            let rows = try logits.select(axis: 0, index: i).slice(axis: 0, end: ids.count).scalars
            #expect(zip(rows, single).allSatisfy { abs($0 - $1) < 1e-5 }, "\(name) sequence \(i)")
        }
        #expect(throws: ModelError.self) { try model.logits(batch: [[1], []]) }
        #expect(throws: ModelError.self) { try model.logits(batch: []) }
    }

    @Test func badInputsNameTheProblem() throws {
        let model = try TransformerModel.load(directory: fixtures + "/models/gpt2")
        #expect(throws: ModelError.self) { try model.logits([]) }
        #expect(throws: ModelError.self) { try model.logits([300]) }
        #expect(throws: ModelError.self) { try model.logits([Int](repeating: 1, count: 65)) }
        #expect(throws: ModelError.self) { try model.tokenLogprobs([1]) }
        #expect(throws: ModelError.self) { try TransformerModel.load(directory: fixtures + "/sharded") }
    }
}
