import Base
import Foundation
import Models
import Tensor
import Testing
@testable import Training

private let fixtures = trainingFixtures

/// A fresh directory under the system's temporary directory, removed when `body` returns.
private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-lora-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try body(directory)
}

/// Expects a user-facing error (a `TrainingError`, or a `ModelError` from the safetensors file)
/// whose place and message contain the given fragments.
private func expectTrainingError(place: [String] = [], message: [String] = [], sourceLocation: SourceLocation = #_sourceLocation,
                                 _ body: () throws -> Any) {
    let thrown = #expect(throws: (any Error).self, sourceLocation: sourceLocation) { _ = try body() }
    guard let thrown else { return }
    guard let error = thrown as? any UserFacingError else {
        Issue.record("\(thrown) is not a user-facing error", sourceLocation: sourceLocation)
        return
    }
    for fragment in place { #expect(error.place.contains(fragment), "\(error) should name \(fragment)", sourceLocation: sourceLocation) }
    for fragment in message { #expect(error.message.contains(fragment), "\(error) should say \(fragment)", sourceLocation: sourceLocation) }
}

private func tinyConfig(_ architecture: ModelConfig.Architecture, layers: Int = 2) throws -> ModelConfig {
    try ModelConfig.make(architecture: architecture, vocab: 16, hidden: 8, layers: layers, heads: 2, kvHeads: architecture == .gpt2 ? nil : 1, ffn: 12)
}

/// An adapter with every tensor nonzero (B too), so save, load and merge are all visible.
private func filledAdapter(_ config: ModelConfig, _ lora: LoRAConfig, seed: UInt64) throws -> LoRAAdapter {
    var generator = RandomGenerator(seed: seed)
    var weights: [String: Tensor] = [:]
    for (name, shape, _) in adapterLayout(config: config, lora: lora) { weights[name] = try Tensor.randn(shape, using: &generator) }
    return try LoRAAdapter(config: config, lora: lora, weights: weights, baseModel: "tiny")
}

private func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
}

struct LoRATests {
    // MARK: Options and layout

    /// Binding attaches adapters by module name, so a name matching no projection (a typo, or a
    /// module of another architecture) must fail rather than leave the module unadapted.
    @Test func anAdapterThatMatchesNoProjectionIsAnError() throws {
        let config = try tinyConfig(.llama)
        let weights = ParameterStore(TransformerModel.expectedShapes(config).map { (name: $0.0, shape: $0.1) })
        let lora = LoRAConfig(rank: 2, targetModules: ["q_proj"])
        let layout = adapterLayout(config: config, lora: lora).map { (name: $0.name, shape: $0.shape) }
        func bind(_ adapters: ParameterStore) throws {
            var binder = WeightBinder(config: config, weights: weights, adapters: adapters, lora: lora)
            for layer in 0..<config.layers { _ = try LlamaLayer(layer: layer, binder: &binder) }
            try binder.checkEveryAdapterBound()
        }
        try bind(ParameterStore(layout))
        let typo = layout.map { (name: $0.name.replacingOccurrences(of: "layers.1.self_attn.q_proj", with: "layers.1.self_attn.q_prj"), shape: $0.shape) }
        expectTrainingError(place: ["model.layers.1.self_attn.q_prj.lora_A.weight"], message: ["adapts no projection"]) {
            try bind(ParameterStore(typo))
        }
        expectTrainingError(place: ["model.layers.0.self_attn.q_proj"], message: ["lora_A", "lora_B"]) {
            try bind(ParameterStore(layout.filter { $0.name != "model.layers.0.self_attn.q_proj.lora_B.weight" }))
        }
    }

    @Test func defaultsAndScale() throws {
        let lora = LoRAConfig(rank: 4, alpha: 8)
        #expect(lora.scale == 2)
        #expect(lora.targets(for: .llama) == ["q_proj", "k_proj", "v_proj", "o_proj"])
        #expect(lora.targets(for: .qwen2) == ["q_proj", "k_proj", "v_proj", "o_proj"])
        #expect(lora.targets(for: .gpt2) == ["c_attn"])
        #expect(LoRAConfig.adaptableModules(for: .gpt2) == ["c_attn", "c_proj", "c_fc"])
        #expect(LoRAConfig.adaptableModules(for: .mistral) == ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    }

    @Test func invalidOptionsNameTheOption() {
        expectTrainingError(place: ["rank"], message: ["at least 1"]) { try LoRAConfig(rank: 0).validate(for: .llama) }
        expectTrainingError(place: ["alpha"]) { try LoRAConfig(alpha: 0).validate(for: .llama) }
        expectTrainingError(place: ["alpha"]) { try LoRAConfig(alpha: .nan).validate(for: .llama) }
        expectTrainingError(place: ["dropout"], message: ["[0, 1)"]) { try LoRAConfig(dropout: 1).validate(for: .llama) }
        expectTrainingError(place: ["dropout"]) { try LoRAConfig(dropout: -0.1).validate(for: .gpt2) }
        expectTrainingError(place: ["target_modules"], message: ["'c_attn'", "llama"]) {
            try LoRAConfig(targetModules: ["q_proj", "c_attn"]).validate(for: .llama)
        }
        expectTrainingError(place: ["target_modules"], message: ["'q_proj'", "gpt2"]) { try LoRAConfig(targetModules: ["q_proj"]).validate(for: .gpt2) }
        expectTrainingError(place: ["target_modules"], message: ["empty"]) { try LoRAConfig(targetModules: []).validate(for: .llama) }
        expectTrainingError(place: ["target_modules"], message: ["twice"]) { try LoRAConfig(targetModules: ["v_proj", "v_proj"]).validate(for: .llama) }
        expectTrainingError(place: ["rank"]) { try LoRAAdapter.initialized(config: try tinyConfig(.llama), lora: LoRAConfig(rank: -1), seed: 1) }
    }

    @Test func layoutFollowsLayersAndPEFTNames() throws {
        let llama = try tinyConfig(.llama)   // hidden 8, 2 heads of 4, 1 kv head, ffn 12
        let layout = adapterLayout(config: llama, lora: LoRAConfig(rank: 3, targetModules: ["v_proj", "q_proj", "down_proj"]))
        #expect(layout.map(\.name) == [
            "model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj.lora_B.weight",
            "model.layers.0.self_attn.v_proj.lora_A.weight", "model.layers.0.self_attn.v_proj.lora_B.weight",
            "model.layers.0.mlp.down_proj.lora_A.weight", "model.layers.0.mlp.down_proj.lora_B.weight",
            "model.layers.1.self_attn.q_proj.lora_A.weight", "model.layers.1.self_attn.q_proj.lora_B.weight",
            "model.layers.1.self_attn.v_proj.lora_A.weight", "model.layers.1.self_attn.v_proj.lora_B.weight",
            "model.layers.1.mlp.down_proj.lora_A.weight", "model.layers.1.mlp.down_proj.lora_B.weight"])
        #expect(layout.prefix(6).map(\.shape) == [[3, 8], [8, 3], [3, 8], [4, 3], [3, 12], [8, 3]])
        #expect(layout[0].base == "model.layers.0.self_attn.q_proj.weight")
        #expect(layout[5].base == "model.layers.0.mlp.down_proj.weight")

        // GPT-2: as in PEFT, "c_proj" adapts both the attention and the MLP output projection.
        let gpt2 = try tinyConfig(.gpt2, layers: 1)   // hidden 8, ffn 12
        let gptLayout = adapterLayout(config: gpt2, lora: LoRAConfig(rank: 2, targetModules: ["c_proj", "c_attn"]))
        #expect(gptLayout.map(\.name) == ["h.0.attn.c_attn.lora_A.weight", "h.0.attn.c_attn.lora_B.weight",
                                          "h.0.attn.c_proj.lora_A.weight", "h.0.attn.c_proj.lora_B.weight",
                                          "h.0.mlp.c_proj.lora_A.weight", "h.0.mlp.c_proj.lora_B.weight"])
        #expect(gptLayout.map(\.shape) == [[2, 8], [24, 2], [2, 8], [8, 2], [2, 12], [8, 2]])
        #expect(gptLayout.map(\.base) == ["h.0.attn.c_attn.weight", "h.0.attn.c_attn.weight", "h.0.attn.c_proj.weight",
                                          "h.0.attn.c_proj.weight", "h.0.mlp.c_proj.weight", "h.0.mlp.c_proj.weight"])
    }

    @Test func initialisationIsPEFTsAndSeeded() throws {
        let config = try tinyConfig(.llama)
        let lora = LoRAConfig(rank: 16, alpha: 32, targetModules: ["q_proj", "down_proj"])
        let adapter = try LoRAAdapter.initialized(config: config, lora: lora, seed: 7)
        #expect(adapter.orderedWeights.map(\.name) == adapterLayout(config: config, lora: lora).map(\.name))
        for (name, tensor) in adapter.weights {
            if name.hasSuffix("lora_B.weight") {
                #expect(tensor.scalars.allSatisfy { $0 == 0 }, "\(name) should start at zero")
            } else {
                // kaiming_uniform(a=√5) on [r, in]: uniform(−1/√in, 1/√in).
                let bound = 1 / Float(tensor.shape[1]).squareRoot()
                #expect(tensor.scalars.allSatisfy { abs($0) <= bound }, "\(name) should lie within ±\(bound)")
                #expect(tensor.scalars.map(abs).max() ?? 0 > 0.9 * bound, "\(name) should fill its range")
                #expect(tensor.scalars.contains { $0 < 0 } && tensor.scalars.contains { $0 > 0 })
            }
        }
        let again = try LoRAAdapter.initialized(config: config, lora: lora, seed: 7)
        let other = try LoRAAdapter.initialized(config: config, lora: lora, seed: 8)
        let name = "model.layers.1.mlp.down_proj.lora_A.weight"
        #expect(adapter.weights[name]?.scalars == again.weights[name]?.scalars)
        #expect(adapter.weights[name]?.scalars != other.weights[name]?.scalars)
        // B = 0, so the merged model is the base model.
        let model = try TransformerModel.random(config: config, seed: 3)
        let merged = try adapter.merged(into: model)
        #expect(try merged.logits([1, 2, 3]).scalars == (try model.logits([1, 2, 3])).scalars)
    }

    @Test func adapterTensorsAreChecked() throws {
        let config = try tinyConfig(.llama)
        let lora = LoRAConfig(rank: 2, targetModules: ["q_proj"])
        var weights = try filledAdapter(config, lora, seed: 1).weights
        weights["model.layers.1.self_attn.q_proj.lora_B.weight"] = try Tensor.zeros([8, 3])
        expectTrainingError(place: ["model.layers.1.self_attn.q_proj.lora_B.weight"], message: ["[8, 3]", "[8, 2]"]) {
            try LoRAAdapter(config: config, lora: lora, weights: weights)
        }
        weights["model.layers.1.self_attn.q_proj.lora_B.weight"] = nil
        expectTrainingError(place: ["model.layers.1.self_attn.q_proj.lora_B.weight"], message: ["missing"]) {
            try LoRAAdapter(config: config, lora: lora, weights: weights)
        }
        weights = try filledAdapter(config, lora, seed: 1).weights
        weights["model.layers.0.self_attn.k_proj.lora_A.weight"] = try Tensor.zeros([2, 8])
        expectTrainingError(place: ["k_proj.lora_A"], message: ["not part"]) { try LoRAAdapter(config: config, lora: lora, weights: weights) }
    }

    // MARK: Merging

    @Test func mergeAddsScaledProductForLinear() throws {
        let config = try ModelConfig.make(architecture: .llama, vocab: 8, hidden: 4, layers: 1, heads: 2, ffn: 4)
        let model = try TransformerModel.random(config: config, seed: 1)
        let lora = LoRAConfig(rank: 1, alpha: 3, targetModules: ["q_proj"])   // scale 3
        let adapter = try LoRAAdapter(config: config, lora: lora, weights: [
            "model.layers.0.self_attn.q_proj.lora_A.weight": Tensor(nested: [[1, 2, 0, -1]]),      // [r=1, in=4]
            "model.layers.0.self_attn.q_proj.lora_B.weight": Tensor(nested: [[1], [0], [0], [2]]), // [out=4, r=1]
        ])
        let base = try Tensor.eye(4)
        var weights = model.weights
        weights["model.layers.0.self_attn.q_proj.weight"] = base
        let merged = try adapter.merged(into: weights)
        // W + 3·B·A: B·A has row 0 = A and row 3 = 2A.
        #expect(merged["model.layers.0.self_attn.q_proj.weight"]?.scalars == [4, 6, 0, -3,
                                                                              0, 1, 0, 0,
                                                                              0, 0, 1, 0,
                                                                              6, 12, 0, -5])
        for (name, tensor) in weights where name != "model.layers.0.self_attn.q_proj.weight" {
            #expect(merged[name]?.scalars == tensor.scalars, "\(name) should be unchanged")
        }
    }

    @Test func mergeTransposesForConv1D() throws {
        let config = try ModelConfig.make(architecture: .gpt2, vocab: 8, hidden: 2, layers: 1, heads: 1, ffn: 4)
        let model = try TransformerModel.random(config: config, seed: 1)
        let lora = LoRAConfig(rank: 1, alpha: 2, targetModules: ["c_attn"])   // scale 2
        let a: [Float] = [1, -2]                    // [r=1, in=2]
        let b: [Float] = [1, 0, 3, 0, 0, -1]        // [out=6, r=1]
        let adapter = try LoRAAdapter(config: config, lora: lora, weights: [
            "h.0.attn.c_attn.lora_A.weight": Tensor(a, shape: [1, 2]),
            "h.0.attn.c_attn.lora_B.weight": Tensor(b, shape: [6, 1]),
        ])
        let merged = try adapter.merged(into: model)
        let before = try #require(model.weights["h.0.attn.c_attn.weight"]).scalars   // [in=2, out=6]
        let after = try #require(merged.weights["h.0.attn.c_attn.weight"])
        #expect(after.shape == [2, 6])
        for i in 0..<2 {
            for j in 0..<6 {
                // Conv1D holds Wᵀ, so the update is (B·A)ᵀ[i][j] = A[i]·B[j].
                #expect(abs(after.scalars[i * 6 + j] - (before[i * 6 + j] + 2 * a[i] * b[j])) < 1e-6)
            }
        }
        #expect(merged.weights["h.0.attn.c_attn.bias"]?.scalars == model.weights["h.0.attn.c_attn.bias"]?.scalars)
    }

    @Test func mergeChecksTheModel() throws {
        let adapter = try filledAdapter(try tinyConfig(.llama), LoRAConfig(rank: 2), seed: 1)
        expectTrainingError(message: ["2-layer llama", "3-layer llama"]) {
            try adapter.merged(into: try TransformerModel.random(config: try tinyConfig(.llama, layers: 3), seed: 1))
        }
        expectTrainingError(message: ["gpt2"]) { try adapter.merged(into: try TransformerModel.random(config: try tinyConfig(.gpt2), seed: 1)) }
        var weights = try TransformerModel.random(config: try tinyConfig(.llama), seed: 1).weights
        weights["model.layers.1.self_attn.o_proj.weight"] = try Tensor.zeros([4, 8])
        expectTrainingError(place: ["model.layers.1.self_attn.o_proj.weight"], message: ["[4, 8]", "[8, 8]"]) { try adapter.merged(into: weights) }
        weights["model.layers.1.self_attn.o_proj.weight"] = nil
        expectTrainingError(place: ["model.layers.1.self_attn.o_proj.weight"], message: ["missing"]) { try adapter.merged(into: weights) }
    }

    // MARK: Files

    @Test(arguments: [ModelConfig.Architecture.llama, .gpt2, .qwen2])
    func saveAndLoadRoundTrip(architecture: ModelConfig.Architecture) throws {
        let config = try tinyConfig(architecture)
        let lora = LoRAConfig(rank: 3, alpha: 5, targetModules: architecture == .gpt2 ? ["c_fc", "c_attn"] : ["o_proj", "up_proj"], dropout: 0.05)
        let adapter = try filledAdapter(config, lora, seed: 9)
        try withTemporaryDirectory { directory in
            try adapter.save(directory: directory + "/adapter")
            let loaded = try LoRAAdapter.load(directory: directory + "/adapter", config: config)
            #expect(loaded.lora == lora)
            #expect(loaded.baseModel == "tiny")
            #expect(loaded.weights.keys.sorted() == adapter.weights.keys.sorted())
            for (name, tensor) in adapter.weights { #expect(loaded.weights[name]?.scalars == tensor.scalars, "\(name)") }

            // On disk: PEFT's keys and the config fields PEFT reads.
            let file = try SafetensorsFile(path: directory + "/adapter/adapter_model.safetensors")
            let prefix = architecture == .gpt2 ? "base_model.model.transformer.h.0." : "base_model.model.model.layers.0."
            let expectedFirst = prefix + (architecture == .gpt2 ? "attn.c_attn.lora_A.weight" : "self_attn.o_proj.lora_A.weight")
            #expect(file.entries[expectedFirst]?.shape == [3, 8])
            #expect(file.entries.count == 8)
            #expect(file.metadata["format"] == "pt")
            let data = try #require(FileManager.default.contents(atPath: directory + "/adapter/adapter_config.json"))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(json["peft_type"] as? String == "LORA")
            #expect(json["task_type"] as? String == "CAUSAL_LM")
            #expect(json["r"] as? Int == 3)
            #expect(json["lora_alpha"] as? Int == 5)
            #expect(json["lora_dropout"] as? Double == 0.05)
            #expect(json["target_modules"] as? [String] == lora.targetModules)
            #expect(json["bias"] as? String == "none")
            #expect(json["fan_in_fan_out"] as? Bool == (architecture == .gpt2))
            #expect(json["base_model_name_or_path"] as? String == "tiny")
            #expect(json["inference_mode"] as? Bool == true)
        }
    }

    @Test func loadsPEFTFixtureFilesAndDefaultNamedKeys() throws {
        let config = try ModelConfig(directory: modelFixtures + "/llama")
        let adapter = try LoRAAdapter.load(directory: fixtures + "/lora/llama", config: config)
        #expect(adapter.lora.rank == 4 && adapter.lora.alpha == 8 && adapter.lora.dropout == 0)
        #expect(Set(adapter.lora.targets(for: .llama)) == ["q_proj", "k_proj", "v_proj", "o_proj"])
        #expect(adapter.baseModel == "Tests/ModelsTests/Fixtures/models/llama")
        #expect(adapter.weights.count == 16)
        // A state_dict dump of a live PEFT model keeps the adapter name in the keys.
        try withTemporaryDirectory { directory in
            try adapter.save(directory: directory)
            let renamed = adapter.orderedWeights.map { entry in
                (name: LoRAAdapter.peftKey(for: entry.name, architecture: .llama)
                    .replacingOccurrences(of: ".weight", with: ".default.weight"), tensor: entry.tensor)
            }
            try SafetensorsWriter.write(renamed, to: directory + "/adapter_model.safetensors", dtype: .bf16)
            let loaded = try LoRAAdapter.load(directory: directory, config: config)
            let name = "model.layers.1.self_attn.v_proj.lora_B.weight"
            let original = try #require(adapter.weights[name])
            #expect(maxDifference(try #require(loaded.weights[name]), original) < 0.01)   // BF16 rounding
        }
    }

    @Test func loadErrorsNameTheFileAndTensor() throws {
        let config = try tinyConfig(.llama)
        let lora = LoRAConfig(rank: 2, alpha: 4, targetModules: ["q_proj", "v_proj"])
        let adapter = try filledAdapter(config, lora, seed: 2)
        try withTemporaryDirectory { directory in
            try adapter.save(directory: directory)
            let weightsPath = directory + "/adapter_model.safetensors"
            let configPath = directory + "/adapter_config.json"
            let keyed = adapter.orderedWeights.map { (name: LoRAAdapter.peftKey(for: $0.name, architecture: .llama), tensor: $0.tensor) }
            let missing = "base_model.model.model.layers.1.self_attn.v_proj.lora_A.weight"

            try SafetensorsWriter.write(keyed.filter { $0.name != missing }, to: weightsPath)
            expectTrainingError(place: [weightsPath, missing], message: ["missing"]) { try LoRAAdapter.load(directory: directory, config: config) }

            try SafetensorsWriter.write(keyed.map { $0.name == missing ? ($0.name, try Tensor.zeros([3, 8])) : $0 }, to: weightsPath)
            expectTrainingError(place: [weightsPath, missing], message: ["[3, 8]", "[2, 8]"]) {
                try LoRAAdapter.load(directory: directory, config: config)
            }

            let extra = "base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight"
            try SafetensorsWriter.write(keyed + [(name: extra, tensor: try Tensor.zeros([2, 8]))], to: weightsPath)
            expectTrainingError(place: [weightsPath, extra], message: ["outside target_modules"]) {
                try LoRAAdapter.load(directory: directory, config: config)
            }

            let bias = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.bias"
            try SafetensorsWriter.write(keyed + [(name: bias, tensor: try Tensor.zeros([8]))], to: weightsPath)
            expectTrainingError(place: [weightsPath, bias], message: ["not a LoRA tensor"]) { try LoRAAdapter.load(directory: directory, config: config) }

            // A shallower model than the adapter's: layer 1's tensors have nowhere to go.
            try SafetensorsWriter.write(keyed, to: weightsPath)
            expectTrainingError(place: [weightsPath, "layers.1."]) { try LoRAAdapter.load(directory: directory, config: try tinyConfig(.llama, layers: 1)) }
            try Data("not safetensors".utf8).write(to: URL(fileURLWithPath: weightsPath))
            expectTrainingError(place: [weightsPath]) { try LoRAAdapter.load(directory: directory, config: config) }
            try SafetensorsWriter.write(keyed, to: weightsPath)
            #expect(try LoRAAdapter.load(directory: directory, config: config).weights.count == 8)

            // adapter_config.json: each change breaks one rule.
            let good = try #require(try JSONSerialization.jsonObject(with: try Data(contentsOf: URL(fileURLWithPath: configPath))) as? [String: Any])
            func expectConfigError(_ change: [String: Any], removing: String? = nil, _ fragments: [String],
                                   sourceLocation: SourceLocation = #_sourceLocation) throws {
                var json = good.merging(change) { $1 }
                if let removing { json[removing] = nil }
                try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: configPath))
                expectTrainingError(place: [configPath], message: fragments, sourceLocation: sourceLocation) {
                    try LoRAAdapter.load(directory: directory, config: config)
                }
            }
            try expectConfigError(["peft_type": "IA3"], ["peft_type", "IA3"])
            try expectConfigError(["task_type": "SEQ_CLS"], ["task_type"])
            try expectConfigError([:], removing: "r", ["r is missing"])
            try expectConfigError(["r": 0], ["r must be at least 1"])
            try expectConfigError(["lora_alpha": -1], ["lora_alpha"])
            try expectConfigError(["lora_dropout": 1.5], ["lora_dropout"])
            try expectConfigError(["target_modules": ["q_proj", "c_attn"]], ["target_modules", "c_attn"])
            try expectConfigError(["target_modules": ".*proj"], ["target_modules", "regular expression"])
            try expectConfigError(["bias": "lora_only"], ["bias"])
            try expectConfigError(["use_dora": true], ["use_dora"])
            try expectConfigError(["use_rslora": true], ["use_rslora"])
            try expectConfigError(["rank_pattern": ["q_proj": 8]], ["rank_pattern"])
            try expectConfigError(["modules_to_save": ["lm_head"]], ["modules_to_save"])
            try expectConfigError(["layers_to_transform": [0]], ["layers_to_transform"])
            // A rank that disagrees with the tensors: the weights file is named.
            var rank3 = good
            rank3["r"] = 3
            try JSONSerialization.data(withJSONObject: rank3).write(to: URL(fileURLWithPath: configPath))
            expectTrainingError(place: [weightsPath, "lora_A"], message: ["[2, 8]", "[3, 8]", "r = 3"]) {
                try LoRAAdapter.load(directory: directory, config: config)
            }
            try Data("[1]".utf8).write(to: URL(fileURLWithPath: configPath))
            expectTrainingError(place: [configPath], message: ["JSON object"]) { try LoRAAdapter.load(directory: directory, config: config) }
            try FileManager.default.removeItem(atPath: configPath)
            expectTrainingError(place: [configPath], message: ["cannot be read"]) { try LoRAAdapter.load(directory: directory, config: config) }

            // "all-linear" is PEFT's shorthand for every adaptable module.
            var all = good
            all["target_modules"] = "all-linear"
            try JSONSerialization.data(withJSONObject: all).write(to: URL(fileURLWithPath: configPath))
            expectTrainingError(place: [weightsPath, "k_proj.lora_A"], message: ["missing"]) { try LoRAAdapter.load(directory: directory, config: config) }
        }
    }

    // MARK: Parity with PEFT

    /// Adapters saved by PEFT's save_pretrained (scripts/fixtures/lora_fixtures.py), merged into
    /// the fixture models, give the logits of PEFT's merge_and_unload.
    @Test(arguments: ["llama", "gpt2"])
    func mergedPEFTAdapterMatchesPEFTLogits(name: String) throws {
        let model = try TransformerModel.load(directory: modelFixtures + "/" + name)
        let adapter = try LoRAAdapter.load(directory: fixtures + "/lora/" + name, config: model.config)
        #expect(adapter.lora.rank == 4 && adapter.lora.scale == 2)
        let data = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/lora/\(name)/expected.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let ids = try #require(json["ids"] as? [Int])
        let rows = try #require(json["logits"] as? [[Double]])
        let expected = try Tensor(rows.flatMap { $0.map(Float.init) }, shape: [rows.count, rows.first?.count ?? 0])

        let merged = try adapter.merged(into: model)
        let logits = try merged.logits(ids)
        #expect(logits.shape == expected.shape)
        #expect(maxDifference(logits, expected) < 1e-4)
        // The adapter matters: the base model is far from PEFT's merged logits.
        #expect(maxDifference(try model.logits(ids), expected) > 1e-2)

        // PREFLAB_LORA_EXPORT=DIR keeps PrefLab's own save of the adapter for
        // `scripts/fixtures/lora_fixtures.py --check DIR` (PEFT loading PrefLab's files).
        if let export = ProcessInfo.processInfo.environment["PREFLAB_LORA_EXPORT"] {
            try adapter.save(directory: export + "/" + name)
        }
    }
}
