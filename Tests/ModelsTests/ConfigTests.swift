import Foundation
import Testing
@testable import Models

@Suite struct ConfigTests {
    func config(_ name: String) throws -> ModelConfig {
        let path = fixtures + "/configs/\(name).json"
        return try ModelConfig(json: try #require(FileManager.default.contents(atPath: path)), file: path)
    }

    /// The one vocabulary check: the first id outside 0 ..< vocab, whatever the integer type;
    /// −1 passes only where it marks a position without a target.
    @Test func vocabularyProblemNamesTheFirstIdOutsideTheVocabulary() throws {
        let llama = try config("llama_default")
        #expect(llama.vocabularyProblem(in: [0, 31999]) == nil)
        #expect(llama.vocabularyProblem(in: [5, 32000, -3]) == "token id 32000 is outside the vocabulary (32000 tokens)")
        #expect(llama.vocabularyProblem(in: [Int32(4), -1]) == "token id -1 is outside the vocabulary (32000 tokens)")
        #expect(llama.vocabularyProblem(in: [Int32(4), -1], unscored: -1) == nil)
        #expect(llama.vocabularyProblem(in: [Int32(-2)], unscored: -1) == "token id -2 is outside the vocabulary (32000 tokens)")
    }

    @Test func transformersDefaults() throws {
        let llama = try config("llama_default")
        #expect(llama.architecture == .llama && llama.vocabSize == 32000 && llama.hiddenSize == 4096 && llama.layers == 32)
        #expect(llama.kvHeads == 32 && llama.headDim == 128 && !llama.tieWordEmbeddings && !llama.qkvBias && llama.rope?.theta == 10000)
        let mistral = try config("mistral_default")
        #expect(mistral.kvHeads == 8 && mistral.intermediateSize == 14336)
        let qwen = try config("qwen2_default")
        #expect(qwen.qkvBias && !qwen.outputBias && qwen.vocabSize == 151936)
        let gpt2 = try config("gpt2_default")
        #expect(gpt2.architecture == .gpt2 && gpt2.hiddenSize == 768 && gpt2.intermediateSize == 3072 && gpt2.rope == nil)
        #expect(gpt2.maxPositions == 1024 && gpt2.normEpsilon == 1e-5 && gpt2.tieWordEmbeddings && gpt2.eosTokenIds == [50256])
    }

    @Test func gqaTiedAndBias() throws {
        let small = try config("llama_small_gqa")
        #expect(small.heads == 8 && small.kvHeads == 2 && small.headDim == 8 && small.tieWordEmbeddings)
        let v4 = try config("llama_v4_linear")
        #expect(v4.qkvBias && v4.outputBias && v4.eosTokenIds == [2, 7])
        #expect(v4.rope == RoPE(theta: 10000, kind: .linear, factor: 2))
    }

    /// Mistral's window follows transformers: 4096 when the key is absent, none when null.
    /// Qwen2 windows no layer unless use_sliding_window reaches one (max_window_layers, layer_types).
    @Test func slidingWindows() throws {
        func window(_ json: String) throws -> Int? { try ModelConfig(json: Data(json.utf8), file: "config.json").slidingWindow }
        #expect(try config("mistral_default").slidingWindow == 4096)
        #expect(try window(#"{"model_type": "mistral"}"#) == 4096)
        #expect(try window(#"{"model_type": "mistral", "sliding_window": null}"#) == nil)
        #expect(try window(#"{"model_type": "mistral", "sliding_window": 512}"#) == 512)
        #expect(try window(#"{"model_type": "llama", "sliding_window": 512}"#) == nil)
        #expect(try window(#"{"model_type": "qwen2", "sliding_window": 512}"#) == nil)
        #expect(try window(#"{"model_type": "qwen2", "use_sliding_window": true, "num_hidden_layers": 28}"#) == nil)
        #expect(try window(#"{"model_type": "qwen2", "use_sliding_window": true, "sliding_window": null, "num_hidden_layers": 30}"#) == nil)
    }

    @Test func ropeFrequencies() throws {
        let plain = RoPE(theta: 10000)
        let frequencies = plain.inverseFrequencies(headDim: 8)
        #expect(frequencies.count == 4)
        #expect(zip(frequencies, [1, 0.1, 0.01, 0.001]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(RoPE(theta: 10000, kind: .linear, factor: 2).inverseFrequencies(headDim: 8)[1] == 0.05)

        let llama3 = try #require(try config("llama3_scaling").rope)
        #expect(llama3.kind == .llama3 && llama3.theta == 500000 && llama3.factor == 8 && llama3.originalMaxPositions == 8192)
        // Wavelengths: above 8192 → divided by 8; below 2048 → kept; between → blended.
        let scaled = llama3.inverseFrequencies(headDim: 16)
        let base = RoPE(theta: 500000).inverseFrequencies(headDim: 16)
        for (s, b) in zip(scaled, base) {
            let wavelength = 2 * Double.pi / b
            if wavelength < 2048 { #expect(s == b) }
            if wavelength > 8192 { #expect(abs(s - b / 8) < 1e-18) }
            if wavelength >= 2048 && wavelength <= 8192 { #expect(s < b && s > b / 8) }
        }
        #expect(base.contains { 2 * Double.pi / $0 > 8192 } && base.contains { 2 * Double.pi / $0 < 2048 })
    }

    /// Nonsensical values are refused with the file and the config.json key named.
    @Test(arguments: [
        (#"{"model_type": "llama", "rope_theta": 0}"#, "rope_theta must be positive"),
        (#"{"model_type": "llama", "rope_parameters": {"rope_type": "default", "rope_theta": -5}}"#, "rope_theta must be positive"),
        (#"{"model_type": "llama", "rms_norm_eps": -1e-6}"#, "rms_norm_eps must be a non-negative number"),
        (#"{"model_type": "gpt2", "layer_norm_epsilon": -1}"#, "layer_norm_epsilon must be a non-negative number"),
        (#"{"model_type": "llama", "max_position_embeddings": 0}"#, "max_position_embeddings must be positive"),
        (#"{"model_type": "gpt2", "n_positions": -4}"#, "n_positions must be positive"),
        (#"{"model_type": "llama", "num_hidden_layers": 0}"#, "num_hidden_layers must be positive"),
        (#"{"model_type": "llama", "num_hidden_layers": 100000000}"#, "num_hidden_layers is 100000000, more than PrefLab accepts"),
        (#"{"model_type": "llama", "num_attention_heads": 1000000000, "num_key_value_heads": 1}"#, "num_attention_heads is 1000000000"),
        (#"{"model_type": "qwen2", "intermediate_size": 1e15}"#, "intermediate_size is 1000000000000000"),
        (#"{"model_type": "gpt2", "n_head": 0}"#, "n_head must be positive"),
        (#"{"model_type": "mistral", "sliding_window": 0}"#, "sliding_window must be positive or null"),
        (#"{"model_type": "qwen2", "use_sliding_window": true, "num_hidden_layers": 30}"#, "use_sliding_window"),
        (#"{"model_type": "qwen2", "use_sliding_window": true, "num_hidden_layers": 2, "layer_types": ["full_attention", "sliding_attention"]}"#,
         "use_sliding_window"),
    ]) func nonsensicalValuesNameTheKey(_ json: String, _ reason: String) {
        do {
            _ = try ModelConfig(json: Data(json.utf8), file: "dir/config.json")
            Issue.record("\(json) must be rejected")
        } catch let error as ModelError {
            #expect(error.file == "dir/config.json" && error.message.contains(reason), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test(arguments: [("unsupported", "model_type 'bert'"), ("malformed", "not valid JSON"), ("bad_heads", "multiple of num_key_value_heads")])
    func badConfigsNameTheFile(_ name: String, _ reason: String) {
        do {
            _ = try config(name)
            Issue.record("\(name) must be rejected")
        } catch let error as ModelError {
            #expect(error.file.hasSuffix("\(name).json") && error.message.contains(reason), "\(error)")
        } catch {
            Issue.record("\(error)")
        }
    }
}
