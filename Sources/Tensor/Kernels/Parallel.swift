import CBLAS
import Dispatch
import Foundation

/// How PrefLab shares the machine's cores between OpenBLAS and its own loops.
///
/// GEMM runs on OpenBLAS's threads; element-wise and reduction kernels run on Dispatch's.
/// The two never run at once: every kernel returns before the next one starts, and each pool
/// is sized to this process's share of the cores, so the cores are never oversubscribed.
public enum Parallel {
    /// Threads used by large kernels, the optimisers' loops and OpenBLAS: this process's share
    /// of the cores (see `threads`).
    public static let workers = threads(available: availableCores, machine: ProcessInfo.processInfo.processorCount,
                                        environment: ProcessInfo.processInfo.environment)

    /// The cores this process may run on: its CPU affinity, which `taskset` and a launcher's
    /// binding narrow (Foundation's `activeProcessorCount` does not see it on Linux); the
    /// machine's active cores where the affinity cannot be read.
    static var availableCores: Int {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        return allowedCores(inStatus: status) ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// The number of cores in the `Cpus_allowed:` mask (hexadecimal words separated by commas)
    /// of a /proc/PID/status text; nil without a readable one.
    static func allowedCores(inStatus status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") }) else { return nil }
        let digits = line.dropFirst("Cpus_allowed:".count).filter { $0 != "," && !$0.isWhitespace }
        guard !digits.isEmpty else { return nil }
        var cores = 0
        for digit in digits {
            guard let value = digit.hexDigitValue else { return nil }
            cores += value.nonzeroBitCount
        }
        return cores > 0 ? cores : nil
    }

    /// Set by the user: the threads each PrefLab process runs, whatever launched it.
    public static let threadsVariable = "PREFLAB_THREADS"
    /// Set by `mpirun` (Open MPI): how many of its processes run on this machine.
    static let ranksOnThisMachineVariable = "OMPI_COMM_WORLD_LOCAL_SIZE"
    /// Set by Slurm when a job or step asks for `--cpus-per-task`: the cores each task owns.
    static let coresPerTaskVariable = "SLURM_CPUS_PER_TASK"

    /// The threads a process may run with `available` cores to run on (its affinity) out of the
    /// `machine`'s, so that the processes a launcher starts on one machine together run at most
    /// one thread per core: the count the user set, else the cores Slurm gave each task when it says, else the machine's
    /// cores divided among mpirun's ranks on it, and never more than `available` (a launcher
    /// that bound each rank to its own cores has already divided them). At least 1; a process
    /// started without a launcher uses every available core.
    static func threads(available: Int, machine: Int, environment: [String: String]) -> Int {
        func count(_ name: String) -> Int? { environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        let share = count(threadsVariable) ?? count(coresPerTaskVariable)
            ?? count(ranksOnThisMachineVariable).map { max(machine, available) / $0 } ?? available
        return max(1, min(available, share))
    }

    /// Element counts below this run on one thread: splitting costs more than it saves.
    static let minimumParallelCount = 1 << 16

    private static let configureBLAS: Void = {
        openblas_set_num_threads(Int32(workers))
    }()

    /// Sizes OpenBLAS's thread pool to `workers`; called before the first GEMM.
    public static func prepareBLAS() { _ = configureBLAS }

    /// Calls `body` on disjoint ranges that cover `0..<count`, in parallel when `count × cost` is large.
    /// - Parameter cost: rough work per index relative to one element-wise operation.
    @inline(__always)
    public static func forEachRange(_ count: Int, cost: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = count * cost >= minimumParallelCount ? min(workers, count) : 1
        if chunks <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}
