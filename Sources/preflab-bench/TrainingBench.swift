import Base
import CBLAS
import Dispatch
import Foundation
import Models
import Tensor
import Training

/// Training-step figures for the two configurations of the Training issue, with FLOPs per
/// token 6N + 6·L·C·T (`flopsPerToken`: llm.c's count; N = matmul parameters, the tied embedding
/// counted once) and MFU against the sgemm peak measured in the same run.
enum TrainingBench {
    struct Setup {
        let name: String
        let config: ModelConfig
        let batch: Int
        let length: Int
        let targetSecondsPerStep: Double
    }

    static func setups() throws -> [Setup] {
        [Setup(name: "Llama 13.8M, B=8 T=256",
               config: try ModelConfig.make(architecture: .llama, vocab: 8192, hidden: 384, layers: 6, heads: 6, kvHeads: 6,
                                            ffn: 1024, tie: true, maxLength: 256),
               batch: 8, length: 256, targetSecondsPerStep: 1.5),
         Setup(name: "GPT-2 124M, B=4 T=64",
               config: try ModelConfig.make(architecture: .gpt2, vocab: 50257, hidden: 768, layers: 12, heads: 12,
                                            ffn: 3072, tie: true, maxLength: 1024),
               batch: 4, length: 64, targetSecondsPerStep: 1.6)]
    }

    /// The best rate of a 2048³ cblas_sgemm over ten runs: the machine's practical peak (on a
    /// shared VM a few runs can all land in a slow moment).
    static func sgemmPeak() -> Double {
        let size = 2048
        let a = [Float](repeating: 1, count: size * size), b = a
        var c = [Float](repeating: 0, count: size * size)
        Parallel.prepareBLAS()
        var best = 0.0
        for _ in 0..<10 {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size), 1, a, Int32(size),
                        b, Int32(size), 0, &c, Int32(size))
            best = max(best, 2 * pow(Double(size), 3) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9))
        }
        return best
    }

    static let rounds = comparisonRounds
    /// Steps per round and side: one warm-up, then the measured ones.
    static let stepsPerRound = 4

    static func run() throws {
        let peak = sgemmPeak()
        print("")
        print("sgemm peak now (2048³, \(Parallel.workers) threads): \(String(format: "%.1f", peak / 1e9)) GFLOP/s")
        print("Training steps (forward + backward + AdamW, fp32, \(Parallel.workers) threads), kernels: \(kernelsInUse); "
              + "\(rounds) round\(rounds == 1 ? "" : "s") alternating PrefLab and PyTorch, each the median of \(stepsPerRound - 1) steps after a warm-up; "
              + "median [min–max] of the rounds")
        for setup in try setups() {
            resetPeakResident()
            let model = try TransformerModel.random(config: setup.config, seed: 1)
            let engine = try TrainableModel(model: model)
            let optimizer = try AdamW(for: engine.trainable)
            var random = RandomGenerator(seed: 2)
            let n = setup.batch * setup.length
            var comparison = Comparison(setup.name, unit: "s/step")
            var phases: [(forward: Double, backward: Double, adamW: Double)] = []
            var pytorchPeakMegabytes: Int?
            for round in 1...rounds {
                progress("training \(setup.name), round \(round) of \(rounds)")
                var times: [Double] = []
                for _ in 0..<stepsPerRound {
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
                    if !times.isEmpty {  // the round's first step is its warm-up
                        phases.append((Double(forwardDone - start) / 1e9, Double(backwardDone - forwardDone) / 1e9, Double(end - backwardDone) / 1e9))
                    }
                    times.append(Double(end - start) / 1e9)
                }
                comparison.preflab.append(Spread(values: Array(times.dropFirst())).median)
                if let torch = pytorch(setup, steps: stepsPerRound) {
                    comparison.reference.append(torch.seconds)
                    pytorchPeakMegabytes = max(pytorchPeakMegabytes ?? 0, torch.megabytes)
                }
            }
            let median = Spread(values: comparison.preflab).median
            let phase = phases.sorted { $0.forward + $0.backward + $0.adamW < $1.forward + $1.backward + $1.adamW }[phases.count / 2]
            let rate = flopsPerToken(setup, parameters: engine.weights.parameterCount) * Double(n) / median
            let verdict = median <= setup.targetSecondsPerStep ? "meets" : "MISSES"
            comparison.report(against: "PyTorch", goal: nil)
            print("    \(String(format: "%6.0f", Double(n) / median)) tokens/s, \(String(format: "%5.1f", rate / 1e9)) GFLOP/s "
                  + "(MFU \(String(format: "%4.1f", rate / peak * 100)) % of the sgemm peak); target ≤ \(setup.targetSecondsPerStep) s/step: \(verdict)")
            print("    forward \(String(format: "%.3f", phase.forward)) s, backward \(String(format: "%.3f", phase.backward)) s, AdamW \(String(format: "%.3f", phase.adamW)) s;"
                  + " parameters \(engine.weights.parameterCount), activations \(engine.activationFloats * 4 / 1_000_000) MB, peak RSS \(peakResidentMegabytes()) MB"
                  + (pytorchPeakMegabytes.map { " (PyTorch \($0) MB)" } ?? ""))
        }
    }

    /// Training FLOPs per token of `setup`'s model with `parameters` weights: 6N + 6·L·C·T.
    static func flopsPerToken(_ setup: Setup, parameters: Int) -> Double {
        let c = setup.config
        let matmulParameters = parameters - (c.descriptor.learnsPositions ? c.maxPositions * c.hiddenSize : 0)
        return 6.0 * Double(matmulParameters) + 6.0 * Double(c.layers * c.hiddenSize * setup.length)
    }

    /// Runs scripts/bench_pytorch.py on the same configuration; nil without a Python or when it fails.
    /// - Parameters: batch overrides the setup's; extra is appended to the script's arguments ("dpo").
    static func pytorch(_ setup: Setup, steps: Int, batch: Int? = nil, extra: [String] = []) -> (seconds: Double, megabytes: Int)? {
        guard let python = referencePython else { return nil }
        let c = setup.config
        let arguments = [c.architecture.rawValue] + [c.vocabSize, c.hiddenSize, c.layers, c.heads, c.intermediateSize,
                                                     batch ?? setup.batch, setup.length, steps].map(String.init) + extra
        let outcome = runMeasured([python, benchScript("bench_pytorch.py")] + arguments)
        guard outcome.succeeded, let json = lastJSONObject(outcome.output),
              let seconds = json["seconds_per_step"] as? Double, let megabytes = json["peak_rss_mb"] as? Int else {
            progress("bench_pytorch.py failed:\n\(tail(outcome.errors))")
            return nil
        }
        return (seconds, megabytes)
    }

    /// Starts the peak resident set (VmHWM) again from the current one, so each configuration's
    /// figure is its own and not the largest the bench has reached so far (Linux's clear_refs).
    static func resetPeakResident() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The process's peak resident set (VmHWM), in MB.
    static func peakResidentMegabytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1000
    }
}
