import Base
import Foundation
import Models
import Tensor
import Testing
@testable import Training

/// The hand-written passes against the Models module's autograd-free reference forward and
/// against finite differences.
struct EngineTests {
    static let architectures = ["llama", "llama_gqa_tied", "gpt2", "qwen2_sharded", "mistral_f16"]

    @Test(arguments: architectures)
    func logprobsMatchTheReferenceForward(_ name: String) throws {
        let model = try TransformerModel.load(directory: modelFixtures + "/" + name)
        let engine = try TrainableModel(model: model)
        let (batch, length) = (2, 7)
        let (inputs, targets) = sampleBatch(batch: batch, length: length, vocabulary: model.config.vocabSize, seed: 3)
        let logprobs = try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length)
        for b in 0..<batch {
            let ids = inputs[(b * length)..<((b + 1) * length)].map(Int.init) + [Int(targets[(b + 1) * length - 1])]
            let reference = try model.tokenLogprobs(ids.map { max($0, 0) }).scalars
            for t in 0..<length where targets[b * length + t] >= 0 {
                #expect(abs(logprobs[b * length + t] - reference[t]) < 1e-4, "\(name) row \(b) position \(t)")
            }
        }
    }

    @Test(arguments: ["llama_gqa_tied", "gpt2"])
    func gradientsMatchFiniteDifferences(_ name: String) throws {
        let model = try TransformerModel.load(directory: modelFixtures + "/" + name)
        let engine = try TrainableModel(model: model)
        let (batch, length) = (2, 5)
        let (inputs, targets) = sampleBatch(batch: batch, length: length, vocabulary: model.config.vocabSize, seed: 9)
        func loss() throws -> Double {
            crossEntropy(try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length), targets).loss
        }
        let logprobs = try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length)
        engine.weights.zeroGradients()
        try engine.backward(logprobGradients: crossEntropy(logprobs, targets).gradients)
        var random = RandomGenerator(seed: 1)
        var checked = 0
        for entry in engine.weights.entries {
            // Two entries of each parameter, chosen at random; embeddings at a used row.
            for _ in 0..<2 {
                var index = Int(random.next() % UInt64(entry.count))
                if entry.name.contains("embed") || entry.name.hasPrefix("wte") {
                    index = Int(inputs[0]) * model.config.hiddenSize + index % model.config.hiddenSize
                }
                let value = engine.weights.values + entry.offset + index
                let original = value.pointee
                let step: Float = 1e-2
                value.pointee = original + step
                let up = try loss()
                value.pointee = original - step
                let down = try loss()
                value.pointee = original
                let numeric = (up - down) / Double(2 * step)
                let analytic = Double(engine.weights.gradients[entry.offset + index])
                #expect(abs(numeric - analytic) <= 5e-5 + 1e-2 * abs(numeric), "\(name) \(entry.name)[\(index)]: \(numeric) vs \(analytic)")
                checked += 1
            }
        }
        #expect(checked == 2 * engine.weights.entries.count)
    }

    @Test func adapterGradientsMatchFiniteDifferences() throws {
        let model = try TransformerModel.load(directory: modelFixtures + "/llama")
        let lora = LoRAConfig(rank: 2, alpha: 4, targetModules: ["q_proj", "v_proj", "down_proj"])
        let engine = try TrainableModel(model: model, lora: lora, seed: 4)
        let adapters = try #require(engine.adapters)
        var random = RandomGenerator(seed: 5)
        for i in 0..<adapters.count { adapters.values[i] = (random.nextUniform() - 0.5) * 0.2 }
        let (batch, length) = (2, 5)
        let (inputs, targets) = sampleBatch(batch: batch, length: length, vocabulary: model.config.vocabSize, seed: 2)
        let logprobs = try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length)
        try engine.backward(logprobGradients: crossEntropy(logprobs, targets).gradients)
        #expect(engine.weights.gradients[0] == 0, "base weights are frozen")
        for entry in adapters.entries {
            let index = Int(random.next() % UInt64(entry.count))
            let value = adapters.values + entry.offset + index
            let original = value.pointee
            value.pointee = original + 1e-2
            let up = crossEntropy(try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length), targets).loss
            value.pointee = original - 1e-2
            let down = crossEntropy(try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length), targets).loss
            value.pointee = original
            let numeric = (up - down) / 2e-2
            let analytic = Double(adapters.gradients[entry.offset + index])
            #expect(abs(numeric - analytic) <= 5e-5 + 1e-2 * abs(numeric), "\(entry.name)[\(index)]: \(numeric) vs \(analytic)")
        }
    }

    @Test func badBatchesAreRejectedBeforeAnyWork() throws {
        let model = try TransformerModel.load(directory: modelFixtures + "/gpt2")
        let engine = try TrainableModel(model: model)
        #expect(throws: TrainingError("seq_len", "65 is longer than the model's context of 64 positions")) {
            try engine.forward(inputs: Array(repeating: 0, count: 65), targets: Array(repeating: 0, count: 65), batch: 1, length: 65)
        }
        #expect(throws: TrainingError("inputs", "token id 300 is outside the vocabulary (300 tokens)")) {
            try engine.forward(inputs: [1, 300], targets: [1, 2], batch: 1, length: 2)
        }
        #expect(throws: TrainingError.self) { try engine.backward(logprobGradients: [0, 0]) }
    }
}

/// Shapes large enough that every kernel takes its multi-core path, against the tensor
/// library's autograd through the reference forward.
struct LargeShapeEngineTests {
    @Test(arguments: [ModelConfig.Architecture.llama, .gpt2])
    func parallelKernelsAgreeWithAutograd(_ architecture: ModelConfig.Architecture) throws {
        let config = try ModelConfig.make(architecture: architecture, vocab: 512, hidden: 128, layers: 2, heads: 4, kvHeads: 2,
                                          ffn: 256, tie: architecture == .gpt2, maxLength: 256)
        let model = try TransformerModel.random(config: config, seed: 5)
        let engine = try TrainableModel(model: model)
        let (batch, length) = (2, 128)
        let (inputs, targets) = sampleBatch(batch: batch, length: length, vocabulary: 512, seed: 8)
        let logprobs = try engine.forward(inputs: inputs, targets: targets, batch: batch, length: length)
        let (loss, gradients) = crossEntropy(logprobs, targets)
        try engine.backward(logprobGradients: gradients)

        let reference = try TransformerModel(config: config, weights: model.weights.mapValues { $0.requiringGrad() })
        let rows = (0..<batch).map { b in inputs[(b * length)..<((b + 1) * length)].map(Int.init) }
        let all = try reference.logits(batch: rows).logSoftmax(axis: -1)                       // [B, T, V]
        let safe = try Tensor(targets.map { Float(max($0, 0)) }, shape: [batch, length, 1])
        let mask = try Tensor(targets.map { $0 >= 0 ? Float(1) : 0 }, shape: [batch, length])
        let picked = try all.gather(axis: 2, indices: safe).reshaped([batch, length])
        let referenceLoss = try (picked * mask).sum() * (-1 / Float(targets.filter { $0 >= 0 }.count))
        #expect(abs(Double(try referenceLoss.item()) - loss) < 1e-4)
        try referenceLoss.backward()
        for entry in engine.weights.entries {
            let expected = try #require(reference.weights[entry.name]?.grad)
            let scale = max(expected.scalars.map(abs).max() ?? 0, 1e-6)
            let ours = try engine.weights.gradientTensor(entry.name).scalars
            let worst = zip(ours, expected.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst / scale < 1e-3, "\(entry.name): \(worst / scale)")
        }
    }
}

/// LoRA dropout against a hand computation with the same mask: one uniform draw per adapter
/// input element, in order, dropping it below p and scaling what is kept by 1/(1 − p).
struct LoRADropoutTests {
    @Test func theAdapterSeesTheMaskedScaledInputForwardAndBackward() throws {
        let (n, inputs, outputs, rank) = (3, 5, 4, 2)
        let (p, scale): (Float, Float) = (0.4, 1.5)
        var random = RandomGenerator(seed: 11)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in random.nextUniform() - 0.5 } }
        let (x, w, a, b, dy) = (values(n * inputs), values(outputs * inputs), values(rank * inputs), values(outputs * rank), values(n * outputs))
        let store = ParameterStore([(name: "w", shape: [outputs, inputs]), (name: "a", shape: [rank, inputs]), (name: "b", shape: [outputs, rank])])
        try store.set("w", try Tensor(w, shape: [outputs, inputs]))
        try store.set("a", try Tensor(a, shape: [rank, inputs]))
        try store.set("b", try Tensor(b, shape: [outputs, rank]))
        let adapter = Projection.Adapter(a: try #require(store.value("a")), b: try #require(store.value("b")),
                                         aGradient: try #require(store.gradient("a")), bGradient: try #require(store.gradient("b")),
                                         rank: rank, scale: scale, dropout: p)
        let workspace = Workspace(batch: 1, length: n)
        let projection = Projection(linear: Linear(inputs: inputs, outputs: outputs, layout: .outIn),
                                    weight: try #require(store.value("w")), bias: nil, weightGradient: nil, biasGradient: nil, adapter: adapter)
            .withBuffers(rows: n, in: workspace)
        let buffers = try #require(projection.buffers)
        let (input, outputGradient) = (workspace.take(n * inputs), workspace.take(n * outputs))
        input.update(from: x, count: x.count)
        outputGradient.update(from: dy, count: dy.count)
        let y = workspace.take(n * outputs), dx = workspace.take(n * inputs)

        var generator: RandomGenerator? = RandomGenerator(seed: 42)
        projection.forward(input, rows: n, into: y, random: &generator)
        projection.backward(outputGradient, input: input, rows: n, dx: dx, accumulate: false)

        var hand = RandomGenerator(seed: 42)
        let mask = (0..<(n * inputs)).map { _ in hand.nextUniform() < p ? 0 : 1 / (1 - p) }
        #expect(mask.contains(0) && mask.contains(1 / (1 - p)), "the seed drops some inputs and keeps others")
        #expect(generator?.stateWords == hand.stateWords, "exactly one draw per input element")
        #expect(Array(UnsafeBufferPointer(start: buffers.mask, count: n * inputs)) == mask)

        // u = (x∘mask)·Aᵀ;  y = x·Wᵀ + scale·u·Bᵀ
        let dropped = zip(x, mask).map { Double($0 * $1) }
        func at(_ m: [Float], _ row: Int, _ column: Int, _ width: Int) -> Double { Double(m[row * width + column]) }
        let u = (0..<n).map { i in (0..<rank).map { r in (0..<inputs).reduce(0.0) { $0 + dropped[i * inputs + $1] * at(a, r, $1, inputs) } } }
        func near(_ ours: Float, _ expected: Double, _ what: String) {
            #expect(abs(Double(ours) - expected) <= 1e-5 * max(1, abs(expected)), "\(what): \(ours) vs \(expected)")
        }
        for i in 0..<n {
            for o in 0..<outputs {
                let base = (0..<inputs).reduce(0.0) { $0 + at(x, i, $1, inputs) * at(w, o, $1, inputs) }
                let adapted = Double(scale) * (0..<rank).reduce(0.0) { $0 + u[i][$1] * at(b, o, $1, rank) }
                near(y[i * outputs + o], base + adapted, "y[\(i), \(o)]")
            }
        }
        // du = scale·dy·B;  dB = scale·dyᵀ·u;  dA = duᵀ·(x∘mask);  dx = dy·W + (du·A)∘mask
        let du = (0..<n).map { i in (0..<rank).map { r in Double(scale) * (0..<outputs).reduce(0.0) { $0 + at(dy, i, $1, outputs) * at(b, $1, r, rank) } } }
        for o in 0..<outputs {
            for r in 0..<rank {
                near(adapter.bGradient[o * rank + r], Double(scale) * (0..<n).reduce(0.0) { $0 + at(dy, $1, o, outputs) * u[$1][r] }, "dB[\(o), \(r)]")
            }
        }
        for r in 0..<rank {
            for k in 0..<inputs {
                near(adapter.aGradient[r * inputs + k], (0..<n).reduce(0.0) { $0 + du[$1][r] * dropped[$1 * inputs + k] }, "dA[\(r), \(k)]")
            }
        }
        for i in 0..<n {
            for k in 0..<inputs {
                let base = (0..<outputs).reduce(0.0) { $0 + at(dy, i, $1, outputs) * at(w, $1, k, inputs) }
                let adapted = Double(mask[i * inputs + k]) * (0..<rank).reduce(0.0) { $0 + du[i][$1] * at(a, $1, k, inputs) }
                near(dx[i * inputs + k], base + adapted, "dx[\(i), \(k)]")
            }
        }
    }
}
