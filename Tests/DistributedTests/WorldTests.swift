@testable import Distributed
import Testing

/// The world of a process started without a launcher, and how a launcher is recognised. The
/// collectives across ranks are checked by PrefLabCLITests' DataParallelTests under mpirun.
@Suite struct WorldTests {
    @Test func aLauncherIsRecognisedByItsVariables() {
        #expect(World.launched(["OMPI_COMM_WORLD_SIZE": "2", "OMPI_COMM_WORLD_RANK": "1"]))
        #expect(World.launched(["PMIX_RANK": "0"]))
        #expect(!World.launched(["PATH": "/usr/bin", "SLURM_JOB_ID": "7"]))
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
}
