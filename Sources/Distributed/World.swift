import CMPI
import Foundation

/// The processes a launcher (`mpirun`, `srun`) started together, each running the same program:
/// data-parallel training splits each global batch across them and sums their gradients here.
/// A process started without a launcher is a world of one and never calls MPI, so PrefLab
/// without `mpirun` behaves as if MPI were not there.
public final class World: @unchecked Sendable {
    /// This process's place among `size` processes, 0 ..< size.
    public let rank: Int
    public let size: Int
    /// Whether MPI was initialised: false in a world of one started without a launcher.
    let usesMPI: Bool

    /// The rank that prints, plots and writes files. The others compute the same replicas and
    /// stay silent, since writing the same paths at once would race.
    public static let root = 0
    public var isRoot: Bool { rank == Self.root }

    /// The world of this process, initialising MPI on first use when a launcher started it.
    public static let current = World(environment: ProcessInfo.processInfo.environment)

    /// Variables a launcher sets in each process it starts: Open MPI's `mpirun`, and PMIx, which
    /// `srun --mpi=pmix` and Open MPI's own runtime use (Slurm's PMIx plugin sets `PMIX_RANK` and
    /// `PMIX_NAMESPACE` in every task; Open MPI's `OMPI_COMM_WORLD_*` come only from `mpirun`).
    /// (MPICH's `PMI_SIZE` is left out: this build links Open MPI, and MPICH's launcher would
    /// start processes that each see a world of one.)
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK"]

    /// Set by `srun` in each task of a job step: how many tasks it started.
    static let slurmStepTasksVariable = "SLURM_STEP_NUM_TASKS"

    /// Why `environment` cannot start a world: `srun` started several tasks without PMIx (no
    /// `--mpi=pmix`, and `pmix` not the cluster's MpiDefault), so each would be a world of one
    /// training alone and all would write the same files. Nil when the launch is sound.
    public static func launchProblem(_ environment: [String: String]) -> String? {
        guard !launched(environment), let tasks = environment[slurmStepTasksVariable].flatMap({ Int($0) }), tasks > 1 else { return nil }
        return "srun started \(tasks) tasks without PMIx, so each would run alone as rank 0 of 1: "
            + "launch with `srun --mpi=pmix` (`srun --mpi=list` shows whether this Slurm has it), or run `mpirun` inside the allocation"
    }

    /// Whether `environment` says a launcher started this process.
    static func launched(_ environment: [String: String]) -> Bool {
        launcherVariables.contains { environment[$0] != nil }
    }

    private init(environment: [String: String]) {
        guard Self.launched(environment) else {
            rank = 0
            size = 1
            usesMPI = false
            return
        }
        // MPI's default error handler aborts the job, so a failed call never returns here.
        MPI_Init(nil, nil)
        var rank: Int32 = 0
        var size: Int32 = 0
        MPI_Comm_rank(cmpi_comm_world(), &rank)
        MPI_Comm_size(cmpi_comm_world(), &size)
        self.rank = Int(rank)
        self.size = Int(size)
        usesMPI = true
    }

    /// MPI counts are Int32: longer buffers go in pieces of at most this many elements.
    static let largestCount = Int(Int32.max)

    /// Replaces `count` floats at `buffer` with their sum over every rank, in place. Every rank
    /// gets bitwise the same sums.
    public func sum(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        guard usesMPI else { return }
        forEachPiece(count) { start, length in
            MPI_Allreduce(cmpi_in_place(), buffer + start, length, cmpi_float(), cmpi_sum(), cmpi_comm_world())
        }
    }

    /// The element-wise sums of `values` over every rank (figures of a step: loss, token count).
    public func sum(_ values: [Double]) -> [Double] {
        guard usesMPI else { return values }
        var values = values
        values.withUnsafeMutableBufferPointer { buffer in
            _ = MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_double(), cmpi_sum(), cmpi_comm_world())
        }
        return values
    }

    /// Whether `flag` is true on any rank: how the ranks agree on something each learns alone
    /// (a stop request from a signal), so that all act on it at the same point.
    public func any(_ flag: Bool) -> Bool {
        guard usesMPI else { return flag }
        var value: Int32 = flag ? 1 : 0
        MPI_Allreduce(cmpi_in_place(), &value, 1, cmpi_int(), cmpi_max(), cmpi_comm_world())
        return value != 0
    }

    /// Copies rank 0's `count` floats at `buffer` into every other rank's.
    public func broadcast(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        guard usesMPI else { return }
        forEachPiece(count) { start, length in
            MPI_Bcast(buffer + start, length, cmpi_float(), Int32(Self.root), cmpi_comm_world())
        }
    }

    /// Rank 0's `text`, on every rank.
    public func broadcast(_ text: String) -> String {
        guard usesMPI else { return text }
        var length = Int32(isRoot ? text.utf8.count : 0)
        MPI_Bcast(&length, 1, cmpi_int(), Int32(Self.root), cmpi_comm_world())
        var bytes = isRoot ? Array(text.utf8) : [UInt8](repeating: 0, count: Int(length))
        bytes.withUnsafeMutableBytes { buffer in
            _ = MPI_Bcast(buffer.baseAddress, length, cmpi_byte(), Int32(Self.root), cmpi_comm_world())
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Returns once every rank has called it: the others wait here for what rank 0 alone does
    /// (writing a file), since one of them ending the job would cut it short.
    public func barrier() {
        guard usesMPI else { return }
        MPI_Barrier(cmpi_comm_world())
    }

    /// Whether the ranks have agreed, through `agreeToStop`, to stop at the same point.
    private var stoppedTogether = false

    /// Whether a stop was requested on any rank (a signal reached it), agreed by every rank at
    /// the same point of a run or an evaluation, so that all stop there together; `finish` then
    /// ends them normally.
    public func agreeToStop(_ requested: Bool) -> Bool {
        let agreed = any(requested)
        if agreed { stoppedTogether = true }
        return agreed
    }

    /// Ends this process's part in the world with its exit status; `interrupted` when a signal
    /// stopped the program. A run the ranks stopped together (`agreeToStop`) ends with
    /// `MPI_Finalize`, which waits for every rank, so rank 0 finishes writing its checkpoint
    /// before `mpirun` ends the job; the program's own status (128 + the signal) comes after.
    /// Any other failure on one rank ends every rank (`MPI_Abort`): finalising would leave the
    /// others waiting for ever in their next collective. The caller has printed the failure first.
    public func finish(status: Int32, interrupted: Bool) {
        guard usesMPI else { return }
        if status == 0 || interrupted && stoppedTogether {
            MPI_Finalize()
        } else {
            MPI_Abort(cmpi_comm_world(), status)
        }
    }

    private func forEachPiece(_ count: Int, _ body: (_ start: Int, _ length: Int32) -> Int32) {
        var start = 0
        while start < count {
            let length = min(count - start, Self.largestCount)
            _ = body(start, Int32(length))
            start += length
        }
    }
}
