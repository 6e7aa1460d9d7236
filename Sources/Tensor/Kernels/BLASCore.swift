import CBLAS
import Foundation

/// Which of OpenBLAS's kernel sets runs the GEMMs, as a `KernelMode` chooses it.
///
/// Each kernel set sums a dot product in its own order. Short runs agree to the last few bits,
/// but training amplifies them: the tutorial's 16-step DPOP run moves the chosen log-probs by
/// +0.58 nats under the Haswell kernels and by +0.37 under Cooperlake's (on Zen 4). So there are two modes:
/// - fast (the default): the fastest set the CPU runs. OpenBLAS (0.3.21 in Debian 12) picks its
///   set from the CPU's model number and falls back to Prescott's SSE3 kernels, about four times
///   slower, on models newer than its build (Intel's Emerald Rapids among them); `fastSet`
///   corrects such a pick from the CPU's instruction flags. An `OPENBLAS_CORETYPE` the user set
///   is respected.
/// - reproducible: Haswell's set (AVX2 and FMA, which PrefLab's own SIMD code is compiled for) on
///   every machine, so that a seed gives the same figures everywhere.
///
/// OpenBLAS chooses its set as it loads, from `OPENBLAS_CORETYPE`; `switchTo` runs that same
/// choice again in the running process. It must not run while a BLAS call is in flight, so
/// programs apply their mode at start-up and the language's `kernels(mode)` switches between
/// statements.
public enum BLASCore {
    /// The set reproducible mode runs on every machine.
    public static let portableSet = "Haswell"

    /// OpenBLAS's name for the kernels it uses ("Haswell", "SkylakeX", "Prescott", …).
    public static var name: String { String(cString: openblas_get_corename()) }

    /// How the OpenBLAS library was built ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH …").
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// The mode in force and the set it runs, as run records and caches note them.
    public static var inUse: KernelsInUse {
        lock.lock()
        defer { lock.unlock() }
        if appliedMode == nil {
            // A process that chose no mode at start-up (a test process, a program using the
            // library) runs the environment's. scripts/test loads OpenBLAS with that mode's set
            // already, so this switches nothing while other tests run BLAS calls. A mode it
            // cannot read or run leaves fast mode, which always applies: programs report such a
            // mode when they apply it at start-up, and a record must say what actually ran.
            let wanted = (try? KernelMode.resolve(commandLine: nil)) ?? .standard
            if (try? apply(wanted)) == nil { try? apply(.fast) }
        }
        return KernelsInUse(mode: appliedMode!, set: name)
    }

    /// Switches to the set `mode` chooses on this machine. Call it when no BLAS call is in flight:
    /// at start-up, or between a program's statements.
    /// - Throws: `KernelModeError` when this CPU cannot run the mode's set.
    public static func applyPolicy(_ mode: KernelMode) throws {
        lock.lock()
        defer { lock.unlock() }
        try apply(mode)
    }

    private static let lock = NSLock()
    private static var appliedMode: KernelMode?

    private static func apply(_ mode: KernelMode) throws {
        switchTo(try set(for: mode))
        appliedMode = mode
    }

    /// The set `mode` runs on this machine.
    static func set(for mode: KernelMode) throws -> String {
        switch mode {
        case .fast:
            return fastSet(openBLASChoice: atLoad.openBLASChoice, cpu: .thisMachine, userChoice: atLoad.userChoice)
        case .reproducible:
            guard CPUFeatures.thisMachine.avx2FMA else {
                throw KernelModeError("reproducible mode runs OpenBLAS's \(portableSet) kernels, which need AVX2 and FMA, and this CPU "
                                      + "(\(cpuName)) lacks them; use \(KernelMode.fast.rawValue)")
            }
            return portableSet
        }
    }

    /// What fast mode runs: the user's `OPENBLAS_CORETYPE` when there is one; else OpenBLAS's own
    /// choice, unless the CPU's flags allow a better set than it chose, as on a CPU newer than the
    /// OpenBLAS build, where it falls back to Prescott.
    public static func fastSet(openBLASChoice: String, cpu: CPUFeatures, userChoice: String?) -> String {
        if let userChoice { return userChoice }
        guard let best = bestSet(cpu) else { return openBLASChoice }
        return InstructionLevel(set: openBLASChoice) >= InstructionLevel(set: best) ? openBLASChoice : best
    }

    /// The set OpenBLAS 0.3.21 would choose for a CPU it knows with these flags.
    static func bestSet(_ cpu: CPUFeatures) -> String? {
        if cpu.avx512 { return cpu.avx512BF16 ? "Cooperlake" : "SkylakeX" }
        return cpu.avx2FMA ? "Haswell" : nil
    }

    /// The widest vector instructions a kernel set uses; a set OpenBLAS chose is kept when it is
    /// at the level the CPU allows (Zen on a Zen 3, Cooperlake on a Zen 4).
    enum InstructionLevel: Int, Comparable {
        case older, avx2, avx512

        init(set: String) {
            switch set.lowercased() {
            case "skylakex", "cooperlake", "sapphirerapids": self = .avx512
            case "haswell", "zen", "excavator": self = .avx2
            default: self = .older
            }
        }

        static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    }

    /// What OpenBLAS chose as the process loaded it, before PrefLab switched anything: the
    /// user's `OPENBLAS_CORETYPE` (switches set the variable for OpenBLAS and put it back) and
    /// the set it ran.
    private static let atLoad: (userChoice: String?, openBLASChoice: String) = {
        let user = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
        return (user, name)
    }()

    /// Makes OpenBLAS run `set` (one of its names, any case), choosing as it does when it loads.
    static func switchTo(_ set: String) {
        let userChoice = atLoad.userChoice
        guard name.lowercased() != set.lowercased() else { return }
        gotoblas_dynamic_quit()
        setenv("OPENBLAS_CORETYPE", set, 1)
        gotoblas_dynamic_init()
        // Programs this one starts see the environment the user gave.
        if let userChoice { setenv("OPENBLAS_CORETYPE", userChoice, 1) } else { unsetenv("OPENBLAS_CORETYPE") }
    }

    /// The CPU as lscpu names it ("AMD EPYC", "Intel(R) Xeon(R) Platinum 8581C CPU @ 2.30GHz"),
    /// or its vendor, family and model when it gives no name.
    public static let cpuName: String = {
        var brand = [CChar](repeating: 0, count: 49)
        preflab_cpu_model_name(&brand)
        let name = String(cString: brand).trimmingCharacters(in: .whitespaces)
        if !name.isEmpty { return name }
        var vendor = [CChar](repeating: 0, count: 13)
        var (family, model): (Int32, Int32) = (0, 0)
        preflab_cpu_signature(&vendor, &family, &model)
        let vendorName = String(cString: vendor)
        return vendorName.isEmpty ? "unknown CPU" : "\(vendorName) family \(family) model \(model)"
    }()
}

/// The kernel mode in force and OpenBLAS's set under it.
public struct KernelsInUse: Codable, Equatable, Sendable, CustomStringConvertible {
    public var mode: KernelMode
    /// OpenBLAS's name for its kernel set ("Haswell", "SkylakeX", …).
    public var set: String

    public init(mode: KernelMode, set: String) {
        self.mode = mode
        self.set = set
    }

    /// "reproducible (Haswell)".
    public var description: String { "\(mode.rawValue) (\(set))" }
}

/// The CPU instructions that decide which of OpenBLAS's kernel sets it runs.
public struct CPUFeatures: Equatable, Sendable {
    /// AVX2 and FMA: Haswell's set.
    public var avx2FMA: Bool
    /// AVX-512 F, BW, VL, DQ and CD, saved by the operating system: SkylakeX's set.
    public var avx512: Bool
    /// AVX512_BF16 as well: Cooperlake's set.
    public var avx512BF16: Bool

    public init(avx2FMA: Bool, avx512: Bool, avx512BF16: Bool) {
        self.avx2FMA = avx2FMA
        self.avx512 = avx512
        self.avx512BF16 = avx512BF16
    }

    public static let thisMachine = CPUFeatures(avx2FMA: preflab_cpu_has_avx2_fma() != 0, avx512: preflab_cpu_has_avx512() != 0,
                                                avx512BF16: preflab_cpu_has_avx512_bf16() != 0)
}
