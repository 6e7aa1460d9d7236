import Foundation
import Testing

/// `mpirun -np 2 preflab`: two ranks on this machine over shared memory. scripts/setup installs
/// Open MPI's mpirun; without it the tests are skipped with that reason.
private let mpirun = ["/usr/bin/mpirun.openmpi", "/usr/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.serialized, .enabled(if: mpirun != nil, "mpirun is not installed (scripts/setup installs openmpi-bin)"))
struct DataParallelTests {
    /// Runs preflab with `arguments` on `ranks` ranks; mpirun's status, standard output and error.
    /// Ends the job and fails after `timeout` seconds, which is how a deadlock shows.
    static func launch(_ ranks: Int, _ arguments: [String], timeout: TimeInterval = 120) throws -> (Int32, String, String) {
        try Job(ranks, arguments).end(timeout: timeout)
    }

    /// A running `mpirun -np ranks preflab arguments`.
    final class Job {
        let process = Process()
        private let (stdout, stderr) = (Pipe(), Pipe())

        init(_ ranks: Int, _ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: try #require(mpirun))
            // Root in CI containers; one box: shared memory, and both cores for each rank.
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader"]
                + ["-np", String(ranks), preflabExecutable.path] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(["PREFLAB_KERNELS": "reproducible"]) { $1 }
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            // The test runner's thread holds SIGINT and SIGTERM back and mpirun would inherit that,
            // never seeing the signals that end it; a shell starts it with them let through.
            var stopping = sigset_t(), held = sigset_t()
            sigemptyset(&stopping)
            for signal in [SIGINT, SIGTERM, SIGUSR1] { sigaddset(&stopping, signal) }
            pthread_sigmask(SIG_UNBLOCK, &stopping, &held)
            defer { pthread_sigmask(SIG_SETMASK, &held, nil) }
            try process.run()
        }

        /// Waits for the end; mpirun's status, standard output and error.
        func end(timeout: TimeInterval) -> (Int32, String, String) {
            let deadline = Date().addingTimeInterval(timeout)
            // The scripts print a few lines, well within a pipe's buffer, so output is read after the end.
            while process.isRunning, Date() < deadline { usleep(50_000) }
            if process.isRunning {
                process.terminate()
                Issue.record("mpirun still ran after \(timeout) s: a deadlock")
            }
            process.waitUntilExit()
            let out = stdout.fileHandleForReading.readDataToEndOfFile(), error = stderr.fileHandleForReading.readDataToEndOfFile()
            return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: error, as: UTF8.self))
        }
    }

    static func script(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-mpi-\(UUID().uuidString).pref").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let training = """
        let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)
        let ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10], [3, 4, 5, 6, 7, 8, 9, 10, 11],
                          [9, 8, 7, 6, 5, 4, 3, 2, 1], [1, 3, 5, 7, 9, 11, 13, 15, 1], [4, 4, 5, 5, 6, 6, 7, 7, 8]])
        let run = train(m, ids, steps: 8, batch: 4, seq_len: 8, lr: 0.01, dir: temp_dir() + "/run", keep: "none")
        [world_size(), run.losses]

        """

    static func losses(_ json: String) throws -> (ranks: Int, losses: [Double]) {
        let value = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any], "\(json)")
        return (try #require(value[0] as? Int), try #require(value[1] as? [Double]))
    }

    /// The same global batch, seed and kernels: two ranks' losses are one process's, up to the
    /// order in which the shards' gradients are summed.
    @Test func twoRanksTrainAsOneProcessDoes() throws {
        let path = try Self.script(Self.training)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (soloStatus, soloOut, soloError) = try runPreflab(["--json", path], environment: ["PREFLAB_KERNELS": "reproducible"])
        #expect(soloStatus == 0, "\(soloError)")
        let (status, out, error) = try Self.launch(2, ["--json", path])
        #expect(status == 0, "\(error)")
        let solo = try Self.losses(soloOut), pair = try Self.losses(out)
        #expect(solo.ranks == 1 && pair.ranks == 2)
        #expect(solo.losses.count == 8 && pair.losses.count == 8)
        let worst = zip(solo.losses, pair.losses).map { abs($0 - $1) / abs($0) }.max() ?? .infinity
        print("1 rank:  \(solo.losses)\n2 ranks: \(pair.losses)\nlargest relative difference \(worst)")
        #expect(worst <= 1e-5, "1 rank \(solo.losses), 2 ranks \(pair.losses)")
        #expect(solo.losses.last! < solo.losses.first!, "the run learns")
    }

    @Test func onlyRankZeroPrintsUnlessAllRanksAreAsked() throws {
        let path = try Self.script("print(f\"rank {rank()} of {world_size()}\")\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, out, error) = try Self.launch(2, [path])
        #expect(status == 0 && out == "rank 0 of 2\n", "\(out)\(error)")
        let (allStatus, allOut, allError) = try Self.launch(2, ["--all-ranks", path])
        #expect(allStatus == 0, "\(allError)")
        #expect(allOut.split(separator: "\n").sorted() == ["[rank 0] rank 0 of 2", "[rank 1] rank 1 of 2"], "\(allOut)")
    }

    /// Rank 1 fails while rank 0 waits in the first step's sum: the job ends with rank 1's
    /// message instead of hanging.
    @Test func anErrorOnOneRankEndsTheJobWithItsMessage() throws {
        let path = try Self.script("if rank() == 1 { no_such_name }\n" + Self.training)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, _, error) = try Self.launch(2, [path], timeout: 60)
        #expect(status != 0)
        #expect(error.contains("[rank 1]") && error.contains("undefined variable 'no_such_name'"), "\(error)")
    }

    /// A signal to mpirun while the ranks train: Ctrl-C (SIGINT), which mpirun passes on as
    /// SIGTERM a second (odls_base_sigkill_timeout) later, kills the ranks a second after that
    /// and ends with status 1; and SIGUSR1, which it passes on at once, leaving the ranks to
    /// end, and then ends with their status. Each rank learns of it at its own moment, yet all
    /// stop after the same step, rank 0 writes a checkpoint another process can open, and the
    /// ranks end together with MPI_Finalize (not MPI_Abort, which is for failures).
    @Test(arguments: [(SIGINT, Int32(1)), (SIGUSR1, 128 + SIGUSR1)])
    func aSignalStopsEveryRankAfterTheSameStepWithACheckpoint(sent: Int32, mpirunStatus: Int32) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-mpi-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = try Self.script(Self.training.replacingOccurrences(of: "steps: 8", with: "steps: 20000, log_every: 20000")
            .replacingOccurrences(of: "temp_dir() + \"/run\", keep: \"none\"", with: "\"\(folder)\"") + "print(\"after\")\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let job = try Job(2, ["--all-ranks", path])
        let metrics = folder + "/metrics.jsonl"
        let deadline = Date().addingTimeInterval(60)
        while job.process.isRunning, Date() < deadline,
              ((try? String(contentsOfFile: metrics, encoding: .utf8)) ?? "").split(separator: "\n").count < 3 {
            usleep(20_000)
        }
        kill(job.process.processIdentifier, sent)
        let (status, out, error) = job.end(timeout: 60)
        #expect(!out.contains("after"), "\(out)")
        let stops = error.split(separator: "\n").filter { $0.hasPrefix("interrupted after step ") }
            .map { $0.dropFirst("interrupted after step ".count).prefix { $0.isNumber } }
        #expect(stops.count == 2 && Set(stops).count == 1, "each rank reports its stop, at the same step: \(error)")
        let step = try #require(stops.first.flatMap { Int($0) }, "\(error)")
        #expect(step >= 3)
        #expect(!error.contains("MPI_ABORT"), "a stop is no failure: \(error)")
        #expect(status == mpirunStatus, "\(error)")
        if sent == SIGUSR1 {
            #expect(error.contains("Exit code:    \(128 + SIGUSR1)"), "the ranks end with 128 + the signal: \(error)")
        }
        let (openStatus, opened, openError) = try runPreflab(["-e", "let run = open_run(\"\(folder)\")\n[run.status, len(run.losses)]"])
        #expect(openStatus == 0, "\(openError)")
        #expect(opened == "[\"interrupted\", \(step)]\n", "\(opened)")
    }
}
