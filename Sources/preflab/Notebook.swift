import Base
import Foundation
import Lang
import Plot

/// Markdown transcripts: each statement as a code block, then what it printed and its value.
enum Notebook {
    /// `preflab --notebook OUT.md FILE.pref`: runs the script statement by statement.
    static func run(script: String, arguments: [String], output: String) -> Int32 {
        // The transcript's path is checked before the script runs: a long run must not end
        // unable to save it.
        let text: String, recorder: Recorder
        do {
            text = try ReadableFile.text(script, noun: "script")
            recorder = try Recorder(path: output, title: script, input: script)
        } catch {
            report(error)
            return 1
        }
        let interpreter = Interpreter(arguments: arguments)
        Interrupts.install(interpreter.interrupt)
        // A transcript is read in an editor or a browser: no terminal colours in it.
        Terminal.colorOverride = false
        let statements: [TopLevelStatement]
        do {
            statements = try interpreter.statements(of: Source(name: script, text: text))
        } catch {
            report(error)
            return 1
        }
        var status: Int32 = 0
        let echo = interpreter.write
        for statement in statements {
            var printed = ""
            var plots: [any Figure] = []
            interpreter.write = { chunk in
                printed += chunk
                echo(chunk)
            }
            interpreter.plotPrinted = { plots.append($0) }
            do {
                let value = try interpreter.run(statement)
                var shown = ""
                if statement.isExpression, !isNil(value) {
                    shown = value.replDescription + "\n"
                    if let figure = value.figure { plots.append(figure) }
                }
                recorder.add(code: statement.text, output: printed + shown, plots: plots)
            } catch {
                recorder.add(code: statement.text, output: printed + "\(error)\n", plots: plots)
                report(error)
                status = exitStatus(for: error)
                break
            }
        }
        // The last statement may be a run that a signal stopped: it returned, but the script was interrupted.
        if status == 0, let signal = Interrupts.pending {
            report("interrupted")
            status = Interrupts.exitStatus(after: signal)
        }
        return recorder.failed ? 1 : status
    }

    private static func isNil(_ value: Value) -> Bool {
        if case .nil = value { return true }
        return false
    }

    /// Accumulates a transcript and rewrites the file after each entry, atomically. Plots are
    /// also saved as SVG in a folder beside it (OUT.md → OUT-files/plot-N.svg) and linked, so
    /// a Markdown viewer shows the figures, not only their text rendering.
    final class Recorder {
        let path: String
        private var markdown: String
        private(set) var failed = false
        /// Plots saved so far; numbers the files.
        private var plotCount = 0

        /// Checks the transcript's path and its plots' folder by `OutputPath`'s rule and writes
        /// the title, so a path that cannot be written is refused before anything runs.
        /// - Parameter input: the script being run, which the transcript must not replace.
        init(path: String, title: String = "PrefLab session", input: String? = nil) throws {
            self.path = path
            self.markdown = "# \(title)\n\n"
            try OutputPath.checkFile(path, input: input.map { ($0, "the script being run") })
            try OutputPath.checkFolder(plotFolder)
            try AtomicWrite.write(markdown, to: path)
        }

        /// The folder for plots, as the transcript links it: relative to the transcript's folder.
        private var plotFolderName: String {
            let name = URL(fileURLWithPath: path).lastPathComponent
            let stem = name.lowercased().hasSuffix(".md") ? String(name.dropLast(3)) : name
            return stem + "-files"
        }

        private var plotFolder: String { OutputPath.folder(of: path) + "/" + plotFolderName }

        func add(code: String, output rawOutput: String, plots: [any Figure] = []) {
            let output = rawOutput.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
            markdown += "```pref\n\(code)\n```\n\n"
            if !output.isEmpty {
                let fence = output.contains("```") ? "````" : "```"
                markdown += "\(fence)text\n\(output.hasSuffix("\n") ? output : output + "\n")\(fence)\n\n"
            }
            for figure in plots {
                plotCount += 1
                let file = "\(plotFolderName)/plot-\(plotCount).svg"
                do {
                    try AtomicWrite.write(figure.svg(), to: plotFolder + "/plot-\(plotCount).svg")
                    // Percent-encoded so that a transcript name with spaces still links.
                    let link = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
                    markdown += "![plot \(plotCount)](\(link))\n\n"
                } catch {
                    fail(error)
                }
            }
            do {
                try AtomicWrite.write(markdown, to: path)
            } catch {
                fail(error)
            }
        }

        /// Reports the first failed write only: a full disk would otherwise repeat it after every entry.
        private func fail(_ error: any Error) {
            if !failed { report(error) }
            failed = true
        }
    }
}
