import Base
import Dispatch
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
        let engine = try TrainableModel(model: model)
        var random = RandomGenerator(seed: 3)
        func ids(_ count: Int) -> [Int32] { (0..<count).map { _ in Int32(random.next() % UInt64(setup.config.vocabSize)) } }
        let pairs = (0..<(pairsPerStep * steps)).map { _ in
            PairTokens(prompt: ids(prompt), chosen: ids(length + 1 - prompt), rejected: ids(length + 1 - prompt))
        }
        var options = TrainingOptions()
        options.batch = pairsPerStep
        options.seqLen = length
        let directory = NSTemporaryDirectory() + "/preflab-bench-preference-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let objective = try PreferenceObjective(pairs: pairs, loss: try PreferenceLoss("sigmoid"), settings: [:], options: options,
                                                reference: nil, cacheDirectory: nil)
        try objective.prepare(engine, directory: directory)
        let optimizer = try AdamW(for: engine.trainable)
        var times: [Double] = []
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            engine.trainable.zeroGradients()
            sink += Float(try objective.step(engine, accumulate: 1).loss)
            try optimizer.step(engine.trainable, learningRate: 1e-5)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
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
