import Dispatch
import Foundation
import Models
import Tensor
import Training

/// Training-step figures for the two configurations of the Training issue, with FLOPs per
/// token 6N + 6·L·C·T (llm.c's count; N = matmul parameters, the tied embedding counted once).
enum TrainingBench {
    struct Setup {
        let name: String
        let config: ModelConfig
        let batch: Int
        let length: Int
        let pytorchSecondsPerStep: Double
        let targetSecondsPerStep: Double
    }

    static func setups() throws -> [Setup] {
        [Setup(name: "Llama 13.8M, B=8 T=256",
               config: try ModelConfig.make(architecture: .llama, vocab: 8192, hidden: 384, layers: 6, heads: 6, kvHeads: 6,
                                            ffn: 1024, tie: true, maxLength: 256),
               batch: 8, length: 256, pytorchSecondsPerStep: 1.93, targetSecondsPerStep: 1.5),
         Setup(name: "GPT-2 124M, B=4 T=64",
               config: try ModelConfig.make(architecture: .gpt2, vocab: 50257, hidden: 768, layers: 12, heads: 12,
                                            ffn: 3072, tie: true, maxLength: 1024),
               batch: 4, length: 64, pytorchSecondsPerStep: 3.64, targetSecondsPerStep: 1.6)]
    }

    static func run(steps: Int = 6) throws {
        print("")
        print("Training steps (forward + backward + AdamW, fp32, \(Parallel.workers) threads; median of \(steps - 1) steps after one warm-up)")
        for setup in try setups() {
            let model = try TransformerModel.random(config: setup.config, seed: 1)
            let engine = try TrainableModel(model: model)
            let optimizer = try AdamW(for: engine.trainable)
            var random = RandomGenerator(seed: 2)
            let n = setup.batch * setup.length
            var times: [Double] = []
            var phases: [(Double, Double, Double)] = []
            for _ in 0..<steps {
                let inputs = (0..<n).map { _ in Int32(random.next() % UInt64(setup.config.vocabSize)) }
                let targets = (0..<n).map { _ in Int32(random.next() % UInt64(setup.config.vocabSize)) }
                let start = DispatchTime.now().uptimeNanoseconds
                engine.trainable.zeroGradients()
                let logprobs = try engine.forward(inputs: inputs, targets: targets, batch: setup.batch, length: setup.length)
                let forwardDone = DispatchTime.now().uptimeNanoseconds
                try engine.backward(logprobGradients: [Float](repeating: -1 / Float(n), count: n))
                let backwardDone = DispatchTime.now().uptimeNanoseconds
                try optimizer.step(engine.trainable, learningRate: 1e-4)
                let end = DispatchTime.now().uptimeNanoseconds
                sink += logprobs[0]
                times.append(Double(end - start) / 1e9)
                phases.append((Double(forwardDone - start) / 1e9, Double(backwardDone - forwardDone) / 1e9, Double(end - backwardDone) / 1e9))
            }
            let measured = Array(times.dropFirst()).sorted()
            let median = measured[measured.count / 2]
            let phase = phases.dropFirst().sorted { $0.0 + $0.1 + $0.2 < $1.0 + $1.1 + $1.2 }[measured.count / 2]
            let c = setup.config
            let embedding = c.vocabSize * c.hiddenSize
            let matmulParameters = engine.weights.parameterCount - (c.architecture == .gpt2 ? c.maxPositions * c.hiddenSize : 0)
            _ = embedding
            let flopsPerToken = 6.0 * Double(matmulParameters) + 6.0 * Double(c.layers * c.hiddenSize * setup.length)
            let rate = flopsPerToken * Double(n) / median
            let verdict = median <= setup.targetSecondsPerStep ? "meets" : "MISSES"
            print("\(pad(setup.name, 26)) \(String(format: "%.3f", median)) s/step  \(String(format: "%6.0f", Double(n) / median)) tokens/s  "
                  + "\(String(format: "%5.1f", rate / 1e9)) GFLOP/s (MFU \(String(format: "%4.1f", rate / 2e11 * 100)) % of 200)  "
                  + "PyTorch \(setup.pytorchSecondsPerStep) s/step (×\(String(format: "%.2f", setup.pytorchSecondsPerStep / median)))  "
                  + "target ≤ \(setup.targetSecondsPerStep): \(verdict)")
            print("    forward \(String(format: "%.3f", phase.0)) s, backward \(String(format: "%.3f", phase.1)) s, AdamW \(String(format: "%.3f", phase.2)) s;"
                  + " parameters \(engine.weights.parameterCount), activations \(engine.activationFloats * 4 / 1_000_000) MB, peak RSS \(peakResidentMegabytes()) MB")
        }
    }

    /// The process's peak resident set (VmHWM), in MB.
    static func peakResidentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1000
    }
}
