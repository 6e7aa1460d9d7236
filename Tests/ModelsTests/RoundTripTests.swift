import Foundation
import Testing
@testable import Models
@testable import Tensor

/// What transformers made of checkpoints PrefLab saved (scripts/fixtures/round_trip.py).
struct RoundTripFixtures: Decodable {
    struct Case: Decodable {
        let ids: [Int]
        let logits: [[Float]]
        /// transformers' `output_loading_info`: missing_keys, unexpected_keys, mismatched_keys, error_msgs.
        let loading: [String: [String]]
    }
    let transformers: String
    let cases: [String: Case]
}

private let roundTripDirectory = fixtures + "/round_trip"

private let roundTrip: RoundTripFixtures? = {
    guard let data = FileManager.default.contents(atPath: roundTripDirectory + "/expected.json") else { return nil }
    return try? JSONDecoder().decode(RoundTripFixtures.self, from: data)
}()

@Suite struct RoundTripTests {
    static let names = ["llama_gqa_tied", "mistral", "qwen2", "gpt2"]

    /// Every architecture, with the features the cases are there for: GQA with a tied head, and
    /// Qwen2's q/k/v biases trained away from their zero initialisation.
    @Test func theCasesCoverWhatTheyClaim() throws {
        let fixtures = try #require(roundTrip, "round_trip/expected.json is missing or malformed")
        #expect(Set(fixtures.cases.keys) == Set(Self.names))
        let models = try Self.names.map { try TransformerModel.load(directory: roundTripDirectory + "/\($0)") }
        #expect(Set(models.map(\.config.architecture)) == Set(ModelConfig.Architecture.allCases))
        let llama = models[0].config
        #expect(llama.kvHeads < llama.heads && llama.tieWordEmbeddings)
        let qwen2 = models[2]
        #expect(qwen2.config.qkvBias)
        for bias in ["q_proj", "k_proj", "v_proj"] {
            let values = try #require(qwen2.weights["model.layers.1.self_attn.\(bias).bias"]).scalars
            #expect(values.contains { abs($0) > 1e-3 }, "\(bias) bias is still zero")
        }
    }

    /// transformers loaded PrefLab's files without a missing, unexpected or misshaped key, and
    /// computes the logits PrefLab computes on them.
    @Test(arguments: names) func transformersLoadsWhatPrefLabSaved(_ name: String) throws {
        let reference = try #require(roundTrip?.cases[name])
        for key in ["missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"] {
            let reported = try #require(reference.loading[key], "\(name): the fixture records no \(key)")
            #expect(reported.isEmpty, "\(name): transformers reported \(key) \(reported)")
        }
        let model = try TransformerModel.load(directory: roundTripDirectory + "/\(name)")
        let logits = try model.logits(reference.ids)
        #expect(logits.shape == [reference.ids.count, reference.logits[0].count])
        let worst = zip(logits.scalars, reference.logits.flatMap { $0 }).map { abs($0 - $1) }.max() ?? .infinity
        #expect(worst < 1e-4, "\(name): max |difference| \(worst)")
    }

    /// The committed checkpoints must be what PrefLab writes today, or the round trip checks an
    /// old writer: saving the loaded model again reproduces both files byte for byte. When the
    /// writer changes on purpose, rerun scripts/fixtures/round_trip.py.
    @Test(arguments: names) func theFixtureIsWhatPrefLabWritesToday(_ name: String) throws {
        let directory = roundTripDirectory + "/\(name)"
        let saved = FileManager.default.temporaryDirectory.appendingPathComponent("round-trip-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: saved) }
        try TransformerModel.load(directory: directory).save(directory: saved)
        for file in ["config.json", "model.safetensors"] {
            let committed = FileManager.default.contents(atPath: directory + "/" + file)
            #expect(committed != nil && committed == FileManager.default.contents(atPath: saved + "/" + file),
                    "\(name)/\(file) differs from what PrefLab writes now; rerun scripts/fixtures/round_trip.py")
        }
    }
}
