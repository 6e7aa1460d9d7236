import Base
import Foundation
import Models
import Tensor

/// The part of a checkpoint that is not tensors: where the run stands.
struct CheckpointState: Codable {
    var step: Int
    var position: DataPosition
    /// The LoRA dropout generator's state, as decimal strings (JSON numbers lose 64-bit precision).
    var random: [String]
    var history: [StepMetrics]

    static func read(_ checkpoint: String) throws -> CheckpointState {
        let file = checkpoint + "/state.json"
        guard let data = FileManager.default.contents(atPath: file) else { throw TrainingError(file, "cannot read") }
        return try JSONFile.decode(CheckpointState.self, from: data, file: file)
    }

    /// Checks what a corrupt or hand-edited `file` could get wrong against the run's (checked)
    /// options, naming the field: a resumed run must fail here rather than trap on an overflow
    /// later or quietly train a different run.
    func check(file: String, options: TrainingOptions) throws {
        guard step >= 0, step <= options.steps else {
            throw TrainingError(file, "step is \(step), outside this run's 0…\(options.steps)")
        }
        guard history.count == step, history.enumerated().allSatisfy({ $0.element.step == $0.offset + 1 }) else {
            throw TrainingError(file, "history does not hold one entry for each of steps 1…\(step) (it holds \(history.count))")
        }
        // Each step consumes batch × accumulate examples and an epoch at least one, so no later
        // epoch is reachable; the bound also keeps the loader's epoch counter far from overflow.
        // (The index is checked against the data by the objective.)
        let examplesUsed = step * options.batch * options.accumulate
        guard position.epoch >= 0, position.epoch <= examplesUsed else {
            throw TrainingError(file, "position: epoch \(position.epoch) cannot be reached in \(step) steps of \(options.batch * options.accumulate) examples")
        }
    }

    /// The LoRA dropout generator `random` records.
    func generator(file: String) throws -> RandomGenerator {
        let words = try random.map { text in
            guard let word = UInt64(text) else { throw TrainingError(file, "random: '\(text)' is not a 64-bit generator word") }
            return word
        }
        guard let generator = RandomGenerator(stateWords: words) else {
            throw TrainingError(file, "random holds \(words.count) words, expected 4")
        }
        // xoshiro's all-zero state is a fixed point no seeded generator reaches: it would drop
        // the same inputs forever.
        guard words.contains(where: { $0 != 0 }) else { throw TrainingError(file, "random is all zeros, which no generator reaches") }
        return generator
    }
}

extension TrainingRun {
    /// Writes the model, adapters, optimiser state and run state as checkpoints/step-N, atomically,
    /// then points `latest` at it and removes checkpoints beyond `keep_checkpoints`.
    public func checkpoint() throws {
        guard files.writes else { return }
        try timings.measure(.checkpoints) { try writeCheckpoint() }
    }

    /// `keep: "weights"`: the trained model (LoRA adapters merged in) with the run's tokenizer as
    /// the model directory dir/model, which `load_model` and transformers read.
    func saveFinalWeights() throws {
        guard files.writes else { return }
        let directory = files.finalModel
        try timings.measure(.finalWeights) {
            try TransformerModel(config: engine.config, weights: try trainedWeights(), tokenizer: engine.tokenizer).save(directory: directory)
        }
    }

    private func writeCheckpoint() throws {
        let name = RunDirectory.checkpointName(step)
        let final = files.checkpoint(step)
        let temporary = files.checkpoints + "/.tmp-\(name)-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            let model = try TransformerModel(config: engine.config, weights: try engine.exportWeights(), tokenizer: engine.tokenizer)
            try model.save(directory: temporary)
            if engine.adapters != nil {
                try SafetensorsWriter.write(try engine.exportAdapters().sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                            to: temporary + "/adapters.safetensors")
            }
            try SafetensorsWriter.write(optimizer.state().sorted { $0.key < $1.key }.map { ($0.key, $0.value) },
                                        to: temporary + "/optimizer.safetensors")
            let state = CheckpointState(step: step, position: objective.position, random: engine.random.stateWords.map { String($0) },
                                        history: history)
            try AtomicWrite.write(try JSONEncoder.sorted.encode(state), to: temporary + "/state.json")
        } catch let error as PlaceError {
            try? FileManager.default.removeItem(atPath: temporary)
            // The temporary folder is gone: name the file as the checkpoint would have held it.
            throw PlaceError(error.place.replacingOccurrences(of: temporary, with: final), error.message)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw TrainingError(final, "cannot write the checkpoint: \(error)")
        }
        try? FileManager.default.removeItem(atPath: final)
        guard rename(temporary, final) == 0 else {
            let code = errno
            try? FileManager.default.removeItem(atPath: temporary)
            throw FileFailure.error(final, errno: code, .writing)
        }
        try files.write(Data(name.utf8), to: files.checkpoints + "/latest")
        lastCheckpoint = step
        lastCheckpointTime = DispatchTime.now().uptimeNanoseconds
        files.pruneCheckpoints(keeping: options.keepCheckpoints)
    }

    /// Loads adapters, optimiser state, data position and generator state from `checkpoint`
    /// (the weights were loaded with the model), checking each value a corrupt file could spoil.
    func restore(from checkpoint: String, state: CheckpointState) throws {
        let modelFile = checkpoint + "/model.safetensors"
        if let bad = engine.weights.firstNaN() {
            throw TrainingError(modelFile, "tensor '\(bad.name)' holds NaN at element \(bad.index)")
        }
        if let adapters = engine.adapters {
            let file = checkpoint + "/adapters.safetensors"
            do {
                let saved = try SafetensorsFile(path: file)
                for entry in adapters.entries { try adapters.set(entry.name, try saved.tensor(entry.name)) }
            } catch { throw TrainingError(file, "\(error)") }
            if let bad = adapters.firstNaN() { throw TrainingError(file, "tensor '\(bad.name)' holds NaN at element \(bad.index)") }
        }
        let optimizerFile = checkpoint + "/optimizer.safetensors"
        do {
            let saved = try SafetensorsFile(path: optimizerFile)
            var tensors: [String: Tensor] = [:]
            for name in saved.names { tensors[name] = try saved.tensor(name) }
            try optimizer.restore(tensors)
        } catch { throw TrainingError(optimizerFile, "\(error)") }
        let stateFile = checkpoint + "/state.json"
        try state.check(file: stateFile, options: options)
        do { try objective.restore(state.position) } catch let error as TrainingError {
            throw TrainingError(stateFile, "position: \(error.message)")
        }
        engine.random = try state.generator(file: stateFile)
    }
}
