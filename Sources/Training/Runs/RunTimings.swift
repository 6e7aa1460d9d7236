import Dispatch
import Foundation

/// A phase of a run whose wall time `RunTimings` keeps, named as run.json and `run.timings` name it.
public enum RunPhase: String, CaseIterable, Codable, Sendable {
    /// Reading the data: tokenising text, cutting pairs and rows.
    case data
    /// Copying the model's weights into the training engine's parameter store.
    case modelCopy = "model_copy"
    /// The frozen reference's forward passes over every pair (a cache hit skips them).
    case reference
    /// Reading and writing reference log-probs and token ids: the cache and the run directory's copies.
    case referenceFiles = "reference_files"
    /// Allocating the optimiser's state (AdamW's two moments, zeroed: twice the trainable size).
    case optimizerState = "optimizer_state"
    /// Creating the run directory: run.json, the tokenizer copy, the metrics files.
    case runFiles = "run_files"
    /// Loading a checkpoint to resume from.
    case resumeLoad = "resume_load"
    /// The optimiser steps: forward, backward, clipping, update, metrics lines.
    case steps
    /// Writing checkpoints (every `checkpoint_every` steps, on Ctrl-C, and `keep: "resume"` at the end).
    case checkpoints
    /// Writing the final weights (`keep: "weights"`).
    case finalWeights = "final_weights"
    /// Handing the trained weights back to the model the run was given.
    case weightsOut = "weights_out"

    /// The phase's name in the one-line summary.
    var label: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// Where the wall time of one session of a run (a start or a resume, through its last step) went,
/// phase by phase. `wall` runs from the timings' creation, before the session's first work, to
/// the end of its last measured phase; phases never nest, so they add up to at most `wall`, and
/// the difference is what no phase covers (option and memory checks, the progress line).
public final class RunTimings: Codable, @unchecked Sendable {
    public private(set) var seconds: [RunPhase: Double] = [:]
    private let started: UInt64
    private var ended: UInt64

    public init() {
        started = DispatchTime.now().uptimeNanoseconds
        ended = started
    }

    /// Seconds from the session's start to the end of the last measured phase.
    public var wall: Double { Double(ended - started) / 1e9 }

    /// Runs `body`, adding its wall time to `phase`.
    @discardableResult
    public func measure<Result>(_ phase: RunPhase, _ body: () throws -> Result) rethrows -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        defer {
            let now = DispatchTime.now().uptimeNanoseconds
            seconds[phase, default: 0] += Double(now - start) / 1e9
            ended = max(ended, now)
        }
        return try body()
    }

    /// One line: the wall time, then each phase that took time, largest first, and what no phase
    /// covers ("41.20 s (steps 30.10, reference 6.00, …, other 0.20)").
    public var summary: String {
        let phases = seconds.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
            .map { "\($0.key.label) " + String(format: "%.2f", $0.value) }
        let other = max(0, wall - seconds.values.reduce(0, +))
        return String(format: "%.2f", wall) + " s (" + (phases + ["other " + String(format: "%.2f", other)]).joined(separator: ", ") + ")"
    }

    private enum Key: String, CodingKey { case wall, phases }

    /// run.json's form: {"wall": seconds, "phases": {"steps": seconds, …}}.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(wall, forKey: .wall)
        try container.encode(Dictionary(uniqueKeysWithValues: seconds.map { ($0.key.rawValue, $0.value) }), forKey: .phases)
    }

    /// Reads what `encode` wrote; a phase name this version does not know is left out.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        let wall = try container.decode(Double.self, forKey: .wall)
        let phases = try container.decode([String: Double].self, forKey: .phases)
        seconds = Dictionary(uniqueKeysWithValues: phases.compactMap { name, value in RunPhase(rawValue: name).map { ($0, value) } })
        started = DispatchTime.now().uptimeNanoseconds
        // A hand-edited wall time outside 0…30 years would overflow the conversion.
        ended = started + (wall.isFinite && wall > 0 ? UInt64(min(wall, 1e9) * 1e9) : 0)
    }
}
