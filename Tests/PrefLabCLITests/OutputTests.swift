import Foundation
import Testing

/// Output paths checked before any work, and failed writes that leave nothing behind and say in
/// one line what failed. Tests may run as root, which ignores permission bits: a place that takes
/// no files is /sys (even for root), or a path under a regular file.
@Suite(.serialized) struct OutputTests {
    private func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A script whose running leaves a mark, so a test can tell whether it ran at all.
    private func script(in folder: URL) throws -> URL {
        let script = folder.appendingPathComponent("s.pref")
        try "print(\"ran\")\nsave_jsonl([{a: 1}], \"\(folder.path)/ran.jsonl\")\n".write(to: script, atomically: true, encoding: .utf8)
        return script
    }

    @Test func aNotebookThatCannotBeWrittenIsRefusedBeforeTheScriptRuns() throws {
        let folder = try folder()
        let script = try script(in: folder)
        let file = folder.appendingPathComponent("file").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let refusals = [
            "/sys/out.md": "/sys/out.md: permission denied; choose a folder you can write to",
            "\(file)/out.md": "\(file)/out.md: \(file) is a file, not a folder; choose another path",
            folder.path: "\(folder.path): is a folder; give a file path inside it",
        ]
        for (output, message) in refusals {
            let (status, out, error) = try runPreflab(["--notebook", output, script.path])
            #expect(status == 1 && error == message + "\n", "\(output): \(error)")
            #expect(!out.contains("ran") && !FileManager.default.fileExists(atPath: folder.path + "/ran.jsonl"), "the script did not run")
        }
    }

    @Test func aNotebookNeverReplacesItsScript() throws {
        let folder = try folder()
        let script = try script(in: folder)
        let original = try String(contentsOf: script, encoding: .utf8)
        // The same file by another spelling is refused too.
        for output in [script.path, folder.path + "/./s.pref"] {
            let (status, out, error) = try runPreflab(["--notebook", output, script.path])
            #expect(status == 1 && error == "\(output): is the script being run; choose another file to write\n", "\(error)")
            #expect(!out.contains("ran"))
        }
        #expect(try String(contentsOf: script, encoding: .utf8) == original)
    }

    @Test func aNotebookInAMissingFolderGetsTheFolder() throws {
        let folder = try folder()
        let script = try script(in: folder)
        let notebook = folder.appendingPathComponent("notes/today/run.md")
        let (status, _, error) = try runPreflab(["--notebook", notebook.path, script.path])
        #expect(status == 0, "\(error)")
        #expect(try String(contentsOf: notebook, encoding: .utf8).contains("```text\nran\n```"))
    }

    /// A write cut short half-way — here by a file-size limit (`ulimit -f`, with SIGXFSZ ignored
    /// so the write fails with EFBIG, as on a full disk it fails with ENOSPC) while model.safetensors
    /// streams out — leaves no temporary file and says what failed in one line.
    /// Runs `preflab -e code` under `ulimit -f blocks` with SIGXFSZ ignored; (status, stderr).
    private func runWithFileSizeLimit(_ blocks: Int, _ code: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -f \(blocks); trap '' XFSZ; exec \"$0\" -e \"$1\"", preflabExecutable.path, code]
        let errorPipe = Pipe()
        process.standardError = errorPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let error = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, error)
    }

    @Test func aWriteCutShortLeavesNoTemporaryFileAndSaysWhy() throws {
        let folder = try folder()
        let model = folder.appendingPathComponent("model").path
        // 64 blocks of 512 bytes: config.json fits, the 300 KB of weights do not.
        let (status, error) = try runWithFileSizeLimit(64, "save_model(new_model(vocab: 512, hidden: 64, layers: 2, heads: 2), \"\(model)\")")
        #expect(status == 1)
        #expect(error.hasPrefix("<-e>:1:1: error: save_model: \(model)/model.safetensors: file too large; raise the file-size limit (ulimit -f) or choose another disk\n"),
                "\(error)")
        let left = try FileManager.default.contentsOfDirectory(atPath: model)
        #expect(left == ["config.json"], "no temporary file is left: \(left)")
    }

    /// A preference run whose checkpoint cannot be written (the default model's 4.6 MB of
    /// weights under a 1 MB limit) names the file once, and leaves no temporary checkpoint.
    @Test func aRunWhoseCheckpointCannotBeWrittenNamesTheFileOnce() throws {
        let folder = try folder()
        let run = folder.path + "/run"
        let (status, error) = try runWithFileSizeLimit(2000, """
            pref_train(default_model(), synthetic_pairs(count: 4), steps: 1, batch: 2, dir: "\(run)", ref_cache: "\(folder.path)/cache")
            """)
        #expect(status == 1)
        let line = error.split(separator: "\n").first { $0.contains("error:") }.map(String.init) ?? error
        #expect(line.hasSuffix("error: pref_train: \(run)/checkpoints/step-000001/model.safetensors: file too large; raise the file-size limit (ulimit -f) or choose another disk"),
                "\(error)")
        #expect(line.components(separatedBy: run).count == 2, "the path appears once: \(line)")
        let left = try FileManager.default.subpathsOfDirectory(atPath: run).filter { $0.contains("tmp") }
        #expect(left.isEmpty, "no temporary file or folder is left: \(left)")
    }

    @Test func saveAndRecordCheckTheirPathFirstAndSaveOnlyWhatSucceeded() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        let home = terminal.home.path
        try "x".write(toFile: home + "/file", atomically: true, encoding: .utf8)
        var mark = terminal.mark
        terminal.type(":record /sys/live.md\r")
        mark = try terminal.expect("/sys/live.md: permission denied; choose a folder you can write to", since: mark)
        terminal.type(":save \(home)/file/s.pref\r")
        mark = try terminal.expect("\(home)/file/s.pref: \(home)/file is a file, not a folder; choose another path", since: mark)
        #expect(!terminal.screen.contains("recording to"))
        #expect(!terminal.screen.contains("Error Domain"))

        terminal.type("let kept = 6 * 7\r")
        mark = try terminal.expect("pref> ", since: mark)
        terminal.type("undefined_name + 1\r")
        mark = try terminal.expect("undefined variable", since: mark)
        // A run stopped by Ctrl-C: replaying it would train for 100000 steps.
        terminal.type("let run = train(new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16), tensor([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]]), steps: 100000, batch: 2, seq_len: 4, dir: \"\(home)/run\")\r")
        try FileManager.default.waitForFile(home + "/run/metrics.jsonl")
        Thread.sleep(forTimeInterval: 0.3)
        terminal.type("\u{03}")
        mark = try terminal.expect("pref> ", since: mark, timeout: 30)
        let saved = home + "/saved/session.pref"
        terminal.type(":save \(saved)\r")
        try terminal.expect("saved 1 entries to \(saved)", since: mark)
        #expect(try String(contentsOfFile: saved, encoding: .utf8) == "let kept = 6 * 7\n")
    }
}

extension FileManager {
    /// Waits until `path` exists; throws after `timeout` seconds.
    func waitForFile(_ path: String, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !fileExists(atPath: path) {
            guard Date() < deadline else { throw TerminalTimeout(expected: path, screen: "(no such file yet)") }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }
}
