import Foundation
import Models
import Preference
import OrderedCollections
import Tensor
import Training

/// A training run as a language value: `run.losses`, `run.tokens_per_second`, `plot(run)`.
final class RunHandle: Handle {
    let run: TrainingRun
    /// How the last `train`/`resume` call ended.
    let status: String
    /// The model the run trains (updated when training stops).
    let model: TransformerModel

    init(_ run: TrainingRun, status: String, model: TransformerModel) {
        self.run = run
        self.status = status
        self.model = model
        super.init(kind: "run")
    }

    override var summary: String {
        let last = run.history.last.map { String(format: ", loss %.4f", $0.loss) } ?? ""
        return "<run \(run.directory): step \(run.step)/\(run.options.steps)\(last), \(String(format: "%.0f", run.tokensPerSecond)) tokens/s, \(status)>"
    }

    override func property(_ name: String) -> Value? {
        let history = run.history
        func numbers(_ values: [Double]) -> Value { .list(values.map(Value.number)) }
        switch name {
        case "losses": return numbers(history.map(\.loss))
        case "tokens_per_second": return .number(run.tokensPerSecond)
        case "steps": return numbers(history.map { Double($0.step) })
        case "lrs": return numbers(history.map(\.learningRate))
        case "grad_norms": return numbers(history.map(\.gradientNorm))
        case "step": return .number(Double(run.step))
        case "dir": return .string(run.directory)
        case "status": return .string(status)
        case "model": return .handle(ModelHandle(model))
        case "metrics":
            return .list(history.map { m -> Value in
                var fields: OrderedDictionary<String, Value> = [
                    "step": .number(Double(m.step)), "loss": .number(m.loss), "lr": .number(m.learningRate),
                    "grad_norm": .number(m.gradientNorm), "tokens": .number(Double(m.tokens)),
                    "tokens_per_second": .number(m.tokensPerSecond), "seconds": .number(m.seconds)]
                for figure in m.extra { fields[figure.name] = .number(figure.value) }
                return .record(fields)
            })
        default: return nil
        }
    }
}

extension Arguments {
    func run(_ i: Int) throws -> TrainingRun {
        guard case .handle(let handle) = values[i], let run = handle as? RunHandle else {
            throw BuiltinError("argument '\(builtin.parameters[i].name)' must be a run, got a \(values[i].typeName)")
        }
        return run.run
    }

    /// The training options from the keyword arguments named as in `TrainingOptions.names`.
    func trainingOptions() throws -> TrainingOptions {
        var o = TrainingOptions()
        func text(_ name: String) throws -> String? { isNil(index(name)) ? nil : try string(index(name)) }
        o.steps = try int(index("steps"))
        o.batch = try int(index("batch"))
        o.seqLen = isNil(index("seq_len")) ? 0 : try int(index("seq_len"))
        o.accumulate = try int(index("accumulate"))
        o.lr = try number(index("lr"))
        o.schedule = try string(index("schedule"))
        o.warmup = try int(index("warmup"))
        o.minLR = try number(index("min_lr"))
        o.optimizer = try string(index("optimizer"))
        o.weightDecay = try number(index("weight_decay"))
        o.beta1 = try number(index("beta1"))
        o.beta2 = try number(index("beta2"))
        o.eps = try number(index("eps"))
        o.momentum = try number(index("momentum"))
        o.clip = try number(index("clip"))
        let seed = try int(index("seed"))
        guard seed >= 0 else { throw BuiltinError("seed must not be negative, got \(seed)") }
        o.seed = UInt64(seed)
        o.batching = try text("batching") ?? ""
        o.checkpointEvery = try int(index("checkpoint_every"))
        o.keepCheckpoints = try int(index("keep_checkpoints"))
        o.logEvery = try int(index("log_every"))
        o.dir = try text("dir") ?? ""
        o.loraRank = try int(index("lora_rank"))
        o.loraAlpha = try number(index("lora_alpha"))
        o.loraDropout = try number(index("lora_dropout"))
        if !isNil(index("lora_targets")) {
            o.loraTargets = try list(index("lora_targets")).map { item in
                guard case .string(let name) = item else { throw BuiltinError("lora_targets must be a list of module names") }
                return name
            }
        }
        return o
    }

    /// Trains `run` to its last step with progress on standard error, and there on a terminal a
    /// loss plot redrawn every `plotEvery` steps (0: none); Ctrl-C stops it after the current
    /// step. Afterwards `model` holds the trained weights (adapters merged).
    func drive(_ run: TrainingRun, updating model: TransformerModel, plotEvery: Int = 0) throws -> Value {
        let progress = ProgressReporter.standardError(total: run.options.steps, every: run.options.logEvery)
        if let live = LiveTrainingPlot(every: plotEvery, run: run) { progress.onStep = live.record }
        let interrupt = runtime.interrupt
        var outcome: TrainingRun.Outcome = .finished
        var failure: Error?
        do {
            outcome = try run.run(progress: progress, shouldStop: { interrupt.isSet })
        } catch {
            failure = error
        }
        interrupt.clear()
        try trainingWrap { try model.replaceWeights(try run.trainedWeights()) }
        if let failure { throw BuiltinError(String(describing: failure)) }
        if case .interrupted(let step) = outcome {
            let message = "interrupted after step \(step); checkpoint written to \(run.directory); resume(\"\(run.directory)\") continues\n"
            FileHandle.standardError.write(Data(message.utf8))
            return .handle(RunHandle(run, status: "interrupted", model: model))
        }
        return .handle(RunHandle(run, status: "finished", model: model))
    }
}

/// Runs `body`, turning Training and Models errors into builtin errors with their messages.
func trainingWrap<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as TrainingError { throw BuiltinError(error.description) } catch let error as ModelError {
        throw BuiltinError(error.description)
    }
}

/// The options `train` and `pref_train` share, after `seq_len`.
let sharedOptionSignature = "accumulate = 1, lr = 0.0003, schedule = \"constant\", warmup = 0, "
    + "min_lr = 0, optimizer = \"adamw\", weight_decay = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 0.00000001, momentum = 0.9, "
    + "clip = 1, seed = 0, batching = nil, checkpoint_every = 0, keep_checkpoints = 2, log_every = 10, plot_every = 0, dir = nil, "
    + "lora_rank = 0, lora_alpha = 16, lora_dropout = 0, lora_targets = nil"
private let optionSignature = "steps = 100, batch = 8, seq_len = 128, " + sharedOptionSignature

extension Builtins {
    static let training: [Builtin] = [
        Builtin("train(model, data, \(optionSignature))", topic: "training",
                doc: "Trains model (in place) on data — a .txt, text JSONL or prompt/completion JSONL path, or token ids [N, seq_len + 1] — for steps optimiser steps of batch sequences of seq_len tokens (× accumulate micro-batches), and returns the run: run.losses, run.tokens_per_second, run.lrs, run.grad_norms, run.metrics, run.dir; plot(run) draws the loss. schedule: constant, linear or cosine (warmup steps, min_lr floor); optimizer: adamw or sgd; clip: global gradient norm (0: off); lora_rank > 0 trains LoRA adapters (lora_alpha, lora_dropout, lora_targets) instead of all weights. The run directory (dir, default runs/run-<time>) gets metrics.jsonl/csv, run.json and checkpoints (every checkpoint_every steps, at the end and on Ctrl-C, which stops after the current step). plot_every: N redraws a loss plot in place every N steps when standard error is a terminal.",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]])\nlet run = train(m, ids, steps: 3, batch: 2, seq_len: 8, lr: 0.01, dir: temp_dir() + \"/run\")\nlen(run.losses)") { a in
            let model = try a.model(0)
            let source: TrainingSource
            switch a[1] {
            case .string(let path): source = .file(path)
            case .tensor(let tensor): source = .tokens(tensor)
            case .list: source = .tokens(try a.tensor(1))
            case let other: throw BuiltinError("data must be a file path or a tensor of token ids [N, seq_len + 1], got a \(other.typeName)")
            }
            let options = try a.trainingOptions()
            let plotEvery = try a.plotEvery()
            let run = try trainingWrap { try TrainingRun.start(model: model, data: source, options: options) }
            return try a.drive(run, updating: model, plotEvery: plotEvery)
        },
        Builtin("resume(dir, plot_every = 0)", topic: "training",
                doc: "Continues the run in dir from its newest checkpoint to its last step, with the same data order, optimiser state and random streams, so its losses equal an uninterrupted run's. Returns the run; run.model is the trained model.",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet dir = temp_dir() + \"/run\"\ntrain(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 2, batch: 2, seq_len: 4, dir: dir)\nresume(dir).step") { a in
            let directory = try a.string(0)
            let plotEvery = try a.plotEvery()
            let run = try trainingWrap {
                try TrainingRun.record(directory: directory).objective == "preference"
                    ? try PreferenceTraining.resume(directory: directory, makeLoss: { try PreferenceLoss(settings: $0) })
                    : try TrainingRun.resume(directory: directory)
            }
            let model = try trainingWrap {
                try TransformerModel(config: run.engine.config, weights: try run.engine.exportWeights(), tokenizer: run.engine.tokenizer)
            }
            return try a.drive(run, updating: model, plotEvery: plotEvery)
        },
            Builtin("metric(run, name)", topic: "training",
                doc: "One figure of a run by step, as a list: \"loss\", \"lr\", \"grad_norm\", \"tokens_per_second\", or an objective's own (pref_train's \"rewards/margins\", \"logps/chosen_delta\", \"probe/chosen_at\", …).",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet run = train(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 3, batch: 2, seq_len: 4, dir: temp_dir() + \"/run\")\nmetric(run, \"grad_norm\")") { a in
            let run = try a.run(0)
            let name = try a.string(1)
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
            let run = try a.run(0)
            let directory = try a.string(1)
            try trainingWrap {
                guard let adapter = try run.adapter() else {
                    throw TrainingError("run", "trained all weights, not a LoRA adapter (train with lora_rank: r)")
                }
                try adapter.save(directory: directory)
            }
            return .nil
        },
        Builtin("load_adapter(model, dir)", topic: "training",
                doc: "A new model: model's weights with the PEFT LoRA adapter in dir merged in (W + alpha/r · B·A).",
                example: "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\nlet run = train(m, tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 2, batch: 2, seq_len: 4, lora_rank: 2, dir: temp_dir() + \"/run\")\nlet dir = temp_dir() + \"/adapter\"\nsave_adapter(run, dir)\nload_adapter(m, dir)") { a in
            let model = try a.model(0)
            let directory = try a.string(1)
            return .handle(ModelHandle(try trainingWrap {
                try LoRAAdapter.load(directory: directory, config: model.config).merged(into: model)
            }))
        },
    ]
}
