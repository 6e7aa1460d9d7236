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
        do { return try JSONDecoder().decode(CheckpointState.self, from: data) } catch {
            throw TrainingError(file, "is not a checkpoint state: \(error)")
        }
    }
}

extension TrainingRun {
    /// Writes the model, adapters, optimiser state and run state as checkpoints/step-N, atomically,
    /// then points `latest` at it and removes checkpoints beyond `keep_checkpoints`.
    public func checkpoint() throws {
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
        } catch let error as TrainingError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw TrainingError(final, "cannot write the checkpoint: \(error)")
        }
        try? FileManager.default.removeItem(atPath: final)
        guard rename(temporary, final) == 0 else {
            throw TrainingError(final, "cannot move the finished checkpoint into place: \(String(cString: strerror(errno)))")
        }
        try files.write(Data(name.utf8), to: files.checkpoints + "/latest")
        lastCheckpoint = step
        pruneCheckpoints()
    }

    /// Loads adapters, optimiser state, data position and generator state from `checkpoint`
    /// (the weights were loaded with the model).
    func restore(from checkpoint: String, state: CheckpointState) throws {
        if let adapters = engine.adapters {
            let file = checkpoint + "/adapters.safetensors"
            do {
                let saved = try SafetensorsFile(path: file)
                for entry in adapters.entries { try adapters.set(entry.name, try saved.tensor(entry.name)) }
            } catch { throw TrainingError(file, "\(error)") }
        }
        let optimizerFile = checkpoint + "/optimizer.safetensors"
        do {
            let saved = try SafetensorsFile(path: optimizerFile)
            var tensors: [String: Tensor] = [:]
            for name in saved.names { tensors[name] = try saved.tensor(name) }
            try optimizer.restore(tensors)
        } catch { throw TrainingError(optimizerFile, "\(error)") }
        try objective.restore(state.position)
        guard let random = RandomGenerator(stateWords: state.random.compactMap { UInt64($0) }) else {
            throw TrainingError(checkpoint + "/state.json", "random holds \(state.random.count) words, expected 4")
        }
        engine.random = random
    }

    private func pruneCheckpoints() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: files.checkpoints) else { return }
        let steps = names.filter { $0.hasPrefix("step-") }.sorted()
        for name in steps.dropLast(options.keepCheckpoints) {
            try? FileManager.default.removeItem(atPath: files.checkpoints + "/" + name)
        }
    }
}
