@testable import Distributed
import Foundation
import Testing

/// The world of a process started without a launcher, and how a launcher is recognised. The
/// collectives across ranks are checked by PrefLabCLITests' DataParallelTests under mpirun.
@Suite struct WorldTests {
    @Test func aLauncherIsRecognisedByItsVariables() {
        #expect(World.launched(["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"]))
        #expect(World.launched(["PMIX_RANK": "0"]))
        #expect(!World.launched(["PATH": "/usr/bin", "SLURM_JOB_ID": "7"]))
    }

    /// What a task of `srun --mpi=pmix -N 2 --ntasks-per-node=2 -c 8` sees before MPI_Init:
    /// Slurm's variables and its PMIx plugin's, none of mpirun's.
    static let srunTask = ["SLURM_JOB_ID": "7", "SLURM_STEP_ID": "0", "SLURM_PROCID": "3", "SLURM_LOCALID": "1",
                           "SLURM_NODEID": "1", "SLURM_STEP_NUM_TASKS": "4", "SLURM_STEP_TASKS_PER_NODE": "2(x2)",
                           "SLURM_CPUS_PER_TASK": "8", "PMIX_RANK": "3", "PMIX_NAMESPACE": "slurm.pmix.7.0"]

    @Test func srunWithPMIxIsALauncherAndWithoutItIsRefused() throws {
        #expect(World.launched(Self.srunTask))
        #expect(World.launchProblem(Self.srunTask) == nil)
        var withoutPMIx = Self.srunTask
        for name in ["PMIX_RANK", "PMIX_NAMESPACE"] { withoutPMIx[name] = nil }
        #expect(!World.launched(withoutPMIx))
        let problem = try #require(World.launchProblem(withoutPMIx))
        #expect(problem.contains("srun started 4 tasks without PMIx") && problem.contains("srun --mpi=pmix"), "\(problem)")
        // One task (a batch script's own step, `srun -n 1`) is a world of one, as without Slurm.
        withoutPMIx["SLURM_STEP_NUM_TASKS"] = "1"
        #expect(World.launchProblem(withoutPMIx) == nil)
        // mpirun inside an allocation: its variables, whatever Slurm's say.
        #expect(World.launchProblem(withoutPMIx.merging(["SLURM_STEP_NUM_TASKS": "4", "OMPI_COMM_WORLD_SIZE": "4"]) { $1 }) == nil)
    }

    @Test func withoutALauncherTheWorldIsOneProcessAndCollectivesLeaveDataAsItIs() {
        let world = World.current
        #expect(world.rank == 0 && world.size == 1 && world.isRoot)
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 3)
        defer { buffer.deallocate() }
        buffer.initialize(from: [1.5, -2, 3], count: 3)
        world.sum(buffer, count: 3)
        world.broadcast(buffer, count: 3)
        #expect(Array(UnsafeBufferPointer(start: buffer, count: 3)) == [1.5, -2, 3])
        #expect(world.sum([2, 5]) == [2, 5])
        #expect(world.broadcast("rank 0's text") == "rank 0's text")
        #expect(world.gather([0.25, -1.5] as [Double]) == [0.25, -1.5])
        #expect(world.gather([Float]()) == [])
    }

    /// A world of one gathers its own data and calls no MPI (it was never initialised, so a call would fail).
    @Test func withoutALauncherGatheringGivesBackThisRanksData() throws {
        let world = World.current
        #expect(world.gather([7, 0, 255] as [UInt8]) == [7, 0, 255])
        #expect(world.gather([] as [UInt8]) == [])
        #expect(try world.gather(["a", "b"]) == ["a", "b"])
    }

    private struct Figures: Codable {
        var value: Double
        var first: Int?
        var text = "a line\nand \"more\""
    }

    /// Several ranks' results travel encoded: every Double comes back with the same bits, so a
    /// gathered record equals one process's.
    @Test func gatheredResultsDecodeToTheSameBits() throws {
        var generator = SystemRandomNumberGenerator()
        let special: [Double] = [0, -0.0, 1.0 / 3, 0.1 + 0.2, -16.58351707458496, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                 .infinity, -.infinity, .nan, Double(Float(-29.461438))]
        let random = (0..<2000).map { _ in Double(bitPattern: generator.next()) }.filter(\.isFinite)
        let items = (special + random).enumerated().map { Figures(value: $1, first: $0 % 3 == 0 ? nil : $0) }
        let back = try World.decoded(try World.encoded(items), as: Figures.self)
        #expect(back.count == items.count)
        for (sent, received) in zip(items, back) {
            #expect(received.first == sent.first && received.text == sent.text)
            #expect(received.value.bitPattern == sent.value.bitPattern || (received.value.isNaN && sent.value.isNaN),
                    "\(sent.value) came back as \(received.value)")
        }
    }
}
