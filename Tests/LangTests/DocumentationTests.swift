import Foundation
import Plot
import Tensor
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

/// The documents whose `pref>` transcripts are tests, with the fewest blocks each must hold (so a
/// renamed file or a lost fence fails instead of silently testing nothing).
let documentedFiles: [(path: String, minimumBlocks: Int)] = [
    ("docs/language.md", 11), ("docs/plotting.md", 8), ("docs/models.md", 3), ("docs/training.md", 4),
    ("docs/losses.md", 9), ("docs/tutorial.md", 5), ("docs/evaluation.md", 1),
]

@Suite struct DocumentationTests {
    /// PREFLAB_UPDATE_DOCS=1 rewrites every documented file; a comma-separated list of paths
    /// (PREFLAB_UPDATE_DOCS=docs/tutorial.md) rewrites those only.
    @Test func rewriteWhenAsked() throws {
        guard let request = ProcessInfo.processInfo.environment["PREFLAB_UPDATE_DOCS"], !request.isEmpty else { return }
        try #require(BLASCore.inUse == recordedWith, "transcripts are recorded in \(recordedWith) kernels, and this process runs \(BLASCore.inUse)\(howToRecord)")
        Terminal.colorOverride = false
        let known = documentedFiles.map(\.path)
        let files = request == "1" ? known : request.split(separator: ",").map(String.init)
        for file in files {
            try #require(known.contains(file), "\(file) is not one of the documented files: \(known.joined(separator: ", "))")
            try rewriteTranscripts(in: file)
        }
    }

    @Test(arguments: documentedFiles.map(\.path))
    func everyDocumentHasItsExamples(_ path: String) {
        let minimum = documentedFiles.first { $0.path == path }?.minimumBlocks ?? 1
        #expect(TranscriptBlock.blocks(in: path).count >= minimum, "\(path) holds fewer than \(minimum) pref-repl blocks")
    }

    @Test(arguments: documentedFiles.flatMap { TranscriptBlock.blocks(in: $0.path) })
    func languageReferenceExamples(_ block: TranscriptBlock) {
        // Documentation shows plots as plain text, whatever the terminal running the tests.
        Terminal.colorOverride = false
        let kernels = BLASCore.inUse
        let session = Session(interpreter: Interpreter(write: { _ in }))
        for (code, expected) in block.entries {
            #expect(!Session.needsMoreInput(code), "entry is incomplete: \(code)")
            let entry = session.submit(code)
            #expect(entry.transcript == expected, "for entry:\n\(code)\(kernelsNote(kernels))")
        }
    }

    /// The kernels the transcripts are recorded in: the same figures on every machine.
    private let recordedWith = KernelsInUse(mode: .reproducible, set: BLASCore.portableSet)

    /// How to run the tests in `recordedWith`'s kernels. OPENBLAS_CORETYPE makes the test process
    /// load OpenBLAS with them, so that no test switches kernels while others run.
    private var howToRecord: String {
        ": run the tests through scripts/test, or with \(KernelMode.environmentVariable)=\(recordedWith.mode.rawValue) "
            + "OPENBLAS_CORETYPE=\(recordedWith.set)"
    }

    /// Why a transcript of a training run can differ here: other kernels sum in another order.
    private func kernelsNote(_ kernels: KernelsInUse) -> String {
        kernels == recordedWith ? "" : "\n(The transcripts are recorded in \(recordedWith) kernels, and this process runs \(kernels)\(howToRecord).)"
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
