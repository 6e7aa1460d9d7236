import Foundation
import Testing
@testable import Tensor

/// How many threads a process runs: every core alone, its share under a launcher, so that
/// ranks on one machine never run more threads than it has cores.
@Suite struct ThreadShareTests {
    @Test func withoutALauncherEveryAvailableCoreIsUsed() {
        #expect(Parallel.threads(available: 8, machine: 8, environment: [:]) == 8)
        #expect(Parallel.threads(available: 3, machine: 8, environment: ["PATH": "/usr/bin"]) == 3)
    }

    @Test func mpirunsRanksOnOneMachineShareItsCores() {
        // `mpirun -np 2 --bind-to none` on 2 cores: each rank may run anywhere, so each takes one.
        #expect(Parallel.threads(available: 2, machine: 2, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]) == 1)
        #expect(Parallel.threads(available: 16, machine: 16, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "3"]) == 5)
        // More ranks than cores (--oversubscribe) still leaves each rank a thread.
        #expect(Parallel.threads(available: 2, machine: 2, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "4"]) == 1)
        // Bound by mpirun (--map-by slot:PE=4): the rank's own 4 cores, not a quarter of them.
        #expect(Parallel.threads(available: 4, machine: 16, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "4"]) == 4)
        // Default binding of a 2-rank job: one core each.
        #expect(Parallel.threads(available: 1, machine: 2, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]) == 1)
    }

    @Test func slurmsCoresPerTaskWin() {
        let task = ["SLURM_CPUS_PER_TASK": "4", "SLURM_PROCID": "1", "PMIX_RANK": "1"]
        #expect(Parallel.threads(available: 32, machine: 32, environment: task) == 4)
        // A launcher cannot grant more cores than the process may run on.
        #expect(Parallel.threads(available: 2, machine: 32, environment: task) == 2)
        #expect(Parallel.threads(available: 32, machine: 32, environment: task.merging(["OMPI_COMM_WORLD_LOCAL_SIZE": "2"]) { $1 }) == 4)
    }

    @Test func theUsersCountWinsButNeverExceedsTheAvailableCores() {
        let slurm = ["SLURM_CPUS_PER_TASK": "4", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"]
        #expect(Parallel.threads(available: 8, machine: 8, environment: slurm.merging(["PREFLAB_THREADS": "1"]) { $1 }) == 1)
        #expect(Parallel.threads(available: 8, machine: 8, environment: ["PREFLAB_THREADS": "3"]) == 3)
        #expect(Parallel.threads(available: 2, machine: 8, environment: ["PREFLAB_THREADS": "3"]) == 2)
    }

    @Test func theAffinityMaskGivesTheCoresAProcessMayRunOn() {
        #expect(Parallel.allowedCores(inStatus: "Name:\tpreflab\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\n") == 2)
        #expect(Parallel.allowedCores(inStatus: "Cpus_allowed:\tff,ffffffff\n") == 40)
        #expect(Parallel.allowedCores(inStatus: "Cpus_allowed:\t00000000,00000010\n") == 1)
        #expect(Parallel.allowedCores(inStatus: "Name:\tpreflab\n") == nil)
        #expect(Parallel.allowedCores(inStatus: "Cpus_allowed:\tzz\n") == nil)
        // This process's own: at least one core, never more than the machine has.
        #expect((1...max(1, ProcessInfo.processInfo.processorCount)).contains(Parallel.availableCores))
    }

    @Test func unreadableCountsAreIgnored() {
        for value in ["", "0", "-2", "two"] {
            #expect(Parallel.threads(available: 6, machine: 6, environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": value]) == 6)
            #expect(Parallel.threads(available: 6, machine: 6, environment: ["SLURM_CPUS_PER_TASK": value]) == 6)
        }
    }
}
