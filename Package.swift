// swift-tools-version:6.0
import PackageDescription

// The element-wise kernels are written for 8-lane AVX2 with FMA, which every machine PrefLab
// targets has (AMD Zen and Intel since Haswell); without it SIMD8 splits into SSE halves.
let vectorISA: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

// Layers point one way: system libraries → Tensor → (Models → Training → Preference → Plot → Lang) → preflab.
let package = Package(
    name: "PrefLab",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .executable(name: "preflab-bench", targets: ["preflab-bench"]),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS",
            pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CEditLine", path: "Sources/CEditLine",
            pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .target(name: "Tensor", dependencies: ["CBLAS"], swiftSettings: vectorISA),
        .executableTarget(name: "preflab-bench", dependencies: ["Tensor", "CBLAS"]),
        .testTarget(name: "TensorTests", dependencies: ["Tensor"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CBLAS", "CEditLine"]),
    ],
    swiftLanguageModes: [.v5]
)
