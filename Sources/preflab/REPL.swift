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
    /// Entries that ran to the end without an error or a Ctrl-C (a training run stopped by
    /// Ctrl-C returns a value, but replaying it would train to the end), for `:save`.
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
        } else if record, Interrupts.pending == nil {
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
            print(TextLayout.wrapColumns("""
                :help            this list
                :load FILE       run a script in this session
                :save FILE       write this session's successful entries as a runnable script
                :time EXPR       evaluate and show how long it took
                :vars            variables with type, shape and size (as who())
                :record OUT.md   write a Markdown transcript of the session from now on
                :quit            leave (Ctrl-D too)
                ?name            help for a builtin; help() lists them all
                A trailing ';' stops a value from printing; ans holds the last value.
                """))
        case ":load":
            do {
                let path = try commandPath(argument, usage: ":load FILE")
                let text = try ReadableFile.text(path, noun: "script")
                try interpreter.evaluate(Source(name: path, text: text))
                if Interrupts.pending == nil { transcript.append(text) }
            } catch { report(error) }
        case ":save":
            do {
                let path = try commandPath(argument, usage: ":save FILE")
                try OutputPath.checkFile(path)
                try AtomicWrite.write(transcript.joined(separator: "\n") + "\n", to: path)
                print("saved \(transcript.count) entries to \(path)")
            } catch { report(error) }
        case ":time":
            let start = Stopwatch.seconds
            evaluate(argument, record: true)
            print(Stopwatch.report(Stopwatch.seconds - start))
        case ":vars":
            evaluate("who()", record: false)
        case ":record":
            do {
                let path = try commandPath(argument, usage: ":record OUT.md")
                recorder = try Notebook.Recorder(path: path)
                print("recording to \(path)")
            } catch { report(error) }
        default:
            report("unknown command \(parts[0]); :help lists the commands")
        }
        return true
    }

    /// A command's file argument as a builtin's path is read: `~` expanded, never empty.
    private func commandPath(_ argument: String, usage: String) throws -> String {
        guard !argument.isEmpty else { throw PlaceError(usage, "needs a file path") }
        return UserPath.expanded(argument)
    }
}
