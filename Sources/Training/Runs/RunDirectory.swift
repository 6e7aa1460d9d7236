import Foundation
import Models

/// A run's files:
///
///     run.json                 resolved options, model config, data source
///     data.safetensors         the token tensor, when the data was a tensor
///     metrics.jsonl            one object per step
///     metrics.csv              the same as CSV
///     checkpoints/step-000040/ a loadable model (config.json, model.safetensors, tokenizer.json),
///                              adapters.safetensors (LoRA), optimizer.safetensors, state.json
///     checkpoints/latest       the newest complete checkpoint's name
///
/// Checkpoints are written into a temporary directory and renamed into place, so a
/// checkpoint directory is complete or absent; `latest` is replaced atomically after it.
struct RunDirectory {
    let path: String

    var runFile: String { path + "/run.json" }
    var dataFile: String { path + "/data.safetensors" }
    var metricsJSONL: String { path + "/metrics.jsonl" }
    var metricsCSV: String { path + "/metrics.csv" }
    var checkpoints: String { path + "/checkpoints" }

    func checkpoint(_ step: Int) -> String { checkpoints + "/" + Self.checkpointName(step) }

    static func checkpointName(_ step: Int) -> String {
        "step-" + String(repeating: "0", count: max(0, 6 - String(step).count)) + String(step)
    }

    func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: checkpoints, withIntermediateDirectories: true)
        } catch {
            throw TrainingError(path, "cannot create the run directory: \(error.localizedDescription)")
        }
    }

    /// The directory of the newest complete checkpoint.
    func latestCheckpoint() throws -> String {
        guard let name = try? String(contentsOfFile: checkpoints + "/latest", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), !name.isEmpty else {
            throw TrainingError(checkpoints + "/latest", "no checkpoint to resume from (the run wrote none yet)")
        }
        return checkpoints + "/" + name
    }

    /// Appends one step to both metrics files; each line goes out in one write.
    func append(_ metrics: StepMetrics) throws {
        let json = try JSONEncoder.sorted.encode(metrics)
        try appendLine(String(decoding: json, as: UTF8.self), to: metricsJSONL)
        try appendLine(metrics.csvLine, to: metricsCSV, header: metrics.csvHeader)
    }

    /// Rewrites both metrics files (atomically) to hold exactly `history`, e.g. on resume.
    func rewriteMetrics(_ history: [StepMetrics]) throws {
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
        guard let handle = FileHandle(forWritingAtPath: file) else { throw TrainingError(file, "cannot open for appending") }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((line + "\n").utf8))
        } catch {
            throw TrainingError(file, "cannot append: \(error.localizedDescription)")
        }
    }

    func write(_ data: Data, to file: String) throws {
        do { try AtomicWrite.write(data, to: file) } catch { throw TrainingError(file, "\(error)") }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
