import Foundation
import Testing
@testable import Models
@testable import Tensor

/// Logits transformers computed after loading tiny GGUF files written as llama.cpp's converter
/// writes them (scripts/fixtures/gguf_models.py).
struct GGUFForwardCase: Decodable {
    let ids: [Int]
    let logits: [Float]
    let shape: [Int]
}

let ggufForwardCases: [String: GGUFForwardCase] = {
    guard let data = FileManager.default.contents(atPath: fixtures + "/gguf-models/expected.json"),
          let decoded = try? JSONDecoder().decode([String: GGUFForwardCase].self, from: data) else { return [:] }
    return decoded
}()

@Suite struct GGUFModelTests {
    /// llama (Q/K interleaved, untied head, a Q8_0 and an F16 tensor), llama tied (no
    /// output.weight), qwen2 (biases, not interleaved) and gpt2 (Conv1D transposed, fused qkv).
    @Test(arguments: ["llama", "llama_tied", "qwen2", "gpt2"])
    func logitsMatchTransformersGGUFLoad(_ name: String) throws {
        let reference = try #require(ggufForwardCases[name])
        let model = try TransformerModel.load(path: fixtures + "/gguf-models/\(name).gguf")
        let logits = try model.logits(reference.ids)
        #expect(logits.shape == reference.shape)
        let worst = zip(logits.scalars, reference.logits).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "\(name): max |difference| \(worst)")
    }

    @Test func configComesFromTheMetadataAndTheTensorsPresent() throws {
        let llama = try TransformerModel.load(path: fixtures + "/gguf-models/llama.gguf").config
        #expect(llama.architecture == .llama && llama.layers == 2 && llama.heads == 4 && llama.kvHeads == 2)
        #expect(!llama.tieWordEmbeddings && llama.rope?.theta == 50000 && llama.vocabSize == 96)
        #expect(try TransformerModel.load(path: fixtures + "/gguf-models/llama_tied.gguf").config.tieWordEmbeddings)
        let qwen = try TransformerModel.load(path: fixtures + "/gguf-models/qwen2.gguf").config
        #expect(qwen.architecture == .qwen2 && qwen.qkvBias)
    }

    /// Skipping the un-interleave gives fluent-looking but wrong logits, so the test checks that
    /// the llama fixture's q and k differ from the file's row order, and that qwen2's do not.
    @Test func onlyLlamaQAndKAreUninterleaved() throws {
        let file = try GGUFFile(path: fixtures + "/gguf-models/llama_tied.gguf")
        let model = try TransformerModel.load(path: file.path)
        let stored = try file.tensor(named: "blk.0.attn_q.weight")
        let loaded = try #require(model.weights["model.layers.0.self_attn.q_proj.weight"])
        #expect(stored.shape == loaded.shape && stored.scalars != loaded.scalars)
        #expect(try file.tensor(named: "blk.0.attn_v.weight").scalars == model.weights["model.layers.0.self_attn.v_proj.weight"]?.scalars)
        let qwenFile = try GGUFFile(path: fixtures + "/gguf-models/qwen2.gguf")
        let qwen = try TransformerModel.load(path: qwenFile.path)
        #expect(try qwenFile.tensor(named: "blk.0.attn_q.weight").scalars == qwen.weights["model.layers.0.self_attn.q_proj.weight"]?.scalars)
    }

    /// A model saved as GGUF loads back with the same logits (F32), or within the storage's
    /// rounding (F16, Q8_0); llama's Q/K rows and GPT-2's transposes go out and back.
    @Test(arguments: ["llama", "qwen2", "gpt2"])
    func savedGGUFLoadsBack(_ name: String) throws {
        let model = try TransformerModel.load(path: fixtures + "/gguf-models/\(name).gguf")
        let ids = try #require(ggufForwardCases[name]).ids
        let original = try model.logits(ids).scalars
        let path = NSTemporaryDirectory() + "saved-\(UUID().uuidString).gguf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        for (storage, tolerance) in [(GGUFStorage.f32, Float(0)), (.f16, 0.02), (.q8_0, 0.1)] {
            try model.save(gguf: path, storage: storage)
            let loaded = try TransformerModel.load(path: path)
            #expect(loaded.config == model.config, "\(name) \(storage)")
            let worst = zip(try loaded.logits(ids).scalars, original).map { abs($0 - $1) }.max() ?? .infinity
            #expect(worst <= tolerance, "\(name) \(storage): max |difference| \(worst)")
            let file = try GGUFFile(path: path)
            #expect(file["general.file_type"]?.int == Int(storage.fileType))
            #expect(file.record(named: "output_norm.weight")?.type == .f32)
        }
    }

    @Test func aDirectoryHoldingOneGGUFFileLoadsIt() throws {
        let directory = NSTemporaryDirectory() + "gguf-dir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: fixtures + "/gguf-models/qwen2.gguf", toPath: directory + "/model.gguf")
        #expect(try TransformerModel.load(path: directory).config.architecture == .qwen2)
        try FileManager.default.copyItem(atPath: fixtures + "/gguf-models/gpt2.gguf", toPath: directory + "/other.gguf")
        #expect(throws: ModelError.self) { try TransformerModel.load(path: directory) }
        do { _ = try TransformerModel.load(path: directory) } catch { #expect("\(error)".contains("holds 2 GGUF files")) }
    }
}

/// The real SmolLM2-135M-Instruct GGUF (Q4_1 weights, Q8_0 embeddings), when scripts/real-model
/// has put it in the cache and scripts/test has named it in PREFLAB_SMOLLM2_GGUF, against what
/// transformers computes from the same file (scripts/fixtures/smollm2_gguf.py).
@Suite(.enabled(if: SmolLM2.path != nil)) struct SmolLM2GGUFTests {
    @Test func logitsAndGreedyDecodingMatchTransformers() throws {
        let reference = try #require(SmolLM2.expected)
        let start = Date()
        let model = try TransformerModel.load(path: try #require(SmolLM2.path))
        let seconds = Date().timeIntervalSince(start)
        print("SmolLM2 GGUF load: \(String(format: "%.2f", seconds)) s")
        var worst: Double = 0
        for sample in reference.cases {
            let logits = try model.logits(sample.ids)
            let vocabulary = model.config.vocabSize
            let values = logits.scalars
            for position in sample.ids.indices {
                let row = values[(position * vocabulary)..<((position + 1) * vocabulary)].map(Double.init)
                let peak = row.max() ?? 0
                let logSumExp = peak + log(row.reduce(0) { $0 + exp($1 - peak) })
                worst = max(worst, abs(logSumExp - sample.logsumexp[position]))
                for (column, expected) in zip(reference.columns, sample.column_logits[position]) {
                    worst = max(worst, abs(row[column] - expected))
                }
                for (id, expected) in zip(sample.top_ids[position], sample.top_logits[position]) {
                    worst = max(worst, abs(row[id] - expected))
                }
                #expect(row.indices.max { row[$0] < row[$1] } == sample.argmax[position], "argmax at \(position)")
            }
        }
        print("SmolLM2 GGUF logits: max |difference| from transformers \(worst)")
        #expect(worst < 2e-3)
        // transformers keeps the EOS that ends its greedy output; PrefLab stops before it.
        let expected = reference.greedy.last == model.config.eosTokenIds.first ? Array(reference.greedy.dropLast()) : reference.greedy
        #expect(try model.generate(prompt: reference.greedy_prompt, maxTokens: reference.greedy.count) == expected)
    }
}

/// Where the real model is, and what transformers computed from it.
enum SmolLM2 {
    struct Case: Decodable {
        let ids: [Int]
        let logsumexp: [Double]
        let argmax: [Int]
        let top_ids: [[Int]]
        let top_logits: [[Double]]
        let column_logits: [[Double]]
    }

    struct Expected: Decodable {
        let columns: [Int]
        let cases: [Case]
        let greedy_prompt: [Int]
        let greedy: [Int]
    }

    static let path: String? = {
        guard let path = ProcessInfo.processInfo.environment["PREFLAB_SMOLLM2_GGUF"], FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }()

    static let expected: Expected? = {
        guard let data = FileManager.default.contents(atPath: fixtures + "/smollm2/expected.json") else { return nil }
        return try? JSONDecoder().decode(Expected.self, from: data)
    }()
}
