import Base
import Dispatch
import Distributed
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

/// A training run: the model being trained, its optimiser, the objective (which owns the data
/// order), the metrics history and the run directory. `run` trains to `options.steps`; `resume`
/// continues one from its newest checkpoint so that its losses are those of an uninterrupted run.
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
    public let objective: TrainingObjective
    /// The run directory.
    public let directory: String
    public private(set) var history: [StepMetrics]
    /// Steps completed.
    public private(set) var step: Int

    let optimizer: Optimizer
    let schedule: LearningRateSchedule
    let files: RunDirectory
    /// The newest checkpoint written, for error messages.
    public internal(set) var lastCheckpoint: Int?
    /// When the newest checkpoint of this session was written (or the session started), in
    /// uptime nanoseconds, for `checkpoint_minutes`.
    var lastCheckpointTime = DispatchTime.now().uptimeNanoseconds
    /// Where this session's wall time went (run.json keeps the latest session's).
    public let timings: RunTimings
    /// The processes training this run together: each takes its shard of every batch, their
    /// gradients are summed before the update, and only the root writes the run's files.
    let world = World.current
    private var shard: Shard { Shard(world) }

    public var losses: [Double] { history.map(\.loss) }
    /// Tokens the forward passes read per second of training time over the run so far.
    public var tokensPerSecond: Double {
        let seconds = history.reduce(0) { $0 + $1.seconds }
        // Summed as Doubles: a resumed run's history comes from disk, where a count can be anything.
        return seconds > 0 ? history.reduce(0.0) { $0 + Double($1.tokens) } / seconds : 0
    }

    private init(options: TrainingOptions, engine: TrainableModel, objective: TrainingObjective, directory: String,
                 history: [StepMetrics], step: Int, timings: RunTimings) throws {
        self.options = options
        self.timings = timings
        self.engine = engine
        self.objective = objective
        self.directory = directory
        self.history = history
        self.step = step
        files = RunDirectory(path: directory)
        schedule = try LearningRateSchedule(options.schedule, warmup: options.warmup, minimum: options.minLR)
        switch options.optimizer {
        case .sgd: optimizer = try SGD(for: engine.trainable, momentum: options.momentum, weightDecay: options.weightDecay)
        case .adamw:
            optimizer = try AdamW(for: engine.trainable, beta1: options.beta1, beta2: options.beta2, epsilon: options.eps,
                                  weightDecay: options.weightDecay)
        }
    }

    /// A causal-LM run on `data`: checks everything, then creates the run directory. No training
    /// happens until `run`.
    public static func start(model: TransformerModel, data: TrainingSource, options: TrainingOptions) throws -> TrainingRun {
        try options.validate(for: model.config)
        return try start(model: model, options: options) { try LanguageModelObjective(model: model, source: data, options: $0) }
    }

    /// A run of the objective `makeObjective` builds from the resolved options.
    /// - Parameter timings: the session's timings so far (a caller that read the data first
    ///   measured it there).
    /// - Throws: `TrainingError` on "model" or "batch" when the run's buffers would not fit in
    ///   memory, before any is allocated.
    public static func start(model: TransformerModel, options: TrainingOptions, timings: RunTimings = RunTimings(),
                             makeObjective: (TrainingOptions) throws -> TrainingObjective) throws -> TrainingRun {
        try start(model: model, options: options, memoryLimit: TensorLimits.maximumElements, timings: timings, makeObjective: makeObjective)
    }

    /// `start` with the memory a run may take, in Float32 values, given: tests stand in a small
    /// machine with it.
    static func start(model: TransformerModel, options: TrainingOptions, memoryLimit: Int, timings: RunTimings = RunTimings(),
                      makeObjective: (TrainingOptions) throws -> TrainingObjective) throws -> TrainingRun {
        var options = options
        try options.validate(for: model.config)
        let world = World.current
        try checkSplit(batch: options.batch, world: world)
        // The root's default name: the others' clocks would give theirs another.
        let directory = world.broadcast(options.dir ?? defaultDirectory())
        options.dir = directory
        let files = RunDirectory(path: directory)
        if files.writes, FileManager.default.fileExists(atPath: files.runFile) {
            throw TrainingError("dir", "\(directory) already holds a run; resume it with resume(\"\(directory)\") or choose another dir")
        }
        do {
            if files.writes { try OutputPath.checkFolder(directory) }
        } catch let error as PlaceError {
            throw TrainingError("dir", error.description)
        }
        let objective = try timings.measure(.data) { try makeObjective(options) }
        let lora = try options.loraConfig(for: model.config)
        try MemoryNeed.checkRun(model.config, options: options, lora: lora, rows: objective.rows, limit: memoryLimit)
        let engine = try timings.measure(.modelCopy) { try TrainableModel(model: model, lora: lora, seed: options.seed) }
        // Replicas start equal however each rank came by its model.
        world.broadcast(engine.trainable.values, count: engine.trainable.count)
        let run = try timings.measure(.optimizerState) {
            try TrainingRun(options: options, engine: engine, objective: objective, directory: directory, history: [], step: 0,
                            timings: timings)
        }
        try timings.measure(.runFiles) {
            try files.create()
            try run.keepTokenizer()
        }
        try objective.prepare(engine, directory: directory, timings: timings)
        try timings.measure(.runFiles) {
            try run.writeRecord()
            try files.rewriteMetrics([])
        }
        return run
    }

    /// Where the run in `directory` keeps its record.
    public static func recordFile(directory: String) -> String { RunDirectory(path: directory).runFile }

    /// The record of the run in `directory` (options, objective kind and settings).
    public static func record(directory: String) throws -> RunRecord {
        let file = RunDirectory(path: directory).runFile
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TrainingError(file, "cannot read: is \(directory) a run directory?")
        }
        // A setting's check names the setting (the decoding's own errors already name the file).
        do { return try JSONFile.decode(RunRecord.self, from: data, file: file) } catch let error as TrainingError where error.place != file {
            throw TrainingError(file, "option \(error.place): \(error.message)")
        }
    }

    /// Reopens the causal-LM run in `directory` at its newest checkpoint, to continue it.
    public static func resume(directory: String) throws -> TrainingRun {
        try resume(directory: directory) { try open(directory: $0) }
    }

    /// Reopens a run with `open` to continue it: every resume comes here, so the folder is
    /// checked for writing before anything is read, and the opened run made ready to train on.
    public static func resume(directory: String, opening open: (String) throws -> TrainingRun) throws -> TrainingRun {
        try OutputPath.checkFolder(directory)
        let run = try open(directory)
        try run.prepareToContinue()
        return run
    }

    /// The causal-LM run in `directory` at its newest checkpoint, read only.
    public static func open(directory: String) throws -> TrainingRun {
        try open(directory: directory) { record, model in
            guard record.objective == .causalLM else {
                throw TrainingError(directory, "holds a \(record.objective.rawValue) run, not a causal-LM one")
            }
            return try LanguageModelObjective.resuming(model: model, settings: record.settings, options: record.options, directory: directory)
        }
    }

    /// Reopens the run in `directory` at its newest checkpoint to continue it, with the objective
    /// `makeObjective` rebuilds from the run's record and the checkpoint's model.
    public static func resume(directory: String,
                              makeObjective: (RunRecord, TransformerModel) throws -> TrainingObjective) throws -> TrainingRun {
        try resume(directory: directory) { try open(directory: $0, makeObjective: makeObjective) }
    }

    /// The run in `directory` as its newest checkpoint left it — weights, optimiser state, data
    /// position, history — without writing to the directory: what `resume` continues, and what
    /// `open_run` shows of a finished or interrupted run.
    public static func open(directory: String,
                            makeObjective: (RunRecord, TransformerModel) throws -> TrainingObjective) throws -> TrainingRun {
        let timings = RunTimings()
        let record = try record(directory: directory)
        let files = RunDirectory(path: directory)
        let checkpoint = try files.latestCheckpoint()
        let model: TransformerModel
        do { model = try timings.measure(.resumeLoad) { try TransformerModel.load(directory: checkpoint) } } catch {
            throw TrainingError(checkpoint, "\(error)")
        }
        let options = record.options
        // run.json is read back, not typed: an option it holds out of range would trap or
        // misbehave later (keep_checkpoints: 0 would delete every checkpoint).
        let lora: LoRAConfig?
        do {
            try options.validate(for: model.config)
            lora = try options.loraConfig(for: model.config)
        } catch let error as TrainingError {
            throw TrainingError(files.runFile, "option \(error.place): \(error.message)")
        }
        let objective = try timings.measure(.data) { try makeObjective(record, model) }
        try checkSplit(batch: options.batch, world: .current)
        try MemoryNeed.checkRun(model.config, options: options, lora: lora, rows: objective.rows, limit: TensorLimits.maximumElements)
        let engine = try timings.measure(.modelCopy) { try TrainableModel(model: model, lora: lora, seed: options.seed) }
        let state = try CheckpointState.read(checkpoint)
        let run = try timings.measure(.optimizerState) {
            try TrainingRun(options: options, engine: engine, objective: objective, directory: directory,
                            history: state.history, step: state.step, timings: timings)
        }
        try timings.measure(.resumeLoad) { try run.restore(from: checkpoint, state: state) }
        run.lastCheckpoint = state.step
        return run
    }

    /// Makes an opened run's directory ready to train on (`resume` calls it): the metrics files cut back to the
    /// checkpoint's history (a crash may have logged steps past it) and the tokenizer kept beside
    /// them, since pruning will remove the checkpoint it came from.
    func prepareToContinue() throws {
        try timings.measure(.runFiles) {
            try files.rewriteMetrics(history)
            try keepTokenizer()
        }
    }

    /// Refuses a batch that some rank would get nothing of (`train`'s rows, `pref_train`'s pairs).
    private static func checkSplit(batch: Int, world: World) throws {
        guard batch >= world.size else {
            throw TrainingError("batch", "\(batch) cannot be split across \(world.size) ranks: give each rank at least one (batch ≥ \(world.size)), or start fewer ranks")
        }
    }

    /// Whether every step the run's options ask for is done.
    public var isFinished: Bool { step == options.steps }

    /// The run's checkpoint directories, oldest first.
    public var checkpoints: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: files.checkpoints)) ?? []
        return RunDirectory.checkpointsOldestFirst(names).map { files.checkpoints + "/" + $0 }
    }

    /// Trains until `options.steps` steps are done or `shouldStop` says so after a step (on any
    /// rank: all of them then stop after that step), then
    /// writes what `keep` asks for (a stopped run always writes a checkpoint) and run.json with
    /// the session's timings. Checkpoints also come as `checkpoint_every` and
    /// `checkpoint_minutes` ask.
    /// - Throws: `TrainingError` when the loss or gradient stops being finite; the weights are
    ///   then those before the bad step and the last good checkpoint is kept.
    public func run(progress: ProgressReporter? = nil, shouldStop: () -> Bool = { false }) throws -> Outcome {
        defer { progress?.finish() }
        lastCheckpointTime = DispatchTime.now().uptimeNanoseconds
        while step < options.steps {
            let metrics = try timings.measure(.steps) { try trainStep() }
            let perStep = history.suffix(20).reduce(0) { $0 + $1.seconds } / Double(min(history.count, 20))
            progress?.update(metrics, secondsLeft: perStep * Double(options.steps - step))
            if step < options.steps, checkpointIsDue { try checkpoint() }
            // A signal reaches each rank at its own moment: stopping on any rank's request after
            // every step keeps the ranks in the same step, and none waits for ever in the next sum.
            if world.agreeToStop(shouldStop()), step < options.steps {
                try checkpoint()
                try writeRecord()
                return .interrupted(step: step)
            }
        }
        switch options.keep {
        case .resume: if lastCheckpoint != step { try checkpoint() }
        case .weights: try saveFinalWeights()
        case .none: break
        }
        try writeRecord()
        return .finished
    }

    /// Whether `checkpoint_every` or `checkpoint_minutes` asks for a checkpoint after this step.
    private var checkpointIsDue: Bool {
        if options.checkpointEvery > 0, step % options.checkpointEvery == 0 { return true }
        let minutes = Double(DispatchTime.now().uptimeNanoseconds - lastCheckpointTime) / 60e9
        return options.checkpointMinutes > 0 && minutes >= options.checkpointMinutes
    }

    /// Writes run.json: the options, the objective and its settings, and this session's timings.
    public func writeRecord() throws {
        guard files.writes else { return }
        let record = RunRecord(options: options, objective: objective.kind, settings: objective.settings,
                               kernels: BLASCore.inUse, timings: timings)
        try files.write(try JSONEncoder.sorted.encode(record), to: files.runFile)
    }

    /// One optimiser step: the objective's forward and backward, clipping, the update.
    private func trainStep() throws -> StepMetrics {
        let start = DispatchTime.now().uptimeNanoseconds
        let positionBefore = objective.position
        let trainable = engine.trainable
        trainable.zeroGradients()
        let outcome: ObjectiveStep
        do { outcome = try objective.step(engine, accumulate: options.accumulate, shard: shard) } catch let error as TrainingError {
            try objective.restore(positionBefore)
            throw TrainingError("step \(step + 1)", "\(error.place): \(error.message)")
        }
        // The shards' parts add up to the whole batch's gradient, loss and tokens; clipping, the
        // finite check and the update then see the same numbers on every rank.
        world.sum(trainable.gradients, count: trainable.count)
        let totals = world.sum([outcome.loss, Double(outcome.tokens)])
        let loss = totals[0]
        let tokens = Int(totals[1])
        let norm = options.clip > 0 ? try trainable.clipGradients(maxNorm: options.clip) : trainable.gradientNorm()
        guard loss.isFinite, norm.isFinite else {
            try objective.restore(positionBefore)
            let what = loss.isFinite ? "the gradient norm is \(norm)" : "the loss is \(loss)"
            let kept = lastCheckpoint.map { "the last good checkpoint is \(files.checkpoint($0))" } ?? "no checkpoint was written yet"
            throw TrainingError("step \(step + 1)", "\(what); training stopped before updating the weights, which are those after step \(step); \(kept)")
        }
        let learningRate = schedule.rate(step: step, totalSteps: options.steps, peak: options.lr)
        try optimizer.step(trainable, learningRate: Float(learningRate))
        step += 1
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let metrics = StepMetrics(step: step, loss: loss, learningRate: learningRate, gradientNorm: norm, tokens: tokens,
                                  tokensPerSecond: Double(tokens) / seconds, seconds: seconds,
                                  extra: outcome.metrics.map { StepMetrics.Figure(name: $0.name, value: $0.value) })
        history.append(metrics)
        try files.append(metrics)
        return metrics
    }

    /// Writes the tokenizer's files into the run directory and points the engine at the copy. Each
    /// checkpoint writes the engine's tokenizer, and the file the model came from need not
    /// outlive the run: after `resume` it is in a checkpoint, which pruning removes.
    private func keepTokenizer() throws {
        guard files.writes, let tokenizer = engine.tokenizer, tokenizer.path != files.tokenizerFile else { return }
        var document = Data()
        for file in try tokenizer.files {
            try files.write(file.contents, to: files.path + "/" + file.name)
            if files.path + "/" + file.name == files.tokenizerFile { document = file.contents }
        }
        engine.tokenizer = tokenizer.relocated(to: files.tokenizerFile, document: document)
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

    /// runs/run-yyyyMMdd-HHmmss-SSS, with -2, -3, … appended while that path exists: two runs
    /// started in the same millisecond (or after the clock went back) must not collide, since
    /// the second would be refused as "already holds a run".
    static func defaultDirectory(parent: String = "runs") -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss-SSS"
        let base = parent + "/run-" + formatter.string(from: Date())
        var candidate = base
        var suffix = 1
        while FileManager.default.fileExists(atPath: candidate) {
            suffix += 1
            candidate = base + "-\(suffix)"
        }
        return candidate
    }

}

/// What run.json holds.
public struct RunRecord: Codable, Sendable {
    public var options: TrainingOptions
    public var objective: ObjectiveKind
    /// The objective's settings (data path, loss options), by setting name.
    public var settings: [String: SettingValue]
    /// The kernel mode and OpenBLAS set of the latest session: another set gives other figures in
    /// the last bits. Optional, so that a record without it still reads.
    public var kernels: KernelsInUse?
    /// Where the latest session's wall time went; nil until a session wrote it.
    public var timings: RunTimings?
}
