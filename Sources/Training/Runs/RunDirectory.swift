import Base
import Distributed
import Foundation
import Models

/// A run's files:
///
///     run.json                 resolved options, model config, data source, the latest
///                              session's timings
///     data.safetensors         the token tensor, when the data was a tensor
///     tokenizer.json           the model's tokenizer, which checkpoints copy (with
///     tokenizer_config.json    its settings, when it has any: special tokens, chat template)
///     metrics.jsonl            one object per step
///     metrics.csv              the same as CSV
///     checkpoints/step-000040/ a loadable model (config.json, model.safetensors, tokenizer.json),
///                              adapters.safetensors (LoRA), optimizer.safetensors, state.json
///     checkpoints/latest       the newest complete checkpoint's name
///     model/                   with keep: "weights", the trained model (config.json,
///                              model.safetensors, tokenizer.json)
///
/// Checkpoints are written into a temporary directory and renamed into place, so a
/// checkpoint directory is complete or absent; `latest` is replaced atomically after it.
struct RunDirectory {
    let path: String
    /// Whether this process writes the run's files: only the world's root does, since the
    /// other ranks hold the same replica and would race it on the same paths. Elsewhere every
    /// write below does nothing.
    let writes = World.current.isRoot

    var runFile: String { path + "/run.json" }
    var dataFile: String { path + "/data.safetensors" }
    var tokenizerFile: String { path + "/tokenizer.json" }
    var metricsJSONL: String { path + "/metrics.jsonl" }
    var metricsCSV: String { path + "/metrics.csv" }
    var checkpoints: String { path + "/checkpoints" }
    var finalModel: String { path + "/model" }

    func checkpoint(_ step: Int) -> String { checkpoints + "/" + Self.checkpointName(step) }

    static func checkpointName(_ step: Int) -> String {
        "step-" + String(repeating: "0", count: max(0, 6 - String(step).count)) + String(step)
    }

    /// The step a checkpoint's directory name records ("step-000040" → 40), or nil for any other
    /// entry of checkpoints/ (`latest`, the temporary directory of an unfinished write).
    static func checkpointStep(_ name: String) -> Int? {
        guard name.hasPrefix("step-") else { return nil }
        let digits = name.dropFirst("step-".count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// The checkpoint names among `names`, oldest first. Ordered by step number, not by text:
    /// names are padded to six digits only, so from step 1,000,000 on "step-1000000" sorts
    /// before "step-999999".
    static func checkpointsOldestFirst(_ names: [String]) -> [String] {
        names.compactMap { name in checkpointStep(name).map { (name: name, step: $0) } }
            .sorted { $0.step < $1.step }
            .map(\.name)
    }

    func create() throws {
        guard writes else { return }
        try OutputPath.createFolder(checkpoints)
    }

    /// The directory of the newest checkpoint: the highest step among checkpoints/step-N, which
    /// are all complete (each gets its name only once written). `latest` names the same one
    /// except after a crash between the rename and its update, when this finds the newer one.
    func latestCheckpoint() throws -> String {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []
        guard let newest = Self.checkpointsOldestFirst(names).last else {
            throw TrainingError(checkpoints, "no checkpoint to resume from (the run wrote none yet)")
        }
        return checkpoints + "/" + newest
    }

    /// Removes all but the newest `keep` checkpoints. A checkpoint that cannot be removed stays:
    /// it costs disk space, not correctness.
    func pruneCheckpoints(keeping keep: Int) {
        guard writes, let names = try? FileManager.default.contentsOfDirectory(atPath: checkpoints) else { return }
        for name in Self.checkpointsOldestFirst(names).dropLast(keep) {
            try? FileManager.default.removeItem(atPath: checkpoints + "/" + name)
        }
    }

    /// Appends one step to both metrics files; each line goes out in one write.
    func append(_ metrics: StepMetrics) throws {
        guard writes else { return }
        let json = try JSONEncoder.sorted.encode(metrics)
        try appendLine(String(decoding: json, as: UTF8.self), to: metricsJSONL)
        try appendLine(metrics.csvLine, to: metricsCSV, header: metrics.csvHeader)
    }

    /// Rewrites both metrics files (atomically) to hold exactly `history`, e.g. on resume.
    func rewriteMetrics(_ history: [StepMetrics]) throws {
        guard writes else { return }
        let lines = try history.map { String(decoding: try JSONEncoder.sorted.encode($0), as: UTF8.self) }
        try write(Data(lines.map { $0 + "\n" }.joined().utf8), to: metricsJSONL)
        // The CSV header comes with the first line, when the objective's figures are known.
        let csv = history.first.map { [$0.csvHeader] + history.map(\.csvLine) } ?? []
        try write(Data(csv.map { $0 + "\n" }.joined().utf8), to: metricsCSV)
    }

    private func appendLine(_ line: String, to file: String, header: String? = nil) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? nil
        if size == nil || size == 0 {
            try write(Data(((header.map { $0 + "\n" }) ?? "").utf8), to: file)
        }
        do {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw FileFailure.error(file, error, .writing)
        }
    }

    func write(_ data: Data, to file: String) throws {
        guard writes else { return }
        try AtomicWrite.write(data, to: file)
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
