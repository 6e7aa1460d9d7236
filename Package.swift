// swift-tools-version:6.0
import PackageDescription

// The element-wise kernels are written for 8-lane AVX2 with FMA, which every machine PrefLab
// targets has (AMD Zen and Intel since Haswell); without it SIMD8 splits into SSE halves.
let vectorISA: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]

// Layers point one way: system libraries, Base → ChatTemplates, Base → Tensor → (Models → Distributed → Training → Preference → DefaultModel → Plot → Lang) → JupyterKernel → preflab.
let package = Package(
    name: "PrefLab",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Tensor", targets: ["Tensor"]),
        .executable(name: "preflab", targets: ["preflab"]),
        .executable(name: "preflab-bench", targets: ["preflab-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS",
            pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CEditLine", path: "Sources/CEditLine",
            pkgConfig: "libedit", providers: [.apt(["libedit-dev"])]),
        .systemLibrary(
            name: "CZeroMQ", path: "Sources/CZeroMQ",
            pkgConfig: "libzmq", providers: [.apt(["libzmq3-dev"])]),
        // Open MPI, for data parallelism across processes; the shim hands Swift its handles, which are macros.
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI",
            pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "Base"),
        .target(name: "Distributed", dependencies: ["CMPI"]),
        .target(name: "Tensor", dependencies: ["Base", "CBLAS"], swiftSettings: vectorISA),
        // Models too: its GGUF decoders widen f16 scales (F16C) and unpack blocks in AVX2.
        .target(name: "Models", dependencies: ["Base", "Tensor"], swiftSettings: vectorISA),
        .target(name: "ChatTemplates", dependencies: ["Base"]),
        .target(name: "Training", dependencies: ["Base", "Tensor", "Models", "Distributed", "CBLAS"], swiftSettings: vectorISA),
        .target(name: "Preference", dependencies: ["Base", "Tensor", "Models", "Distributed", "Training"]),
        // The default model's files are a resource: SwiftPM copies them beside the executable.
        .target(name: "DefaultModel", dependencies: ["Models"], resources: [.copy("Files")]),
        .target(name: "Plot"),
        .target(name: "Lang", dependencies: ["Base", "Tensor", "Models", "Training", "Preference", "DefaultModel", "Plot", "ChatTemplates", "Distributed", .product(name: "OrderedCollections", package: "swift-collections")]),
        // The Jupyter kernel: the protocol over ZeroMQ, messages signed with swift-crypto's HMAC.
        .target(name: "JupyterKernel", dependencies: ["Base", "Lang", "Plot", "CZeroMQ", .product(name: "Crypto", package: "swift-crypto")]),
        .executableTarget(
            name: "preflab",
            dependencies: ["Base", "Lang", "Tensor", "Plot", "CEditLine", "JupyterKernel", "Distributed", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "preflab-bench", dependencies: ["Base", "Tensor", "Models", "Training", "Preference", "Lang", "Distributed", "CBLAS"]),
        .executableTarget(name: "preflab-fuzz", dependencies: ["Base", "Lang", "Models", "Tensor"]),
        .testTarget(name: "TensorTests", dependencies: ["Base", "Tensor"], resources: [.copy("Fixtures")]),
        // Golden files are read from the source tree by path, not bundled.
        .testTarget(name: "LangTests", dependencies: ["Base", "Lang", "Tensor", "Plot", "Training"], exclude: ["Golden"]),
        .testTarget(name: "ModelsTests", dependencies: ["Base", "Models", "Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "TrainingTests", dependencies: ["Base", "Distributed", "Training", "Models", "Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "PreferenceTests", dependencies: ["Base", "Preference", "Training", "Models", "Tensor"], exclude: ["Fixtures"]),
        .testTarget(name: "PlotTests", dependencies: ["Plot"], exclude: ["Golden"]),
        .testTarget(name: "PrefLabCLITests", dependencies: ["preflab"]),
        .testTarget(name: "JupyterKernelTests", dependencies: ["JupyterKernel"]),
        .testTarget(name: "BaseTests", dependencies: ["Base"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed"]),
        // The fixtures (templates, conversations, transformers' renderings) are read by path.
        .testTarget(name: "ChatTemplatesTests", dependencies: ["ChatTemplates"], exclude: ["Fixtures"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CBLAS", "CEditLine"]),
    ],
    swiftLanguageModes: [.v5]
)
