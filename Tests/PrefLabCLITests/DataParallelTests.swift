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

        /// `environment` adds to the test's, for mpirun and the ranks.
        init(_ ranks: Int, _ arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = URL(fileURLWithPath: try #require(mpirun))
            // Root in CI containers; one box: shared memory, and both cores for each rank.
            process.arguments = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader"]
                + ["-np", String(ranks), preflabExecutable.path] + arguments
            process.environment = ProcessInfo.processInfo.environment.merging(["PREFLAB_KERNELS": "reproducible"].merging(environment) { $1 }) { $1 }
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

    /// The single process the ranks are compared with. Each rank of these 2- and 3-rank jobs runs
    /// one thread (the machine's two cores shared among its ranks), and reductions split across
    /// threads add in another order, so the process runs one thread too: the differences left
    /// are those of summing the shards.
    static let oneProcess = ["PREFLAB_KERNELS": "reproducible", "PREFLAB_THREADS": "1"]

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
        let (soloStatus, soloOut, soloError) = try runPreflab(["--json", path], environment: Self.oneProcess)
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

    /// The embedded model's multiple-choice pairs, short enough for a few quick steps.
    static let pairs = "let pairs = synthetic_pairs(\"choice\", count: 6, seed: 4242, tokenizer: default_model())\n"

    /// Preference training of the embedded model on `pairs`: `steps` steps of 3 pairs.
    static func prefTrain(loss: String, steps: Int, options: String = "", dir: String) -> String {
        "pref_train(default_model(), pairs, loss: \"\(loss)\", beta: 0.3, lambda: 50, lr: 2e-4, steps: \(steps), batch: 3, "
            + "seq_len: 96, max_prompt_length: 80, log_every: 100\(options), dir: \(dir))"
    }

    /// A run for each of `losses` (three steps), printing its losses and the figures TRL logs
    /// that the shards' pairs make up together.
    static func preferenceTraining(losses: [String]) -> String {
        let runs = losses.map { "figures(" + prefTrain(loss: $0, steps: 3, dir: "temp_dir() + \"/\($0)\"") + ")" }
        return pairs + """
            fn figures(run) { [run.losses, metric(run, "rewards/margins"), metric(run, "rewards/accuracies"), metric(run, "probe/chosen_after")] }
            [world_size(), [\(runs.joined(separator: ", "))]]

            """
    }

    /// The world size a script printed, and its list of lists of figures.
    static func figures<Figures>(_ json: String, _ type: Figures.Type) throws -> (ranks: Int, runs: Figures) {
        let value = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any], "\(json)")
        return (try #require(value[0] as? Int), try #require(value[1] as? Figures, "\(json)"))
    }

    /// The largest difference between two runs' figures, relative to the larger figure, with
    /// figures near zero (the first step's reward margins, where the policy is the reference)
    /// compared to 1 instead.
    static func largestDifference(_ a: [Double], _ b: [Double]) -> Double {
        a.count == b.count ? zip(a, b).map { abs($0 - $1) / max(1, abs($0), abs($1)) }.max() ?? 0 : .infinity
    }

    /// The preference runs of several ranks equal the single process's: losses, reward margins
    /// and probe within 1e-5 (relative), accuracies equal from the second step on (at the first
    /// the policy is the reference, and each reward is ±1e-7 of noise whose sign decides).
    static func expectEqualPreferenceRuns(_ solo: [[[Double]]], _ ranks: [[[Double]]], losses: [String]) {
        #expect(solo.count >= ranks.count && ranks.count == losses.count)
        for (loss, (one, many)) in zip(losses, zip(solo, ranks)) {
            let differences = [0, 1, 3].map { largestDifference(one[$0], many[$0]) }
            print("\(loss) 1 rank:  \(one[0])\n\(loss) N ranks: \(many[0])\n\(loss) largest relative difference of losses, margins, probe: \(differences)")
            #expect(one[0].count == 3 && many[0].count == 3)
            #expect(differences.allSatisfy { $0 <= 1e-5 }, "\(loss): 1 rank \(one), N ranks \(many)")
            #expect(one[2].dropFirst() == many[2].dropFirst(), "\(loss) accuracies: 1 rank \(one[2]), N ranks \(many[2])")
        }
    }

    /// Every rank scores its block of each batch's pairs and of the reference pass; the losses are
    /// computed over all the pairs gathered, so even BCO's, whose running mean of rewards makes it
    /// no sum over pairs, comes out as one process's, on 2 ranks (shards of 1 and 2 pairs) and on 3.
    @Test func preferenceTrainingOnTwoAndThreeRanksEqualsOneProcess() throws {
        let losses = ["sigmoid", "dpop", "bco_pair"]
        let path = try Self.script(Self.preferenceTraining(losses: losses))
        let dpoPath = try Self.script(Self.preferenceTraining(losses: ["sigmoid"]))
        defer { for file in [path, dpoPath] { try? FileManager.default.removeItem(atPath: file) } }
        let (soloStatus, soloOut, soloError) = try runPreflab(["--json", path], environment: Self.oneProcess)
        #expect(soloStatus == 0, "\(soloError)")
        let (status, out, error) = try Self.launch(2, ["--json", path], timeout: 300)
        #expect(status == 0, "\(error)")
        let (threeStatus, threeOut, threeError) = try Self.launch(3, ["--json", dpoPath], timeout: 300)
        #expect(threeStatus == 0, "\(threeError)")
        let solo = try Self.figures(soloOut, [[[Double]]].self), pair = try Self.figures(out, [[[Double]]].self)
        let three = try Self.figures(threeOut, [[[Double]]].self)
        #expect(solo.ranks == 1 && pair.ranks == 2 && three.ranks == 3)
        Self.expectEqualPreferenceRuns(solo.runs, pair.runs, losses: losses)
        Self.expectEqualPreferenceRuns(solo.runs, three.runs, losses: ["sigmoid"])
        #expect(solo.runs[0][0].last! < solo.runs[0][0].first!, "DPO learns")
    }

    /// A run's data position is global: a run started on one process continues on two ranks, and
    /// one started on two ranks on one process, with the losses of the uninterrupted single
    /// process, for `train` and `pref_train`. Removing the newest checkpoint resumes from the
    /// one before.
    @Test func aRunResumesOnAnotherNumberOfRanks() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-mpi-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        func start(_ name: String) throws -> String {
            let lm = Self.training.replacingOccurrences(of: "steps: 8", with: "steps: 4, checkpoint_every: 2")
                .replacingOccurrences(of: "temp_dir() + \"/run\", keep: \"none\"", with: "\"\(folder)/\(name)-lm\"")
                .replacingOccurrences(of: "[world_size(), run.losses]\n", with: "")
            let pref = Self.prefTrain(loss: "sigmoid", steps: 4, options: ", checkpoint_every: 2", dir: "\"\(folder)/\(name)-pref\"")
            return lm + Self.pairs + "[world_size(), [run.losses, \(pref).losses]]\n"
        }
        func resume(_ name: String) throws -> String {
            "[world_size(), [resume(\"\(folder)/\(name)-lm\").losses, resume(\"\(folder)/\(name)-pref\").losses]]\n"
        }
        let scripts = try [start("one"), start("two"), resume("one"), resume("two")].map(Self.script)
        defer { for file in scripts { try? FileManager.default.removeItem(atPath: file) } }
        let environment = Self.oneProcess
        let (soloStatus, soloOut, soloError) = try runPreflab(["--json", scripts[0]], environment: environment)
        #expect(soloStatus == 0, "\(soloError)")
        let (pairStatus, pairOut, pairError) = try Self.launch(2, ["--json", scripts[1]], timeout: 300)
        #expect(pairStatus == 0, "\(pairError)")
        for run in ["one-lm", "one-pref", "two-lm", "two-pref"] {
            try FileManager.default.removeItem(atPath: "\(folder)/\(run)/checkpoints/step-000004")
        }
        let (onTwoStatus, onTwoOut, onTwoError) = try Self.launch(2, ["--json", scripts[2]], timeout: 300)
        #expect(onTwoStatus == 0, "\(onTwoError)")
        let (onOneStatus, onOneOut, onOneError) = try runPreflab(["--json", scripts[3]], environment: environment)
        #expect(onOneStatus == 0, "\(onOneError)")
        let straight = try Self.figures(soloOut, [[Double]].self), started = try Self.figures(pairOut, [[Double]].self)
        #expect(straight.runs.count == 2 && straight.runs.allSatisfy { $0.count == 4 })
        for (ranks, output, first) in [(2, onTwoOut, straight), (1, onOneOut, started)] {
            let resumed = try Self.figures(output, [[Double]].self)
            #expect(resumed.ranks == ranks)
            for (run, (one, (before, again))) in zip(["train", "pref_train"], zip(straight.runs, zip(first.runs, resumed.runs))) {
                print("\(run) uninterrupted on 1 rank: \(one)\n\(run) resumed on \(ranks): \(again)")
                #expect(Array(again.prefix(2)) == Array(before.prefix(2)), "\(run): the history up to the checkpoint is the started run's")
                #expect(Self.largestDifference(one, again) <= 1e-5, "\(run) resumed on \(ranks) ranks: \(again), uninterrupted: \(one)")
            }
        }
    }

    /// A batch some rank would get nothing of is refused before anything runs, naming the option.
    @Test func aBatchSmallerThanTheRanksIsRefused() throws {
        let path = try Self.script(Self.pairs + Self.prefTrain(loss: "sigmoid", steps: 1, options: ", batch: 1", dir: "temp_dir() + \"/one\"")
            .replacingOccurrences(of: "batch: 3, ", with: "") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, _, error) = try Self.launch(2, [path], timeout: 120)
        #expect(status != 0)
        #expect(error.contains("batch: 1 cannot be split across 2 ranks"), "\(error)")
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
