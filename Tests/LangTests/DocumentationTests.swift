import Foundation
import Testing
@testable import Lang

/// One `pref>` block of docs/language.md: entries and the exact text each must show.
struct TranscriptBlock: CustomTestStringConvertible {
    let line: Int
    let entries: [(code: String, expected: String)]
    var testDescription: String { "docs/language.md block at line \(line)" }

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
                blocks.append(TranscriptBlock(line: start, entries: entries))
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

@Suite struct DocumentationTests {
    @Test func languageReferenceHasExamples() {
        #expect(TranscriptBlock.blocks(in: "docs/language.md").count >= 10)
    }

    @Test(arguments: TranscriptBlock.blocks(in: "docs/language.md"))
    func languageReferenceExamples(_ block: TranscriptBlock) {
        let session = Session(interpreter: Interpreter(write: { _ in }))
        for (code, expected) in block.entries {
            #expect(!Session.needsMoreInput(code), "entry is incomplete: \(code)")
            let entry = session.submit(code)
            #expect(entry.transcript == expected, "for entry:\n\(code)")
        }
    }

    @Test func everyBuiltinHasDocumentationAndARunnableExample() {
        for builtin in Builtins.all {
            #expect(!builtin.doc.isEmpty && !builtin.example.isEmpty, "\(builtin.name)")
            #expect(Builtins.topics.contains(builtin.topic), "\(builtin.name) has unknown topic \(builtin.topic)")
            let session = Session(interpreter: Interpreter(write: { _ in }))
            let entry = session.submit(builtin.example)
            #expect(entry.error == nil, "example of \(builtin.name) failed: \(entry.error.map { "\($0)" } ?? "")")
        }
    }
}
