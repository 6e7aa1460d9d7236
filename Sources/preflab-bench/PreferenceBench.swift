import Base
import Foundation
import Models
import Preference
import Tensor
import Training

/// One preference step of the Preference issue: DPO on the 13.8M Llama, 8 pairs of 256-token
/// rows (chosen and rejected in one forward), reference log-probs cached, AdamW; rounds
/// alternating with the same step in PyTorch (scripts/bench_pytorch.py dpo).
enum PreferenceBench {
    /// PrefLab must be ahead of PyTorch.
    static let goal = Goal.speedup(1)

    static func run() throws {
        let setup = try TrainingBench.setups()[0]
        let (pairsPerStep, length, steps) = (8, 256, TrainingBench.stepsPerRound)
        let prompt = length / 4
        let scratch = NSTemporaryDirectory() + "/preflab-bench-preference-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        TrainingBench.resetPeakResident()
        var random = RandomGenerator(seed: 3)
        func ids(_ count: Int) -> [Int32] { (0..<count).map { _ in Int32(random.next() % UInt64(setup.config.vocabSize)) } }
        let pairs = (0..<(pairsPerStep * steps)).map { _ in
            PairTokens(prompt: ids(prompt), chosen: ids(length + 1 - prompt), rejected: ids(length + 1 - prompt))
        }
        var comparison = Comparison("DPO step", unit: "s/step")
        var pytorchPeakMegabytes: Int?
        for round in 1...TrainingBench.rounds {
            progress("DPO step (Llama 13.8M), round \(round) of \(TrainingBench.rounds)")
            var request = PreferenceTrainingRequest(policy: try TransformerModel.random(config: setup.config, seed: 1), pairs: .tokens(pairs))
            request.options.steps = steps
            request.options.batch = pairsPerStep
            request.options.lr = 1e-5
            request.options.dir = scratch + "/run-\(round)"
            request.data.refCache = scratch + "/reference"
            request.seqLen = length
            let run = try request.start { _ in }
            _ = try run.run()
            sink += Float(run.history.last?.loss ?? 0)
            comparison.preflab.append(Spread(values: run.history.dropFirst().map(\.seconds)).median)
            if let torch = TrainingBench.pytorch(setup, steps: steps, batch: pairsPerStep, extra: ["dpo"]) {
                comparison.reference.append(torch.seconds)
                pytorchPeakMegabytes = max(pytorchPeakMegabytes ?? 0, torch.megabytes)
            }
        }
        print("")
        print("Preference step (DPO, Llama 13.8M, 8 pairs → 16 rows of 256 tokens, cached reference, AdamW), kernels: \(kernelsInUse); "
              + "\(TrainingBench.rounds) round\(TrainingBench.rounds == 1 ? "" : "s"), each the median of \(steps - 1) steps after a warm-up")
        comparison.report(against: "PyTorch", goal: goal)
        let median = Spread(values: comparison.preflab).median
        print("    \(String(format: "%6.0f", Double(2 * pairsPerStep * length) / median)) tokens/s; peak RSS \(TrainingBench.peakResidentMegabytes()) MB"
              + (pytorchPeakMegabytes.map { " (PyTorch \($0) MB)" } ?? ""))
    }
}
