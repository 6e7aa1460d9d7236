import CBLAS
import Foundation

/// Which of OpenBLAS's kernel sets runs the GEMMs: the same one on every machine, so that a seed
/// gives the same figures everywhere.
///
/// OpenBLAS (0.3.21 in Debian 12) picks its kernels once, as the library loads, from the CPU's
/// model number, and each kernel set sums a dot product in its own order. Short runs agree to the
/// last few bits, but training amplifies them: the tutorial's 16-step DPOP run moves the chosen
/// log-probs by +0.59 nats under the Haswell kernels and by +0.37 under SkylakeX's. On models
/// newer than the build knows (Intel's Emerald Rapids among them) OpenBLAS also falls back to
/// Prescott's SSE3 kernels, about four times slower.
///
/// So PrefLab runs Haswell's kernels (AVX2 and FMA, which PrefLab is compiled for anyway) on every
/// x86-64 machine. The choice can only be made before the library loads, through
/// `OPENBLAS_CORETYPE`, so an executable calls `ensurePinnedKernels()` first and runs itself again
/// with `OPENBLAS_CORETYPE=Haswell` when OpenBLAS chose another set. A `OPENBLAS_CORETYPE` the
/// user set is respected: `OPENBLAS_CORETYPE=SkylakeX` trades reproducibility for AVX-512 speed.
public enum BLASCore {
    /// The kernel set PrefLab's figures are made with.
    public static let pinned = "Haswell"

    /// OpenBLAS's name for the kernels it uses ("Haswell", "SkylakeX", "Prescott", …).
    public static var name: String { String(cString: openblas_get_corename()) }

    /// How the OpenBLAS library was built ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …").
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Whether the kernels in use are the pinned ones.
    public static var isPinned: Bool { name.lowercased() == pinned.lowercased() }

    /// Whether the process should run again with the pinned kernels: OpenBLAS chose others, the
    /// CPU runs the pinned ones, and the user has not chosen kernels (which also stops a second
    /// restart when a build of OpenBLAS ignores `OPENBLAS_CORETYPE`).
    public static var needsRestart: Bool {
        ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil && !isPinned && preflab_cpu_has_avx2_fma() != 0
    }

    /// Runs the process again with the pinned kernels when `needsRestart`; returns (doing
    /// nothing) otherwise, or if the process cannot be run again.
    public static func ensurePinnedKernels() {
        guard needsRestart else { return }
        setenv("OPENBLAS_CORETYPE", pinned, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the kernels OpenBLAS chose.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
