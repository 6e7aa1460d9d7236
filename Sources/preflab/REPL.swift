import Base
import CEditLine
import Foundation
import Lang

/// The interactive prompt: libedit line editing, persistent history, completion, multi-line
/// entries decided by the parser, auto-printing, `:` commands and Ctrl-C that never loses state.
final class REPL {
    /// libedit edits lines only with a terminal at both ends: with standard output going to a
    /// file or pipe it would print no prompt, so lines are then read plainly and the prompt goes
    /// to standard error, keeping the output to values.
    private let lineEditing: Bool
    private let session = Session()
    private var interpreter: Interpreter { session.interpreter }
    /// Successful entries, for `:save`.
    private var transcript: [String] = []
    private var recorder: Notebook.Recorder?
    private let historyPath = (ProcessInfo.processInfo.environment["HOME"] ?? ".") + "/.preflab_history"

    /// - Parameter lineEditing: whether standard output is a terminal too (standard input is).
    init(lineEditing: Bool) {
        self.lineEditing = lineEditing
    }

    func run() -> Int32 {
        setlocale(LC_ALL, "")
        Interrupts.install(interpreter.interrupt)
        if lineEditing {
            Completion.install(for: interpreter)
            ce_set_getc_function(Interrupts.waitForKey)
            using_history()
            stifle_history(1000)
            read_history(historyPath)
        }
        tell("PrefLab — :help for commands, help() for builtins, Ctrl-D to quit.\n")
        while let entry = readEntry() {
            let trimmed = entry.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            if lineEditing {
                // The whole entry, however many lines, is one item; saved at once, not only at
                // exit, so a killed or crashed session keeps its history.
                add_history(entry)
                write_history(historyPath)
            }
            if trimmed.hasPrefix(":") {
                if !command(trimmed) { break }
            } else if trimmed.hasPrefix("?") {
                evaluate(trimmed, record: false)
            } else {
                evaluate(entry, record: true)
            }
            // A file or pipe would otherwise get the values only when the buffer fills or at exit.
            if !lineEditing { fflush(stdout) }
            if Interrupts.endsSession { break }
        }
        tell("\n")
        return Interrupts.endsSession ? Interrupts.exitStatus(after: Interrupts.pending ?? SIGTERM) : 0
    }

    /// Writes what is meant for the person at the keyboard (the banner, prompts, ^C): on standard
    /// output with line editing, otherwise on standard error when that is a terminal, so that
    /// redirected output holds only results.
    private func tell(_ text: String) {
        if lineEditing {
            print(text, terminator: "")
        } else if isatty(STDERR_FILENO) == 1 {
            FileHandle.standardError.write(Data(text.utf8))
        }
    }

    /// One line, or nil at the end of input and when a signal arrives (`Interrupts.pending`).
    private func readLine(prompt: String) -> String? {
        if lineEditing {
            let raw = Interrupts.deferred { readline(prompt) }
            defer { free(raw) }
            // Ctrl-C ends the edit as if at the end of input; the half-typed line is dropped.
            guard let raw, Interrupts.pending == nil else { return nil }
            return String(cString: raw)
        }
        tell(prompt)
        return Interrupts.readLine()
    }

    /// One entry: lines are read until the parser no longer says the input is incomplete.
    /// Nil at end of input (Ctrl-D on an empty line).
    private func readEntry() -> String? {
        var lines: [String] = []
        while true {
            let prompt = lines.isEmpty ? "pref> " : "  ... "
            Interrupts.reset()
            if Interrupts.endsSession { return nil }
            guard let line = readLine(prompt: prompt) else {
                if Interrupts.pending == SIGINT {
                    // A cooked terminal has echoed the ^C itself.
                    tell(lineEditing ? "^C\n" : "\n")
                    lines = []
                    continue
                }
                return lines.isEmpty || Interrupts.endsSession ? nil : lines.joined(separator: "\n")
            }
            lines.append(line)
            let text = lines.joined(separator: "\n")
            if lines.count == 1, text.trimmingCharacters(in: .whitespaces).hasPrefix(":") || text.hasPrefix("?") { return text }
            if !Session.needsMoreInput(text) || line.trimmingCharacters(in: .whitespaces).isEmpty && lines.count > 1 {
                return text
            }
        }
    }

    private func evaluate(_ text: String, record: Bool) {
        let entry = session.submit(text)
        if let shown = entry.shown { print(shown) }
        if let error = entry.error {
            if let langError = error as? LangError, langError.kind == .interrupted {
                print(Session.interruptedNotice)
            } else {
                report(error)
            }
        } else if record {
            transcript.append(text)
        }
        if record { recorder?.add(code: text, output: entry.transcript, plots: entry.plots) }
    }

    /// Runs a `:` command; false to quit.
    private func command(_ line: String) -> Bool {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        let argument = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        switch parts[0] {
        case ":quit", ":q", ":exit":
            return false
        case ":help":
            print("""
                :help            this list
                :load FILE       run a script in this session
                :save FILE       write this session's successful entries as a runnable script
                :time EXPR       evaluate and show how long it took
                :vars            variables with type, shape and size (as who())
                :record OUT.md   write a Markdown transcript of the session from now on
                :quit            leave (Ctrl-D too)
                ?name            help for a builtin; help() lists them all
                A trailing ';' stops a value from printing; ans holds the last value.
                """)
        case ":load":
            guard let text = try? String(contentsOfFile: argument, encoding: .utf8) else {
                report("cannot read \(argument)")
                return true
            }
            do {
                try interpreter.evaluate(Source(name: argument, text: text))
                transcript.append(text)
            } catch { report(error) }
        case ":save":
            do {
                try AtomicWrite.write(transcript.joined(separator: "\n") + "\n", to: argument)
                print("saved \(transcript.count) entries to \(argument)")
            } catch { report("cannot write \(argument): \(error)") }
        case ":time":
            let start = DispatchTime.now().uptimeNanoseconds
            evaluate(argument, record: true)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print(String(format: "time: %.3f s", seconds))
        case ":vars":
            evaluate("who()", record: false)
        case ":record":
            recorder = Notebook.Recorder(path: argument)
            print("recording to \(argument)")
        default:
            report("unknown command \(parts[0]); :help lists the commands")
        }
        return true
    }
}

