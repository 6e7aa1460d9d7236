import Foundation
import Plot
import Testing
@testable import Lang

/// One `pref>` block of docs/language.md: entries and the exact text each must show.
struct TranscriptBlock: CustomTestStringConvertible {
    let file: String
    let line: Int
    let entries: [(code: String, expected: String)]
    var testDescription: String { "\(file) block at line \(line)" }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The ```pref-repl blocks of a Markdown file.
    static func blocks(in relativePath: String) -> [TranscriptBlock] {
        guard let text = try? String(contentsOf: repositoryRoot.appendingPathComponent(relativePath), encoding: .utf8) else { return [] }
        var blocks: [TranscriptBlock] = []
        var inBlock = false
        var start = 0
        var entries: [(code: String, expected: String)] = []
        var code: [String] = [], expected: [String] = []
        func flushEntry() {
            if !code.isEmpty { entries.append((code.joined(separator: "\n"), expected.map { $0 + "\n" }.joined())) }
            code = []
            expected = []
        }
        for (number, line) in text.components(separatedBy: "\n").enumerated() {
            if line == "```pref-repl" {
                inBlock = true
                start = number + 1
                entries = []
            } else if inBlock && line == "```" {
                flushEntry()
                blocks.append(TranscriptBlock(file: relativePath, line: start, entries: entries))
                inBlock = false
            } else if inBlock {
                if line.hasPrefix("pref> ") {
                    flushEntry()
                    code = [String(line.dropFirst(6))]
                } else if line.hasPrefix("  ... "), expected.isEmpty {
                    code.append(String(line.dropFirst(6)))
                } else {
                    expected.append(line)
                }
            }
        }
        return blocks
    }
}

/// With PREFLAB_UPDATE_DOCS=1, rewrites the expected output of every `pref>` block of `relativePath`
/// from what the entries show now (review the diff before committing it).
func rewriteTranscripts(in relativePath: String) throws {
    let url = TranscriptBlock.repositoryRoot.appendingPathComponent(relativePath)
    let lines = try String(contentsOf: url, encoding: .utf8).components(separatedBy: "\n")
    var output: [String] = []
    var i = 0
    while i < lines.count {
        output.append(lines[i])
        guard lines[i] == "```pref-repl" else { i += 1; continue }
        i += 1
        let session = Session(interpreter: Interpreter(write: { _ in }))
        var code: [String] = []
        func flush() {
            guard !code.isEmpty else { return }
            output.append("pref> " + code[0])
            output += code.dropFirst().map { "  ... " + $0 }
            let shown = session.submit(code.joined(separator: "\n")).transcript
            output += shown.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
            code = []
        }
        while i < lines.count, lines[i] != "```" {
            if lines[i].hasPrefix("pref> ") {
                flush()
                code = [String(lines[i].dropFirst(6))]
            } else if lines[i].hasPrefix("  ... "), !code.isEmpty {
                code.append(String(lines[i].dropFirst(6)))
            }
            i += 1
        }
        flush()
    }
    try output.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
}

@Suite struct DocumentationTests {
    @Test func rewriteWhenAsked() throws {
        guard ProcessInfo.processInfo.environment["PREFLAB_UPDATE_DOCS"] == "1" else { return }
        Terminal.colorOverride = false
        for file in ["docs/language.md", "docs/plotting.md", "docs/models.md", "docs/training.md", "docs/losses.md", "docs/tutorial.md"] { try rewriteTranscripts(in: file) }
    }

    @Test func languageReferenceHasExamples() {
        #expect(TranscriptBlock.blocks(in: "docs/language.md").count >= 10)
    }

    @Test func plottingGuideHasExamples() {
        #expect(TranscriptBlock.blocks(in: "docs/plotting.md").count >= 8)
    }

    @Test(arguments: TranscriptBlock.blocks(in: "docs/language.md") + TranscriptBlock.blocks(in: "docs/plotting.md")
                     + TranscriptBlock.blocks(in: "docs/models.md") + TranscriptBlock.blocks(in: "docs/training.md")
                     + TranscriptBlock.blocks(in: "docs/losses.md") + TranscriptBlock.blocks(in: "docs/tutorial.md"))
    func languageReferenceExamples(_ block: TranscriptBlock) {
        // Documentation shows plots as plain text, whatever the terminal running the tests.
        Terminal.colorOverride = false
        let session = Session(interpreter: Interpreter(write: { _ in }))
        for (code, expected) in block.entries {
            #expect(!Session.needsMoreInput(code), "entry is incomplete: \(code)")
            let entry = session.submit(code)
            #expect(entry.transcript == expected, "for entry:\n\(code)")
        }
    }

    @Test func everyBuiltinHasDocumentationAndARunnableExample() {
        Terminal.colorOverride = false
        for builtin in Builtins.all {
            #expect(!builtin.doc.isEmpty && !builtin.example.isEmpty, "\(builtin.name)")
            #expect(Builtins.topics.contains(builtin.topic), "\(builtin.name) has unknown topic \(builtin.topic)")
            let session = Session(interpreter: Interpreter(write: { _ in }))
            let entry = session.submit(builtin.example)
            #expect(entry.error == nil, "example of \(builtin.name) failed: \(entry.error.map { "\($0)" } ?? "")")
        }
    }
}
