import Foundation

/// Shows a run's progress: on a terminal one line redrawn in place (bar, step, loss, tokens/s,
/// ETA); elsewhere a plain line every `every` steps, for logs.
public final class ProgressReporter {
    let total: Int
    let every: Int
    let isTerminal: Bool
    let write: (String) -> Void
    /// The unit named at the start of each plain line ("step 10/100 …").
    let label: String
    private var drewBar = false
    /// The plain line for the newest units done when it was not written (between every `every`
    /// units): `finish` writes it, so a log ends with the count a stopped run reached.
    private var unwrittenLine: String?
    /// Called with each step's metrics before the bar is redrawn (a live loss plot above it).
    /// On a terminal the bar's line is cleared first, so what the observer writes to the same
    /// stream starts on a clean line and the bar then follows it.
    public var onStep: ((StepMetrics) -> Void)?

    public init(total: Int, every: Int, isTerminal: Bool, label: String = "step", write: @escaping (String) -> Void) {
        self.total = total
        self.label = label
        self.every = every
        self.isTerminal = isTerminal
        self.write = write
    }

    /// Progress to standard error, as a bar when standard error is a terminal.
    public static func standardError(total: Int, every: Int, label: String = "step") -> ProgressReporter {
        ProgressReporter(total: total, every: every, isTerminal: isatty(STDERR_FILENO) == 1, label: label) { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    func update(_ metrics: StepMetrics, secondsLeft: Double) {
        if let onStep {
            if drewBar { write("\r\u{1B}[K") }
            onStep(metrics)
        }
        let figures = "loss \(String(format: "%.4f", metrics.loss))  lr \(String(format: "%.2e", metrics.learningRate))  "
            + "\(String(format: "%.0f", metrics.tokensPerSecond)) tok/s  ETA \(Self.duration(secondsLeft))"
        advance(to: metrics.step, figures: figures, plainFigures: "grad_norm \(String(format: "%.3f", metrics.gradientNorm))  " + figures)
    }

    /// Shows that `done` of the total units are done: the bar with `figures` on a terminal, or
    /// every `every` units (and at the end) a plain line with `plainFigures` (default `figures`).
    public func advance(to done: Int, figures: String, plainFigures: String? = nil) {
        if isTerminal {
            let width = 24
            let filled = min(width, done * width / max(total, 1))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write("\r\u{1B}[K\(bar) \(done)/\(total)  " + figures)
            drewBar = true
        } else {
            let line = "\(label) \(done)/\(total)  " + (plainFigures ?? figures) + "\n"
            if done % max(every, 1) == 0 || done == total {
                write(line)
                unwrittenLine = nil
            } else {
                unwrittenLine = line
            }
        }
    }

    /// Ends the bar's line so later output starts on a fresh one; in a log, writes the last
    /// count if it fell between two lines.
    public func finish() {
        if drewBar { write("\n") }
        if let unwrittenLine { write(unwrittenLine) }
        drewBar = false
        unwrittenLine = nil
    }

    public static func duration(_ seconds: Double) -> String {
        // Past 30 years the figure means nothing (it comes from a run's history, which a
        // resumed run reads from disk), and past Int's range it cannot be converted.
        guard seconds.isFinite, seconds >= 0, seconds < 1e9 else { return "?" }
        let whole = Int(seconds.rounded())
        return whole >= 3600 ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
                             : String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
