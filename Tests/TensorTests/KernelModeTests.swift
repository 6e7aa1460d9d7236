import Testing
@testable import Tensor

@Suite struct KernelModeTests {
    @Test func namesParseAndBadOnesSayWhatIsValid() throws {
        #expect(KernelMode.allCases.map(\.rawValue) == ["fast", "reproducible"])
        #expect(try KernelMode(parsing: "reproducible", from: "--kernels") == .reproducible)
        #expect(try KernelMode(parsing: "fast", from: "--kernels") == .fast)
        #expect(throws: KernelModeError("PREFLAB_KERNELS: \"turbo\" is not a kernel mode; use fast or reproducible")) {
            try KernelMode.fromEnvironment(["PREFLAB_KERNELS": "turbo"])
        }
        // Names are exact: a misspelt or capitalised mode is an error, not a silent default.
        #expect(throws: KernelModeError.self) { try KernelMode.fromEnvironment(["PREFLAB_KERNELS": "Fast"]) }
    }

    @Test func theCommandLineBeatsTheEnvironmentWhichBeatsTheDefault() throws {
        #expect(try KernelMode.resolve(commandLine: nil, environment: [:]) == .fast)
        #expect(try KernelMode.resolve(commandLine: nil, environment: ["PREFLAB_KERNELS": ""]) == .fast)
        #expect(try KernelMode.resolve(commandLine: nil, environment: ["PREFLAB_KERNELS": "reproducible"]) == .reproducible)
        #expect(try KernelMode.resolve(commandLine: .fast, environment: ["PREFLAB_KERNELS": "reproducible"]) == .fast)
        #expect(try KernelMode.resolve(commandLine: .reproducible, environment: ["PREFLAB_KERNELS": "fast"]) == .reproducible)
        // A bad environment does not matter when the command line chooses.
        #expect(try KernelMode.resolve(commandLine: .fast, environment: ["PREFLAB_KERNELS": "turbo"]) == .fast)
    }

    @Test func fastModeCorrectsOnlyAChoiceWorseThanTheFlagsAllow() {
        let avx512BF16 = CPUFeatures(avx2FMA: true, avx512: true, avx512BF16: true)
        let avx512 = CPUFeatures(avx2FMA: true, avx512: true, avx512BF16: false)
        let avx2 = CPUFeatures(avx2FMA: true, avx512: false, avx512BF16: false)
        let sse = CPUFeatures(avx2FMA: false, avx512: false, avx512BF16: false)
        let cases: [(openBLAS: String, cpu: CPUFeatures, user: String?, expected: String)] = [
            ("Prescott", avx512, nil, "SkylakeX"),        // a CPU newer than the build: Emerald Rapids
            ("Prescott", avx512BF16, nil, "Cooperlake"),
            ("Prescott", avx2, nil, "Haswell"),
            ("Nehalem", avx2, nil, "Haswell"),
            ("Sandybridge", avx2, nil, "Haswell"),
            ("Haswell", avx512, nil, "SkylakeX"),
            ("Cooperlake", avx512BF16, nil, "Cooperlake"), // Zen 4: OpenBLAS's own choice stays
            ("SkylakeX", avx512BF16, nil, "SkylakeX"),
            ("Haswell", avx2, nil, "Haswell"),
            ("Zen", avx2, nil, "Zen"),                     // Zen 3: AVX2 kernels tuned for it
            ("Prescott", sse, nil, "Prescott"),            // nothing better to run
            ("Prescott", avx512, "Sandybridge", "Sandybridge"), // the user's OPENBLAS_CORETYPE
            ("Cooperlake", avx512BF16, "Haswell", "Haswell"),
        ]
        for c in cases {
            #expect(BLASCore.fastSet(openBLASChoice: c.openBLAS, cpu: c.cpu, userChoice: c.user) == c.expected,
                    "OpenBLAS chose \(c.openBLAS) on \(c.cpu), user \(c.user ?? "none")")
        }
    }

    @Test func reproducibleModeRunsThePortableSet() throws {
        try #require(CPUFeatures.thisMachine.avx2FMA, "the portable set needs AVX2 and FMA")
        #expect(try BLASCore.set(for: .reproducible) == "Haswell")
    }
}

extension KernelModeError: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.description == b.description }
}
