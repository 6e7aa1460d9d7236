import Dispatch
import Foundation
import Models
import Tensor

/// Where a run's training data comes from.
public enum TrainingSource {
    /// A .txt, text JSONL or prompt/completion JSONL file.
    case file(String)
    /// Token ids [N, seq_len + 1], one example per row.
    case tokens(Tensor)
}

/// A causal-LM training run: the model being trained, its optimiser, data order, metrics
/// history and run directory. `run` trains to `options.steps`; `resume` continues one from
/// its newest checkpoint so that its losses are those of an uninterrupted run.
public final class TrainingRun {
    /// How a call to `run` ended.
    public enum Outcome: Equatable, Sendable {
        case finished
        /// Stopped by the caller (Ctrl-C) after a whole step; a checkpoint was written.
        case interrupted(step: Int)
    }

    /// The run's configuration after defaults were filled in.
    public let options: TrainingOptions
    public let engine: TrainableModel
    /// The run directory.
    public let directory: String
    public private(set) var history: [StepMetrics]
    /// Steps completed.
    public private(set) var step: Int

    let optimizer: Optimizer
    let schedule: LearningRateSchedule
    var loader: DataLoader
    let files: RunDirectory
    /// The newest checkpoint written, for error messages.
    public internal(set) var lastCheckpoint: Int?

    public var losses: [Double] { history.map(\.loss) }
    /// Scored tokens per second of training time over the run so far.
    public var tokensPerSecond: Double {
        let seconds = history.reduce(0) { $0 + $1.seconds }
        return seconds > 0 ? Double(history.reduce(0) { $0 + $1.tokens }) / seconds : 0
    }

    private init(options: TrainingOptions, engine: TrainableModel, loader: DataLoader, directory: String,
                 history: [StepMetrics], step: Int) throws {
        self.options = options
        self.engine = engine
        self.loader = loader
        self.directory = directory
        self.history = history
        self.step = step
        files = RunDirectory(path: directory)
        schedule = try LearningRateSchedule(name: options.schedule, warmup: options.warmup, minimum: options.minLR, option: "schedule")
        optimizer = options.optimizer == "sgd"
            ? try SGD(for: engine.trainable, momentum: options.momentum, weightDecay: options.weightDecay)
            : try AdamW(for: engine.trainable, beta1: options.beta1, beta2: options.beta2, epsilon: options.eps,
                        weightDecay: options.weightDecay)
    }

    /// Checks everything, then creates the run directory. No training happens until `run`.
    public static func start(model: TransformerModel, data: TrainingSource, options: TrainingOptions) throws -> TrainingRun {
        var options = options
        try options.validate(for: model.config)
        if options.dir.isEmpty { options.dir = defaultDirectory() }
        let trainingData = try load(data, model: model)
        let loader = try DataLoader(data: trainingData, batch: options.batch, seqLen: options.seqLen, seed: options.seed,
                                    mode: options.batching.isEmpty ? nil : (options.batching == "pad" ? .padding : .packing))
        let engine = try TrainableModel(model: model, lora: try options.loraConfig(for: model.config), seed: options.seed)
        let run = try TrainingRun(options: options, engine: engine, loader: loader, directory: options.dir, history: [], step: 0)
        if FileManager.default.fileExists(atPath: run.files.runFile) {
            throw TrainingError("dir", "\(options.dir) already holds a run; resume it with resume(\"\(options.dir)\") or choose another dir")
        }
        try run.files.create()
        if case .tokens(let tensor) = data {
            do { try SafetensorsWriter.write([("tokens", tensor)], to: run.files.dataFile) } catch { throw TrainingError(run.files.dataFile, "\(error)") }
        }
        let record = RunRecord(options: options, data: { if case .file(let path) = data { return absolute(path) } else { return nil } }())
        try run.files.write(try JSONEncoder.sorted.encode(record), to: run.files.runFile)
        try run.files.rewriteMetrics([])
        return run
    }

    /// Reopens the run in `directory` at its newest checkpoint.
    public static func resume(directory: String) throws -> TrainingRun {
        let files = RunDirectory(path: directory)
        guard let recordData = FileManager.default.contents(atPath: files.runFile) else {
            throw TrainingError(files.runFile, "cannot read: is \(directory) a run directory?")
        }
        let record: RunRecord
        do { record = try JSONDecoder().decode(RunRecord.self, from: recordData) } catch {
            throw TrainingError(files.runFile, "is not a run record: \(error)")
        }
        let checkpoint = try files.latestCheckpoint()
        let model: TransformerModel
        do { model = try TransformerModel.load(directory: checkpoint) } catch { throw TrainingError(checkpoint, "\(error)") }
        let source: TrainingSource
        if let path = record.data {
            source = .file(path)
        } else {
            do { source = .tokens(try SafetensorsFile(path: files.dataFile).tensor("tokens")) } catch {
                throw TrainingError(files.dataFile, "\(error)")
            }
        }
        let options = record.options
        let loader = try DataLoader(data: try load(source, model: model), batch: options.batch, seqLen: options.seqLen, seed: options.seed,
                                    mode: options.batching.isEmpty ? nil : (options.batching == "pad" ? .padding : .packing))
        let engine = try TrainableModel(model: model, lora: try options.loraConfig(for: model.config), seed: options.seed)
        let state = try CheckpointState.read(checkpoint)
        let run = try TrainingRun(options: options, engine: engine, loader: loader, directory: directory,
                                  history: state.history, step: state.step)
        try run.restore(from: checkpoint, state: state)
        try run.files.rewriteMetrics(state.history)
        run.lastCheckpoint = state.step
        return run
    }

    /// Trains until `options.steps` steps are done or `shouldStop` says so after a step.
    /// - Throws: `TrainingError` when the loss or gradient stops being finite; the weights are
    ///   then those before the bad step and the last good checkpoint is kept.
    public func run(progress: ProgressReporter? = nil, shouldStop: () -> Bool = { false }) throws -> Outcome {
        defer { progress?.finish() }
        while step < options.steps {
            let metrics = try trainStep()
            let perStep = history.suffix(20).reduce(0) { $0 + $1.seconds } / Double(min(history.count, 20))
            progress?.update(metrics, secondsLeft: perStep * Double(options.steps - step))
            if options.checkpointEvery > 0, step % options.checkpointEvery == 0, step < options.steps { try checkpoint() }
            if shouldStop(), step < options.steps {
                try checkpoint()
                return .interrupted(step: step)
            }
        }
        if lastCheckpoint != step { try checkpoint() }
        return .finished
    }

    /// One optimiser step over `accumulate` micro-batches.
    private func trainStep() throws -> StepMetrics {
        let start = DispatchTime.now().uptimeNanoseconds
        let positionBefore = loader.position
        let batches = (0..<options.accumulate).map { _ in loader.next() }
        let scored = batches.reduce(0) { $0 + $1.tokenCount }
        guard scored > 0 else {
            try loader.restore(positionBefore)
            throw TrainingError("step \(step + 1)", "its batches have no token in the loss")
        }
        let trainable = engine.trainable
        trainable.zeroGradients()
        var negativeLogLikelihood = 0.0
        for batch in batches {
            let logprobs = try engine.forward(inputs: batch.inputs, targets: batch.targets, batch: batch.batch, length: batch.length)
            for (logprob, target) in zip(logprobs, batch.targets) where target >= 0 { negativeLogLikelihood -= Double(logprob) }
            try engine.backward(logprobGradients: batch.targets.map { $0 >= 0 ? -1 / Float(scored) : 0 })
        }
        let loss = negativeLogLikelihood / Double(scored)
        let norm = options.clip > 0 ? try trainable.clipGradients(maxNorm: options.clip) : trainable.gradientNorm()
        guard loss.isFinite, norm.isFinite else {
            try loader.restore(positionBefore)
            let what = loss.isFinite ? "the gradient norm is \(norm)" : "the loss is \(loss)"
            let kept = lastCheckpoint.map { "the last good checkpoint is \(files.checkpoint($0))" } ?? "no checkpoint was written yet"
            throw TrainingError("step \(step + 1)", "\(what); training stopped before updating the weights, which are those after step \(step); \(kept)")
        }
        let learningRate = schedule.rate(step: step, totalSteps: options.steps, peak: options.lr)
        try optimizer.step(trainable, learningRate: Float(learningRate))
        step += 1
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let metrics = StepMetrics(step: step, loss: loss, learningRate: learningRate, gradientNorm: norm, tokens: scored,
                                  tokensPerSecond: Double(scored) / seconds, seconds: seconds)
        history.append(metrics)
        try files.append(metrics)
        return metrics
    }

    /// The trained weights, with LoRA adapters merged in, by Hugging Face name.
    public func trainedWeights() throws -> [String: Tensor] {
        let weights = try engine.exportWeights()
        guard let adapter = try adapter() else { return weights }
        return try adapter.merged(into: weights)
    }

    /// The trained LoRA adapter, or nil for full fine-tuning.
    public func adapter() throws -> LoRAAdapter? {
        guard let lora = engine.lora else { return nil }
        return try LoRAAdapter(config: engine.config, lora: lora, weights: try engine.exportAdapters())
    }

    private static func load(_ source: TrainingSource, model: TransformerModel) throws -> TrainingData {
        switch source {
        case .tokens(let tensor):
            return try TrainingData(tokens: tensor, vocabularySize: model.config.vocabSize)
        case .file(let path):
            guard let tokenizer = model.tokenizer else {
                throw TrainingError(path, "training on text needs the model's tokenizer, and this model has none (pass token ids instead)")
            }
            // The model's own end-of-sequence id, when its config names one, ends each document.
            return try TrainingData.load(path: path, tokenizer: tokenizer, eos: model.config.eosTokenIds.first ?? tokenizer.endOfTextId)
        }
    }

    private static func defaultDirectory() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "runs/run-" + formatter.string(from: Date())
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}

/// What run.json holds.
struct RunRecord: Codable {
    var options: TrainingOptions
    /// The data file's absolute path; nil when the data was a tensor (saved as data.safetensors).
    var data: String?
}
