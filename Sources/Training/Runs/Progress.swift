import Foundation

/// Shows a run's progress: on a terminal one line redrawn in place (bar, step, loss, tokens/s,
/// ETA); elsewhere a plain line every `every` steps, for logs.
public final class ProgressReporter {
    let total: Int
    let every: Int
    let isTerminal: Bool
    let write: (String) -> Void
    private var drewBar = false

    public init(total: Int, every: Int, isTerminal: Bool, write: @escaping (String) -> Void) {
        self.total = total
        self.every = every
        self.isTerminal = isTerminal
        self.write = write
    }

    /// Progress to standard error, as a bar when standard error is a terminal.
    public static func standardError(total: Int, every: Int) -> ProgressReporter {
        ProgressReporter(total: total, every: every, isTerminal: isatty(STDERR_FILENO) == 1) { text in
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    func update(_ metrics: StepMetrics, secondsLeft: Double) {
        let figures = "loss \(String(format: "%.4f", metrics.loss))  lr \(String(format: "%.2e", metrics.learningRate))  "
            + "\(String(format: "%.0f", metrics.tokensPerSecond)) tok/s  ETA \(Self.duration(secondsLeft))"
        if isTerminal {
            let width = 24
            let filled = min(width, metrics.step * width / max(total, 1))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write("\r\u{1B}[K\(bar) \(metrics.step)/\(total)  " + figures)
            drewBar = true
        } else if metrics.step % every == 0 || metrics.step == total {
            write("step \(metrics.step)/\(total)  grad_norm \(String(format: "%.3f", metrics.gradientNorm))  " + figures + "\n")
        }
    }

    /// Ends the bar's line so later output starts on a fresh one.
    func finish() {
        if drewBar { write("\n") }
        drewBar = false
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let whole = Int(seconds.rounded())
        return whole >= 3600 ? String(format: "%d:%02d:%02d", whole / 3600, whole / 60 % 60, whole % 60)
                             : String(format: "%d:%02d", whole / 60, whole % 60)
    }
}
