import CBLAS
import Dispatch
import Foundation

/// How PrefLab shares the machine's cores between OpenBLAS and its own loops.
///
/// GEMM runs on OpenBLAS's threads; element-wise and reduction kernels run on Dispatch's.
/// The two never run at once: every kernel returns before the next one starts, and each pool
/// is sized to the core count, so the cores are never oversubscribed.
public enum Parallel {
    /// Threads used by large kernels and by OpenBLAS: the available cores.
    public static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Element counts below this run on one thread: splitting costs more than it saves.
    static let minimumParallelCount = 1 << 16

    private static let configureBLAS: Void = {
        openblas_set_num_threads(Int32(workers))
    }()

    /// Sizes OpenBLAS's thread pool to the core count; called before the first GEMM.
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
