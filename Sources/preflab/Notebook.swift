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
            interpreter.write = { chunk in
                printed += chunk
                echo(chunk)
            }
            do {
                let value = try interpreter.run(statement)
                var shown = ""
                if statement.isExpression, !isNil(value) { shown = value.replDescription + "\n" }
                recorder.add(code: statement.text, output: printed + shown)
            } catch {
                recorder.add(code: statement.text, output: printed + "\(error)\n")
                report(error)
                status = 1
                break
            }
        }
        return recorder.failed ? 1 : status
    }

    private static func isNil(_ value: Value) -> Bool {
        if case .nil = value { return true }
        return false
    }

    /// Accumulates a transcript and rewrites the file after each entry, atomically.
    final class Recorder {
        let path: String
        private var markdown: String
        private(set) var failed = false

        init(path: String, title: String = "PrefLab session") {
            self.path = path
            self.markdown = "# \(title)\n\n"
            save()
        }

        func add(code: String, output rawOutput: String) {
            let output = rawOutput.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
            markdown += "```pref\n\(code)\n```\n\n"
            if !output.isEmpty {
                let fence = output.contains("```") ? "````" : "```"
                markdown += "\(fence)text\n\(output.hasSuffix("\n") ? output : output + "\n")\(fence)\n\n"
            }
            save()
        }

        private func save() {
            do {
                try AtomicFile.write(markdown, to: path)
            } catch {
                if !failed { report("cannot write \(path): \(error)") }
                failed = true
            }
        }
    }
}
