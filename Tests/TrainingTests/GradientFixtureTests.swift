import Foundation
import Models
import Tensor
import Testing
@testable import Training

private let gradientFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/gradients").path
private let fixtureModels = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("ModelsTests/Fixtures/models").path

/// Checks the PyTorch gradient fixtures (scripts/fixtures/training_gradients.py) against the
/// models as PrefLab loads them, using the tensor library's own autograd through
/// `TransformerModel`: the names match our weight and adapter names, and the loss and gradients
/// agree. This keeps the fixtures honest for the training engine's tests.
struct GradientFixtureTests {
    /// mean over non-ignored positions of −log p(target), as F.cross_entropy(ignore_index=-100).
    private func loss(logits: Tensor, targets: Tensor) throws -> Tensor {
        let (batch, length) = (targets.shape[0], targets.shape[1])
        let keep = targets.scalars.map { $0 >= 0 ? Float(1) : 0 }
        let safe = try Tensor(targets.scalars.map { max($0, 0) }, shape: [batch, length, 1])
        let picked = try logits.logSoftmax(axis: -1).gather(axis: 2, indices: safe).reshaped([batch, length])
        let total = try (picked * Tensor(keep, shape: [batch, length])).sum()
        return total * (-1 / Float(keep.reduce(0, +)))
    }

    private func rows(_ tensor: Tensor) -> [[Int]] {
        (0..<tensor.shape[0]).map { row in (0..<tensor.shape[1]).map { Int(tensor.scalars[row * tensor.shape[1] + $0]) } }
    }

    /// max |a − b| relative to the largest |b| (at least 1e-3, so all-but-zero gradients such as
    /// unused position rows are compared absolutely).
    private func relativeDifference(_ a: Tensor, _ b: Tensor) -> Float {
        let scale = max(b.scalars.map(abs).max() ?? 0, 1e-3)
        return (zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0) / scale
    }

    /// Every full-model fixture of scripts/fixtures/training_gradients.py.
    static let fixtureNames = ["llama", "llama_gqa_tied", "gpt2", "qwen2_sharded", "mistral_f16", "llama3_rope_bf16",
                               "llama_v4_linear_rope", "llama_linear_rope", "llama_biases", "llama_head_dim", "mistral"]

    @Test(arguments: fixtureNames)
    func fullModelGradientsMatchAutograd(name: String) throws {
        let file = try SafetensorsFile(path: "\(gradientFixtures)/\(name).safetensors")
        let base = try TransformerModel.load(directory: "\(fixtureModels)/\(name)")
        let grads = Set(file.entries.keys.filter { $0.hasPrefix("grad.") }.map { String($0.dropFirst(5)) })
        #expect(grads == Set(base.weights.keys), "gradient names should be the model's weight names")

        let model = try TransformerModel(config: base.config, weights: base.weights.mapValues { $0.requiringGrad() })
        let (inputs, targets) = (try file.tensor("inputs"), try file.tensor("targets"))
        let logits = try model.logits(batch: rows(inputs))
        #expect(relativeDifference(logits, try file.tensor("logits")) < 1e-5)
        let value = try loss(logits: logits, targets: targets)
        #expect(abs(value.scalars[0] - (try file.tensor("loss")).scalars[0]) < 1e-5)
        try value.backward()
        for weight in grads.sorted() {
            let ours = try #require(model.weights[weight]?.grad, "\(weight) got no gradient")
            #expect(relativeDifference(ours, try file.tensor("grad." + weight)) < 1e-4, "\(weight)")
        }
    }

    /// With the adapter merged as W + scale·B·A (A and B requiring gradients), autograd gives
    /// PEFT's adapter gradients: the adapted layer computes the same function.
    @Test func loraGradientsMatchAutograd() throws {
        let file = try SafetensorsFile(path: "\(gradientFixtures)/llama_lora.safetensors")
        let base = try TransformerModel.load(directory: "\(fixtureModels)/llama")
        let lora = LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"])
        let layout = adapterLayout(config: base.config, lora: lora)
        #expect(Set(file.entries.keys.filter { $0.hasPrefix("lora.") }) == Set(layout.map { "lora." + $0.name }))
        #expect(Set(file.entries.keys.filter { $0.hasPrefix("grad.") }) == Set(layout.map { "grad." + $0.name }))

        var adapter: [String: Tensor] = [:]
        for entry in layout { adapter[entry.name] = try file.tensor("lora." + entry.name).requiringGrad() }
        var weights = base.weights
        for entry in layout where entry.name.hasSuffix("lora_A.weight") {
            let module = String(entry.name.dropLast("lora_A.weight".count))
            let (a, b) = (try #require(adapter[module + "lora_A.weight"]), try #require(adapter[module + "lora_B.weight"]))
            weights[entry.base] = try #require(weights[entry.base]) + (try b.matmul(a)) * lora.scale
        }
        let model = try TransformerModel(config: base.config, weights: weights)
        let logits = try model.logits(batch: rows(try file.tensor("inputs")))
        #expect(relativeDifference(logits, try file.tensor("logits")) < 1e-5)
        let value = try loss(logits: logits, targets: try file.tensor("targets"))
        #expect(abs(value.scalars[0] - (try file.tensor("loss")).scalars[0]) < 1e-5)
        try value.backward()
        for entry in layout {
            let ours = try #require(adapter[entry.name]?.grad, "\(entry.name) got no gradient")
            #expect(relativeDifference(ours, try file.tensor("grad." + entry.name)) < 1e-4, "\(entry.name)")
        }
    }

    /// The training engine's hand-written backward against PyTorch's gradients, within 1e-3
    /// relative (to the largest entry of each gradient). `mistral`'s sliding window (5) is shorter
    /// than its rows (8), so it checks the engine's windowed attention.
    @Test(arguments: fixtureNames)
    func engineGradientsMatchPyTorch(name: String) throws {
        let file = try SafetensorsFile(path: "\(gradientFixtures)/\(name).safetensors")
        let engine = try TrainableModel(model: try TransformerModel.load(directory: "\(fixtureModels)/\(name)"))
        if name == "mistral" {
            let window = try #require(engine.config.slidingWindow)
            #expect(window < (try file.tensor("inputs")).shape[1], "the fixture's rows must be longer than the window")
        }
        try expectEngineMatches(file, engine)
    }

    /// The engine's loss and every weight gradient of the fixture's batch against PyTorch's.
    private func expectEngineMatches(_ file: SafetensorsFile, _ engine: TrainableModel) throws {
        let (loss, _) = try engineStep(engine, file)
        #expect(abs(loss - Double((try file.tensor("loss")).scalars[0])) < 1e-5)
        for entry in engine.weights.entries {
            let reference = try file.tensor("grad." + entry.name)
            #expect(relativeDifference(try engine.weights.gradientTensor(entry.name), reference) < 1e-3, "\(entry.name)")
        }
    }

    @Test func engineAdapterGradientsMatchPyTorch() throws {
        let file = try SafetensorsFile(path: "\(gradientFixtures)/llama_lora.safetensors")
        let lora = LoRAConfig(rank: 4, alpha: 8, targetModules: ["q_proj", "v_proj"])
        let engine = try TrainableModel(model: try TransformerModel.load(directory: "\(fixtureModels)/llama"), lora: lora)
        let adapters = try #require(engine.adapters)
        for entry in adapters.entries { try adapters.set(entry.name, try file.tensor("lora." + entry.name)) }
        let (loss, _) = try engineStep(engine, file)
        #expect(abs(loss - Double((try file.tensor("loss")).scalars[0])) < 1e-5)
        for entry in adapters.entries {
            #expect(relativeDifference(try adapters.gradientTensor(entry.name), try file.tensor("grad." + entry.name)) < 1e-3, "\(entry.name)")
        }
    }

    /// Forward and backward of the fixture's batch under mean cross-entropy.
    private func engineStep(_ engine: TrainableModel, _ file: SafetensorsFile) throws -> (Double, [Float]) {
        let (inputs, targets) = (try file.tensor("inputs"), try file.tensor("targets"))
        let ids = inputs.scalars.map { Int32($0) }
        let next = targets.scalars.map { $0 < 0 ? Int32(-1) : Int32($0) }
        let logprobs = try engine.forward(inputs: ids, targets: next, batch: inputs.shape[0], length: inputs.shape[1])
        let (loss, gradients) = crossEntropy(logprobs, next)
        engine.trainable.zeroGradients()
        try engine.backward(logprobGradients: gradients)
        return (loss, logprobs)
    }
}
