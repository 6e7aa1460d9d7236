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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(mpirun))
        // Root in CI containers; one box: shared memory, and both cores for each rank.
        process.arguments = ["--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "--mca", "btl", "self,vader",
                             "-np", String(ranks), preflabExecutable.path] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["PREFLAB_KERNELS": "reproducible"]) { $1 }
        let (stdout, stderr) = (Pipe(), Pipe())
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try process.run()
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
}
