import CBLAS
import Foundation

/// Which of OpenBLAS's kernel sets runs the GEMMs, and the repair for a wrong choice.
///
/// OpenBLAS (0.3.21 in Debian 12) picks its kernels once, as the library loads, from the CPU's
/// model number. On models newer than the build knows — Intel's Emerald Rapids (family 6, model
/// 207) among them — it falls back to Prescott's SSE3 kernels, and sgemm runs about four times
/// slower than with the AVX2 or AVX-512 kernels the CPU could use. The choice can only be changed
/// before the library loads, through `OPENBLAS_CORETYPE`, so an executable calls
/// `ensureFastKernels()` first: when OpenBLAS settled for a pre-AVX2 kernel set on a CPU with
/// AVX2 and FMA, the process runs itself again with `OPENBLAS_CORETYPE` set to the widest kernel
/// set the CPU runs (SkylakeX with AVX-512, else Haswell). A `OPENBLAS_CORETYPE` the user set is
/// respected.
public enum BLASCore {
    /// OpenBLAS's name for the kernels it uses ("Haswell", "SkylakeX", "Prescott", …).
    public static var name: String { String(cString: openblas_get_corename()) }

    /// Kernel sets older than AVX2: what OpenBLAS falls back to on a CPU it does not recognise.
    static let preAVX2 = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai", "coppermine",
                          "northwood", "banias", "sandybridge", "unknown"]

    /// The kernel set to ask for instead, when the kernels are slower than the CPU allows and the
    /// user has not chosen them; nil otherwise.
    public static var fasterKernels: String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, preAVX2.contains(name.lowercased()) else { return nil }
        switch preflab_cpu_vector_level() {
        case 2: return "SkylakeX"
        case 1: return "Haswell"
        default: return nil
        }
    }

    /// Re-runs the process with `fasterKernels` when there are; returns (doing nothing)
    /// otherwise, or if the process cannot be run again.
    public static func ensureFastKernels() {
        guard let kernels = fasterKernels else { return }
        setenv("OPENBLAS_CORETYPE", kernels, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the slower kernels.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
