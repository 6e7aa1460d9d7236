import Base
import Foundation
import Models
import Preference
import OrderedCollections
import Tensor
import Training

/// A training run as a language value: `run.losses`, `run.tokens_per_second`, `plot(run)`.
final class RunHandle: Handle {
    let run: TrainingRun
    /// How the run stands: "finished", or "interrupted" when steps remain.
    let status: String
    /// The model the run trains (updated when training stops).
    let model: TransformerModel

    init(_ run: TrainingRun, outcome: TrainingRun.Outcome, model: TransformerModel) {
        self.run = run
        switch outcome {
        case .finished: status = "finished"
        case .interrupted: status = "interrupted"
        }
        self.model = model
        super.init(kind: "run")
    }

    override var summary: String {
        let last = run.history.last.map { String(format: ", loss %.4f", $0.loss) } ?? ""
        return "<run \(run.directory): step \(run.step)/\(run.options.steps)\(last), \(String(format: "%.0f", run.tokensPerSecond)) tokens/s, \(status)>"
    }

    private enum Property: String, CaseIterable {
        case losses, tokensPerSecond = "tokens_per_second", steps, lrs, gradNorms = "grad_norms", step, dir, status, checkpoints, model,
             timings, metrics
    }

    override var propertyNames: [String] { Property.allCases.map(\.rawValue) }

    override func property(_ name: String) -> Value? {
        let history = run.history
        func numbers(_ values: [Double]) -> Value { .list(values.map(Value.number)) }
        switch Property(rawValue: name) {
        case .losses: return numbers(history.map(\.loss))
        case .tokensPerSecond: return .number(run.tokensPerSecond)
        case .steps: return numbers(history.map { Double($0.step) })
        case .lrs: return numbers(history.map(\.learningRate))
        case .gradNorms: return numbers(history.map(\.gradientNorm))
        case .step: return .number(Double(run.step))
        case .dir: return .string(run.directory)
        case .status: return .string(status)
        case .checkpoints: return .list(run.checkpoints.map(Value.string))
        case .model: return .handle(ModelHandle(model))
        case .timings:
            var fields: OrderedDictionary<String, Value> = ["wall": .number(run.timings.wall)]
            for phase in RunPhase.allCases { fields[phase.rawValue] = .number(run.timings.seconds[phase] ?? 0) }
            return .record(fields)
        case .metrics:
            return .list(history.map { m -> Value in
                var fields: OrderedDictionary<String, Value> = [
                    "step": .number(Double(m.step)), "loss": .number(m.loss), "lr": .number(m.learningRate),
                    "grad_norm": .number(m.gradientNorm), "tokens": .number(Double(m.tokens)),
                    "tokens_per_second": .number(m.tokensPerSecond), "seconds": .number(m.seconds)]
                for figure in m.extra { fields[figure.name] = .number(figure.value) }
                return .record(fields)
            })
        case nil: return nil
        }
    }
}

extension Arguments {
    func run(_ name: String) throws -> TrainingRun {
        guard case .handle(let handle) = try self[name], let run = handle as? RunHandle else {
            throw BuiltinError("argument '\(name)' must be a run, got a \(try self[name].typeName)")
        }
        return run.run
    }

    /// Trains `run` to its last step with progress on standard error, and a loss plot redrawn
    /// every `plotEvery` steps (0: none) where the runtime's live display redraws in place;
    /// Ctrl-C stops it after the current step with a checkpoint, and the interpreter then stops
    /// the rest of the entry. Afterwards `model` holds the trained weights (adapters merged), and
    /// standard error a line saying where the session's wall time went.
    func drive(_ run: TrainingRun, updating model: TransformerModel, plotEvery: Int = 0) throws -> Value {
        let live = LiveTrainingPlot(every: plotEvery, run: run, view: runtime.openLiveDisplay())
        // A live plot off a terminal is a notebook's display, updated in place: it shows how the
        // run goes instead of a progress line every log_every steps, and the log keeps the last.
        let plotStandsForLines = live != nil && isatty(STDERR_FILENO) != 1
        let progress = ProgressReporter.standardError(total: run.options.steps, every: plotStandsForLines ? run.options.steps : run.options.logEvery)
        if let live { progress.onStep = live.record }
        let interrupt = runtime.interrupt
        var outcome: TrainingRun.Outcome = .finished
        var failure: Error?
        do {
            outcome = try run.run(progress: progress, shouldStop: { interrupt.isSet })
        } catch {
            failure = error
        }
        try run.timings.measure(.weightsOut) { try model.replaceWeights(try run.trainedWeights()) }
        if let failure { throw failure }
        try run.writeRecord()
        FileHandle.standardError.write(Data("time: \(run.timings.summary)\n".utf8))
        if case .interrupted(let step) = outcome {
            stopWithTheOtherRanks()
            let message = "interrupted after step \(step); checkpoint written to \(run.directory); resume(\"\(run.directory)\") continues\n"
            FileHandle.standardError.write(Data(message.utf8))
        }
        return .handle(RunHandle(run, outcome: outcome, model: model))
    }
}

/// The run in `directory` at its newest checkpoint, its objective rebuilt by the kind run.json
/// records; `resume` continues it, `open_run` only reads it.
private func openRun(_ directory: String) throws -> TrainingRun {
    switch try TrainingRun.record(directory: directory).objective {
    case .preference: return try PreferenceTraining.open(directory: directory)
    case .causalLM: return try TrainingRun.open(directory: directory)
    }
}

/// `train`'s options: the training options, then the live plot's interval.
private let trainSignature = SettingSignature.parameters(TrainingOptions.table) + ", " + plotEveryParameter

extension Builtins {
    static let training: [Builtin] = [
        Builtin("train(model, data, \(trainSignature))", topic: "training",
                doc: "Trains model (in place) on data — a .txt, text JSONL or prompt/completion JSONL path, or token ids [N, seq_len + 1] — for steps optimiser steps of batch sequences of seq_len tokens (× accumulate micro-batches), and returns the run: run.losses, run.tokens_per_second (tokens the forward passes read, padding left out), run.lrs, run.grad_norms, run.metrics, run.dir, run.timings (seconds by phase: steps, checkpoints, …, and wall); plot(run) draws the loss. The run directory gets metrics.jsonl/csv, run.json and checkpoints (every checkpoint_every steps and on Ctrl-C, which stops after the current step), and at the end what keep says. The end of a run prints where its time went. Options: " + SettingSignature.help(TrainingOptions.table) + "; plot_every: N redraws a loss plot in place every N steps when standard error is a terminal, and in a notebook (one display, updated in place of the progress lines).",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]])\nlet run = train(m, ids, steps: 3, batch: 2, seq_len: 8, lr: 0.01, dir: temp_dir() + \"/run\")\nlen(run.losses)") { a in
            let model = try a.model("model")
            let source: TrainingSource
            switch try a["data"] {
            case .string(let path): source = .file(path)
            case .tensor(let tensor): source = .tokens(tensor)
            case .list: source = .tokens(try a.tensor("data"))
            case let other: throw BuiltinError("data must be a file path or a tensor of token ids [N, seq_len + 1], got a \(other.typeName)")
            }
            let options = try a.settings(TrainingOptions.self)
            let plotEvery = try a.plotEvery()
            let run = try TrainingRun.start(model: model, data: source, options: options)
            return try a.drive(run, updating: model, plotEvery: plotEvery)
        },
        Builtin("resume(dir, \(plotEveryParameter))", topic: "training",
                doc: "Continues the run in dir from its newest checkpoint to its last step, with the same data order, optimiser state and random streams, so its losses equal an uninterrupted run's. Returns the run; run.model is the trained model.",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet dir = temp_dir() + \"/run\"\ntrain(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 2, batch: 2, seq_len: 4, dir: dir)\nresume(dir).step") { a in
            let directory = try a.path("dir")
            let plotEvery = try a.plotEvery()
            let run = try TrainingRun.resume(directory: directory, opening: openRun)
            let model = try TransformerModel(config: run.engine.config, weights: try run.engine.exportWeights(), tokenizer: run.engine.tokenizer)
            return try a.drive(run, updating: model, plotEvery: plotEvery)
        },
        Builtin("open_run(dir)", topic: "training",
                doc: "The run in dir (made by train or pref_train, finished or interrupted) as its newest checkpoint left it, read only: nothing trains and nothing in dir changes. It is the value train returns — run.losses, run.metrics, metric(run, name), run.model (the checkpoint's weights, adapters merged), run.checkpoints (their folders, oldest first), run.status (\"finished\" or \"interrupted\"), token_probe for a preference run; resume(dir) continues it.",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet dir = temp_dir() + \"/run\"\ntrain(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 2, batch: 2, seq_len: 4, dir: dir)\nlet run = open_run(dir)\n[run.status, len(run.losses)]") { a in
            let run = try openRun(try a.path("dir"))
            let model = try TransformerModel(config: run.engine.config, weights: try run.trainedWeights(), tokenizer: run.engine.tokenizer)
            return .handle(RunHandle(run, outcome: run.isFinished ? .finished : .interrupted(step: run.step), model: model))
        },
            Builtin("metric(run, name)", topic: "training",
                doc: "One figure of a run by step, as a list: \"loss\", \"lr\", \"grad_norm\", \"tokens_per_second\", or an objective's own (pref_train's \"rewards/margins\", \"logps/chosen_delta\", \"probe/chosen_at\", …).",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet run = train(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 3, batch: 2, seq_len: 4, dir: temp_dir() + \"/run\")\nmetric(run, \"grad_norm\")") { a in
            let run = try a.run("run")
            let name = try a.string("name")
            let values = run.history.compactMap { $0.value(name) }
            guard values.count == run.history.count else {
                let known = (["loss", "lr", "grad_norm", "tokens", "tokens_per_second", "seconds"] + (run.history.first?.extra.map(\.name) ?? []))
                throw BuiltinError("the run has no figure '\(name)'; it has \(known.joined(separator: ", "))")
            }
            return .list(values.map(Value.number))
        },
        Builtin("save_adapter(run, dir)", topic: "training",
                doc: "Writes a LoRA run's adapter in PEFT's format (adapter_model.safetensors and adapter_config.json), loadable by peft's PeftModel.from_pretrained and by load_adapter.",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet run = train(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 2, batch: 2, seq_len: 4, lora_rank: 2, dir: temp_dir() + \"/run\")\nsave_adapter(run, temp_dir() + \"/adapter\")") { a in
            let run = try a.run("run")
            let directory = try a.path("dir")
            guard let adapter = try run.adapter() else {
                throw TrainingError("run", "trained all weights, not a LoRA adapter (train with lora_rank: r)")
            }
            try OutputPath.checkFolder(directory)
            try adapter.save(directory: directory)
            return .nil
        },
        Builtin("load_adapter(model, dir)", topic: "training",
                doc: "A new model: model's weights with the PEFT LoRA adapter in dir merged in (W + alpha/r · B·A).",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet run = train(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 2, batch: 2, seq_len: 4, lora_rank: 2, dir: temp_dir() + \"/run\")\nlet dir = temp_dir() + \"/adapter\"\nsave_adapter(run, dir)\nload_adapter(m, dir)") { a in
            let model = try a.model("model")
            let directory = try a.path("dir")
            return .handle(ModelHandle(try LoRAAdapter.load(directory: directory, config: model.config).merged(into: model)))
        },
    ]
}
