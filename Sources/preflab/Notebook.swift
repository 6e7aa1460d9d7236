import Base
import Foundation
import Lang
import Plot

/// Markdown transcripts: each statement as a code block, then what it printed and its value.
enum Notebook {
    /// `preflab --notebook OUT.md FILE.pref`: runs the script statement by statement.
    static func run(script: String, arguments: [String], output: String) -> Int32 {
        guard let text = try? String(contentsOfFile: script, encoding: .utf8) else {
            report("cannot read \(script)")
            return 1
        }
        let interpreter = Interpreter(arguments: arguments)
        Interrupts.install(interpreter.interrupt)
        // A transcript is read in an editor or a browser: no terminal colours in it.
        Terminal.colorOverride = false
        let recorder = Recorder(path: output, title: script)
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

        init(path: String, title: String = "PrefLab session") {
            self.path = path
            self.markdown = "# \(title)\n\n"
            save()
        }

        /// The folder for plots, as the transcript links it: relative to the transcript's folder.
        private var plotFolderName: String {
            let name = URL(fileURLWithPath: path).lastPathComponent
            let stem = name.lowercased().hasSuffix(".md") ? String(name.dropLast(3)) : name
            return stem + "-files"
        }

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
                let folder = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(plotFolderName)
                do {
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                    try AtomicWrite.write(figure.svg(), to: folder.appendingPathComponent("plot-\(plotCount).svg").path)
                    // Percent-encoded so that a transcript name with spaces still links.
                    let link = file.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? file
                    markdown += "![plot \(plotCount)](\(link))\n\n"
                } catch {
                    if !failed { report("cannot write \(folder.path)/plot-\(plotCount).svg: \(error)") }
                    failed = true
                }
            }
            save()
        }

        private func save() {
            do {
                try AtomicWrite.write(markdown, to: path)
            } catch {
                if !failed { report("cannot write \(path): \(error)") }
                failed = true
            }
        }
    }
}
