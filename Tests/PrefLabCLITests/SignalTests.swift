import Foundation
import Testing

/// Real signals sent to a real `preflab`: SIGINT, SIGTERM and SIGUSR1 stop the whole running entry (a
/// training run inside it first writing its checkpoint), and a script then ends with 128 + the
/// signal's number.
@Suite(.serialized) struct SignalTests {
    /// A tiny model and data, and a loop of two long runs; `after` marks whatever runs next.
    static func loopOfRuns(_ folder: URL) -> String {
        """
        let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)
        let ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]])
        for i in [1, 2] {
            let run = train(m, ids, steps: 1000000, batch: 2, seq_len: 8, lr: 0.001, log_every: 1, dir: "\(folder.path)/run" + str(i))
            print("finished " + str(i))
        }
        print("after")
        """
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-signals-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs `script` until the first run has taken a step, sends `signals` (the later ones
    /// `spacing` seconds apart), and checks that the script stopped as a whole with a complete
    /// checkpoint of the first run and no second run.
    func stopTheLoop(with signals: [Int32], spacing: TimeInterval = 0.3, status expected: Int32) throws {
        let folder = try Self.temporaryFolder()
        let script = folder.appendingPathComponent("loop.pref")
        try Self.loopOfRuns(folder).write(to: script, atomically: true, encoding: .utf8)
        let running = try RunningPreflab([script.path])
        try running.waitForStandardError("step 3/")
        for (index, signal) in signals.enumerated() {
            if index > 0 { Thread.sleep(forTimeInterval: spacing) }
            kill(running.process.processIdentifier, signal)
        }
        let status = running.exitStatus()
        #expect(status == expected, "stderr: \(running.standardError)")
        #expect(!running.standardOutput.contains("finished") && !running.standardOutput.contains("after"))
        let checkpoints = folder.appendingPathComponent("run1/checkpoints")
        let latest = try String(contentsOf: checkpoints.appendingPathComponent("latest"), encoding: .utf8)
        #expect(FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent(latest).appendingPathComponent("state.json").path))
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run2").path), "the loop's second run did not start")
        #expect(running.standardError.contains("resume(\""))
    }

    @Test func controlCStopsAScriptsLoopOfRunsWithStatus130() throws {
        try stopTheLoop(with: [SIGINT], status: 130)
    }

    /// The second Ctrl-C may come while the first run writes its checkpoint: it is not lost,
    /// and it does not cut the checkpoint short.
    @Test func aSecondControlCDuringTheSaveIsHonouredAfterIt() throws {
        try stopTheLoop(with: [SIGINT, SIGINT], spacing: 0.005, status: 130)
    }

    /// SIGTERM, and SIGUSR1 (the stop request mpirun passes on without killing), end the
    /// script with 143 and 138.
    @Test(arguments: [SIGTERM, SIGUSR1])
    func aStopRequestStopsAScriptTheSameWayWith128PlusTheSignal(signal: Int32) throws {
        try stopTheLoop(with: [signal], status: 128 + signal)
    }

    /// A run that is the script's last statement returns when stopped; the script still ends
    /// as interrupted, as a script and as a notebook.
    @Test func aStoppedLastRunStillEndsTheScriptWithStatus130() throws {
        let folder = try Self.temporaryFolder()
        let script = folder.appendingPathComponent("last.pref")
        try """
            let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)
            train(m, tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9]]), steps: 1000000, batch: 1, seq_len: 8, log_every: 1, dir: "\(folder.path)/run")
            """.write(to: script, atomically: true, encoding: .utf8)
        for arguments in [[script.path], ["--notebook", folder.appendingPathComponent("out.md").path, script.path]] {
            let running = try RunningPreflab(arguments)
            try running.waitForStandardError("step 3/")
            kill(running.process.processIdentifier, SIGINT)
            #expect(running.exitStatus() == 130, "\(arguments): \(running.standardError)")
            try FileManager.default.removeItem(at: folder.appendingPathComponent("run"))
        }
    }

    /// A plain loop and a loop of runs end the same way.
    @Test func aPlainLoopStopsWithStatus130() throws {
        let running = try RunningPreflab(["-e", "let i = 0\nwhile true { i = i + 1\n if i == 1000 { print(\"loo\" + \"ping\") } }"])
        try running.waitForStandardOutput("looping")
        kill(running.process.processIdentifier, SIGINT)
        #expect(running.exitStatus() == 130)
        #expect(running.standardError.contains("interrupted"))
    }

    /// At the prompt, Ctrl-C in a loop of runs comes back to the prompt with the loop stopped
    /// and the variables kept.
    @Test func controlCAtThePromptStopsTheWholeEntry() throws {
        let folder = try Self.temporaryFolder()
        let terminal = try Terminal()
        defer { terminal.close() }
        terminal.type("let started = 0\r")
        terminal.type("let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\r")
        terminal.type("let ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]])\r")
        var mark = terminal.mark
        terminal.type("for i in [1, 2] { started = started + 1\r train(m, ids, steps: 1000000, batch: 2, seq_len: 8, lr: 0.001, dir: \"\(folder.path)/run\" + str(i)) }\r")
        mark = try terminal.expect("tok/s", since: mark)
        terminal.type("\u{03}")
        mark = try terminal.expect("variables keep the values", since: mark, timeout: 20)
        terminal.type("started * 7 + 35\r")
        try terminal.expect("42", since: mark)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("run2").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("run1/checkpoints/latest").path))
    }

    /// SIGTERM (or SIGUSR1) at the prompt, or while an entry runs, ends the session with
    /// 128 + the signal, as a shell reports it; the entry is stopped first.
    @Test func sigtermEndsTheSession() throws {
        for signal in [SIGTERM, SIGUSR1] {
            let idle = try Terminal()
            defer { idle.close() }
            kill(try #require(idle.preflabProcess()), signal)
            #expect(idle.exitStatus() == 128 + signal)
        }

        let busy = try Terminal()
        defer { busy.close() }
        busy.type("let i = 0\r")
        let mark = busy.mark
        // The message is assembled at run time, so the echo of the typed code cannot match it.
        busy.type("while true { i = i + 1\r if i == 1000 { print(\"loo\" + \"ping\") } }\r")
        try busy.expect("looping", since: mark)
        kill(try #require(busy.preflabProcess()), SIGTERM)
        #expect(busy.exitStatus() == 143)
        #expect(busy.screen.contains("interrupted"))
    }
}

/// `preflab` started with pipes for its output, read as it comes.
final class RunningPreflab {
    let process = Process()
    private let output = Pipe(), errors = Pipe()
    private let lock = NSLock()
    private var out = "", err = ""

    init(_ arguments: [String]) throws {
        process.executableURL = preflabExecutable
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in self?.append(handle.availableData, error: false) }
        errors.fileHandleForReading.readabilityHandler = { [weak self] handle in self?.append(handle.availableData, error: true) }
        try process.run()
    }

    private func append(_ data: Data, error: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if error { err += String(decoding: data, as: UTF8.self) } else { out += String(decoding: data, as: UTF8.self) }
    }

    var standardOutput: String { lock.withLock { out } }
    var standardError: String { lock.withLock { err } }

    func waitForStandardError(_ text: String, timeout: TimeInterval = 30) throws {
        try wait(timeout) { self.standardError.contains(text) }
    }

    func waitForStandardOutput(_ text: String, timeout: TimeInterval = 30) throws {
        try wait(timeout) { self.standardOutput.contains(text) }
    }

    private func wait(_ timeout: TimeInterval, until done: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !done() {
            guard Date() < deadline, process.isRunning else {
                throw TerminalTimeout(expected: "output", screen: "stdout:\n\(standardOutput)\nstderr:\n\(standardError)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The exit status once the process ends (killed after `timeout` seconds: nil).
    func exitStatus(timeout: TimeInterval = 60) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning {
            process.terminate()
            return nil
        }
        // Let the pipes deliver what the process wrote last.
        Thread.sleep(forTimeInterval: 0.1)
        return process.terminationStatus
    }
}
