import Foundation
import Plot

/// What the REPL does with one entry, without the terminal: run it, show its value unless it
/// ends with `;`, keep the value in `ans`, and turn `?name` into `help("name")`. The REPL,
/// `:record` and the documentation tests all go through here.
public final class Session {
    public let interpreter: Interpreter

    public init(interpreter: Interpreter = Interpreter()) {
        self.interpreter = interpreter
    }

    /// The outcome of one entry.
    public struct Entry {
        /// What `print` and `help` wrote while it ran.
        public let printed: String
        /// The value as the prompt shows it; nil when nothing is shown.
        public let shown: String?
        public let error: Error?
        /// The plots the entry printed, then its value's if that is a plot: transcripts save them.
        public let plots: [any Figure]

        /// Everything the prompt shows for the entry, in order.
        public var transcript: String {
            printed + (shown.map { $0 + "\n" } ?? "") + (error.map { "\($0)\n" } ?? "")
        }
    }

    /// What the prompt says after an interruption stopped an entry.
    public static let interruptedNotice = "interrupted; variables keep the values they had when it stopped"

    /// Whether `text` is unfinished (an open bracket, a trailing operator), so the prompt should
    /// read another line before running it.
    public static func needsMoreInput(_ text: String) -> Bool {
        do {
            try Interpreter.checkSyntax(Source(name: "<repl>", text: text))
            return false
        } catch let error as LangError {
            return error.kind == .incomplete
        } catch {
            return false
        }
    }

    /// Runs one entry. Output still reaches the interpreter's `write` as it happens.
    public func submit(_ text: String) -> Entry {
        var entry = text
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("?") {
            let name = trimmed.dropFirst().trimmingCharacters(in: .whitespaces).filter { $0 != "\"" }
            entry = "help(\"\(name)\")"
        }
        var printed = ""
        var plots: [any Figure] = []
        let (write, plotPrinted) = (interpreter.write, interpreter.plotPrinted)
        interpreter.write = { chunk in
            printed += chunk
            write(chunk)
        }
        interpreter.plotPrinted = { figure in
            plots.append(figure)
            plotPrinted?(figure)
        }
        defer { (interpreter.write, interpreter.plotPrinted) = (write, plotPrinted) }
        do {
            let result = try interpreter.evaluate(Source(name: "<repl>", text: entry))
            if result.silenced { return Entry(printed: printed, shown: nil, error: nil, plots: plots) }
            if case .nil = result.value { return Entry(printed: printed, shown: nil, error: nil, plots: plots) }
            interpreter.define("ans", result.value)
            if let figure = result.value.figure { plots.append(figure) }
            return Entry(printed: printed, shown: result.value.replDescription, error: nil, plots: plots)
        } catch {
            return Entry(printed: printed, shown: nil, error: error, plots: plots)
        }
    }
}
