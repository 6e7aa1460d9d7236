import Foundation
import Tensor

/// The Python interpreter for every comparison (CPython, PyTorch, transformers, TRL), chosen by
/// scripts/bench and handed over in PREFLAB_BENCH_PYTHON; nil (unset or empty) skips them.
let referencePython: String? = ProcessInfo.processInfo.environment["PREFLAB_BENCH_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
let noPythonNote = "skipped (no Python: scripts/bench sets one up; --no-python or an empty PREFLAB_BENCH_PYTHON turns it off)"

/// Rounds of every comparison, each PrefLab's run then the reference's, so a slow spell of the
/// shared machine lands on both sides; PREFLAB_BENCH_ROUNDS changes it (1 for a quick check).
let comparisonRounds = ProcessInfo.processInfo.environment["PREFLAB_BENCH_ROUNDS"].flatMap { Int($0) }.map { max(1, $0) } ?? 3

/// A script of the repository's scripts/ folder, found from this source file's place.
func benchScript(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/\(name)").path
}

/// Where the bench stands, on stderr: the figures on stdout stay clean.
func progress(_ message: String) {
    FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
}

/// Values of one figure over the rounds: the median and the range, since the shared VM's noise
/// (±10 %, sometimes 30 %) makes a single value misleading.
struct Spread {
    let values: [Double]

    var median: Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// "1.23 [1.20–1.31]" with `format` for each number; one value stands alone.
    func text(_ format: String) -> String {
        guard let low = values.min(), let high = values.max() else { return "n/a" }
        let median = String(format: format, self.median)
        return values.count == 1 ? median : "\(median) [\(String(format: format, low))–\(String(format: format, high))]"
    }
}

/// What the issue asks of a PrefLab figure against its reference's, per round.
struct Goal {
    enum Kind {
        /// PrefLab must be at least `bound` times as fast: reference time / PrefLab time ≥ bound.
        case speedup
        /// PrefLab's value must be at most `bound` of the reference's: PrefLab / reference ≤ bound.
        case fraction
    }
    let kind: Kind
    let bound: Double

    static func speedup(_ bound: Double) -> Goal { Goal(kind: .speedup, bound: bound) }
    static func fraction(_ bound: Double) -> Goal { Goal(kind: .fraction, bound: bound) }

    func ratio(preflab: Double, reference: Double) -> Double {
        kind == .speedup ? reference / preflab : preflab / reference
    }

    func isMet(by ratio: Double) -> Bool { kind == .speedup ? ratio >= bound : ratio <= bound }

    func describe(_ ratio: String, against reference: String) -> String {
        switch kind {
        case .speedup: "PrefLab \(ratio)× as fast as \(reference) (target ≥ \(String(format: "%g", bound))×"
        case .fraction: "PrefLab/\(reference) \(ratio) (target ≤ \(String(format: "%g", bound))"
        }
    }
}

/// PrefLab's and a reference's value of one figure, measured in alternating rounds.
struct Comparison {
    let name: String
    let unit: String
    let format: String
    var preflab: [Double] = []
    var reference: [Double] = []

    init(_ name: String, unit: String, format: String = "%.3f") {
        (self.name, self.unit, self.format) = (name, unit, format)
    }

    /// Two lines: each side's median and range, then the ratio's (paired by round) and the verdict.
    func report(against referenceName: String, goal: Goal?) {
        print("\(pad(name, 34)) PrefLab \(Spread(values: preflab).text(format)) \(unit)   \(referenceName) "
              + (reference.isEmpty ? noPythonNote : "\(Spread(values: reference).text(format)) \(unit)"))
        guard !reference.isEmpty, !preflab.isEmpty else { return }
        let kind = goal ?? .speedup(0)
        let ratios = Spread(values: zip(preflab, reference).map { kind.ratio(preflab: $0, reference: $1) })
        guard let goal else {
            print("    PrefLab \(ratios.text("%.2f"))× as fast as \(referenceName)")
            return
        }
        print("    \(goal.describe(ratios.text("%.2f"), against: referenceName)): \(goal.isMet(by: ratios.median) ? "meets" : "MISSES"))")
    }
}

/// How a child process ended: its wall time, its peak resident set and its exit status.
struct ProcessOutcome {
    let seconds: Double
    let peakMegabytes: Int
    let succeeded: Bool
    let output: String
    let errors: String
}

/// Runs `command` to completion with stdout and stderr caught, timing it from spawn to exit.
/// The peak resident set is wait4's ru_maxrss of the child: Linux counts the spawning process's
/// resident set at the moment of exec in it too, so callers spawn while the bench holds little.
func runMeasured(_ command: [String], environment: [String: String] = [:]) -> ProcessOutcome {
    let scratch = NSTemporaryDirectory() + "/preflab-bench-process-\(getpid())-\(UInt64.random(in: 0..<UInt64.max))"
    let (outputFile, errorFile) = (scratch + ".out", scratch + ".err")
    defer { for file in [outputFile, errorFile] { try? FileManager.default.removeItem(atPath: file) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errorFile, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let argv = command.map { strdup($0) } + [nil]
    let envp = merged.map { strdup("\($0)=\($1)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawn(&pid, command[0], &actions, nil, argv, envp) == 0 else {
        return ProcessOutcome(seconds: 0, peakMegabytes: 0, succeeded: false, output: "", errors: "cannot start \(command[0])")
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let read = { (file: String) in (try? String(contentsOfFile: file, encoding: .utf8)) ?? "" }
    return ProcessOutcome(seconds: seconds, peakMegabytes: usage.ru_maxrss / 1000, succeeded: status == 0,
                          output: read(outputFile), errors: read(errorFile))
}

/// The last line of a process's output read as a JSON object.
func lastJSONObject(_ output: String) -> [String: Any]? {
    guard let line = output.split(separator: "\n").last else { return nil }
    return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
}

/// The last lines of a failed process's stderr, to print under the figure it did not give.
func tail(_ text: String, lines: Int = 5) -> String {
    text.split(separator: "\n").suffix(lines).map { "      \($0)" }.joined(separator: "\n")
}

/// The OpenBLAS kernel set in use and the kernel mode asked for, for section headings.
var kernelsInUse: String {
    "\(BLASCore.name) (\(KernelMode.environmentVariable)=\(ProcessInfo.processInfo.environment[KernelMode.environmentVariable] ?? "unset"))"
}
