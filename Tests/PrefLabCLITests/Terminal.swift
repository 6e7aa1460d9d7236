import Foundation
import Testing

/// The built `preflab` executable, beside the test bundle in the build folder.
let preflabExecutable: URL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("preflab")

/// Runs `preflab` with arguments and standard input; returns (status, stdout, stderr).
func runPreflab(_ arguments: [String], input: String? = nil, environment: [String: String] = [:], removing: [String] = []) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = preflabExecutable
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { $1 }
    for name in removing { env[name] = nil }
    process.environment = env
    let (stdout, stderr, stdin) = (Pipe(), Pipe(), Pipe())
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = stdin
    try process.run()
    if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
    try stdin.fileHandleForWriting.close()
    let out = stdout.fileHandleForReading.readDataToEndOfFile()
    let err = stderr.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// `preflab` on a real pseudo-terminal: util-linux `script` allocates one and makes it the
/// controlling terminal, so libedit edits lines and Ctrl-C (byte 0x03) raises SIGINT, as for
/// a person at a keyboard.
final class Terminal {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let lock = NSLock()
    private var buffer = ""
    let home: URL

    /// - Parameter standardOutput: a file to send preflab's standard output to, so that only its
    ///   standard input and error are the terminal (`preflab > out.txt` typed in a shell).
    init(home: URL? = nil, environment: [String: String] = [:], standardOutput: URL? = nil) throws {
        self.home = home ?? FileManager.default.temporaryDirectory.appendingPathComponent("preflab-pty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: self.home, withIntermediateDirectories: true)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // script runs its command through the shell, which does the redirection.
        let command = standardOutput.map { "'\(preflabExecutable.path)' > '\($0.path)'" } ?? preflabExecutable.path
        process.arguments = ["-qfec", command, "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = self.home.path
        env["TERM"] = "xterm"
        env["LANG"] = "C.UTF-8"
        env["NO_COLOR"] = nil
        env.merge(environment) { $1 }
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.buffer += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
        try expect("pref> ")
    }

    /// Everything shown so far, with terminal escape sequences removed.
    var screen: String {
        lock.lock()
        defer { lock.unlock() }
        return Terminal.plain(buffer)
    }

    /// Everything shown so far, escape sequences included.
    var raw: String {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }

    /// `text` as a person reads it: without escape sequences, carriage returns and the bell
    /// (libedit rings it when it completes a word).
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: "", options: .regularExpression)
            .replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\u{07}", with: "")
    }

    func type(_ keys: String) {
        // The process may have just exited (close() repeats Ctrl-D): a broken pipe is not an error here.
        signal(SIGPIPE, SIG_IGN)
        try? input.fileHandleForWriting.write(contentsOf: Data(keys.utf8))
    }

    /// Waits until `text` appears after position `since` of the screen; throws after `timeout`.
    @discardableResult
    func expect(_ text: String, since: Int = 0, timeout: TimeInterval = 10) throws -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let shown = screen
            if shown.count > since, let range = shown[shown.index(shown.startIndex, offsetBy: since)...].range(of: text) {
                return shown.distance(from: shown.startIndex, to: range.upperBound)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        throw TerminalTimeout(expected: text, screen: screen)
    }

    var mark: Int { screen.count }

    /// The process id of `preflab` itself, which `script` starts through a shell: the first
    /// descendant of `script` running the built executable.
    func preflabProcess() -> Int32? {
        let executable = preflabExecutable.resolvingSymlinksInPath().path
        var parents = [process.processIdentifier]
        while !parents.isEmpty {
            let parent = parents.removeFirst()
            let listed = (try? String(contentsOfFile: "/proc/\(parent)/task/\(parent)/children", encoding: .utf8)) ?? ""
            for child in listed.split(separator: " ").compactMap({ Int32($0) }) {
                if (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child)/exe")) == executable { return child }
                parents.append(child)
            }
        }
        return nil
    }

    /// Waits for preflab to end by itself; its exit status, or nil if it still runs after `timeout`.
    func exitStatus(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Types Ctrl-D once, as a person ending the session does, and returns the exit status
    /// (nil if preflab did not end). Call it once the prompt is shown: libedit is then reading
    /// in raw mode, where Ctrl-D reaches it rather than the terminal's line discipline.
    func typeControlD(timeout: TimeInterval = 10) -> Int32? {
        type("\u{04}")
        return exitStatus(timeout: timeout)
    }

    func close() {
        // Ctrl-D typed while the REPL is still printing meets the cooked terminal, which can
        // swallow it as an end-of-file before libedit reads, or leave a byte on the line, where
        // Ctrl-D deletes a character instead of ending the input. So Ctrl-U (kill the line) and
        // Ctrl-D are typed again each second until the process ends. A loaded machine can take
        // seconds to stop the process.
        let deadline = Date().addingTimeInterval(20)
        var nextKey = Date()
        while process.isRunning, Date() < deadline {
            if Date() >= nextKey {
                type("\u{15}\u{04}")
                nextKey = Date().addingTimeInterval(1)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        if process.isRunning { process.terminate() }
        output.fileHandleForReading.readabilityHandler = nil
    }
}

struct TerminalTimeout: Error, CustomStringConvertible {
    let expected: String
    let screen: String
    var description: String { "did not see \(expected.debugDescription); the screen was:\n\(screen)" }
}
