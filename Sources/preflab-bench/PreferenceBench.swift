import Base
import Foundation
import Models
import Preference
import Tensor
import Training

/// One preference step of the Preference issue: DPO on the 13.8M Llama, 8 pairs of 256-token
/// rows (chosen and rejected in one forward), reference log-probs cached, AdamW.
enum PreferenceBench {
    static func run(steps: Int = 6) throws {
        let setup = try TrainingBench.setups()[0]
        let (pairsPerStep, length) = (8, 256)
        let prompt = length / 4
        TrainingBench.resetPeakResident()
        let model = try TransformerModel.random(config: setup.config, seed: 1)
        var random = RandomGenerator(seed: 3)
        func ids(_ count: Int) -> [Int32] { (0..<count).map { _ in Int32(random.next() % UInt64(setup.config.vocabSize)) } }
        let pairs = (0..<(pairsPerStep * steps)).map { _ in
            PairTokens(prompt: ids(prompt), chosen: ids(length + 1 - prompt), rejected: ids(length + 1 - prompt))
        }
        let scratch = NSTemporaryDirectory() + "/preflab-bench-preference-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var request = PreferenceTrainingRequest(policy: model, pairs: .tokens(pairs))
        request.options.steps = steps
        request.options.batch = pairsPerStep
        request.options.lr = 1e-5
        request.options.dir = scratch + "/run"
        request.data.refCache = scratch + "/reference"
        request.seqLen = length
        let run = try request.start { _ in }
        _ = try run.run()
        let times = run.history.map(\.seconds)
        sink += Float(run.history.last?.loss ?? 0)
        let median = times.dropFirst().sorted()[(steps - 1) / 2]
        print("")
        print("Preference step (DPO, Llama 13.8M, 8 pairs → 16 rows of 256 tokens, cached reference, AdamW; median of \(steps - 1) after a warm-up)")
        let rows = Double(2 * pairsPerStep * length)
        print("\(pad("DPO step", 26)) \(String(format: "%.3f", median)) s/step  \(String(format: "%6.0f", rows / median)) tokens/s  "
              + "peak RSS \(TrainingBench.peakResidentMegabytes()) MB")
        if let torch = TrainingBench.pytorch(setup, steps: steps, batch: pairsPerStep, extra: ["dpo"]) {
            let verdict = median < torch.seconds ? "ahead" : "BEHIND"
            print("    PyTorch now: \(String(format: "%.3f", torch.seconds)) s/step, peak RSS \(torch.megabytes) MB; PrefLab is "
                  + "\(String(format: "%.2f", torch.seconds / median))× as fast (target: ahead of PyTorch: \(verdict))")
        } else {
            print("    PyTorch: not installed (pip install torch transformers to compare in the same run)")
        }
    }
}
