import Base
import CBLAS
import Dispatch
import Foundation
import Models
import Tensor

// PrefLab's speed figures: GEMM through the Tensor API next to raw cblas_sgemm, and
// memory-bound kernels next to memcpy. Run through scripts/bench (release build).

/// Median wall time of `body` in seconds over `repeats` runs, after `warmup` runs.
func medianSeconds(warmup: Int = 2, repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

func report(_ name: String, _ ours: Double, _ reference: Double, unit: String, target: Double) {
    let ratio = ours / reference
    let verdict = ratio >= target ? "meets" : "MISSES"
    print("\(pad(name, 34)) \(String(format: "%8.1f", ours)) \(unit)   reference \(String(format: "%8.1f", reference)) \(unit)   \(String(format: "%5.1f", ratio * 100)) %  (target ≥ \(Int(target * 100)) %: \(verdict))")
}

do { try BLASCore.applyPolicy(KernelMode.resolve(commandLine: nil)) } catch {
    FileHandle.standardError.write(Data("preflab-bench: \(error)\n".utf8))
    exit(2)
}
var generator = RandomGenerator(seed: 0)
/// Results feed `sink` so the optimiser cannot drop the work being timed.
var sink: Float = 0

/// The sections a first argument picks; none runs them all, in the kernel mode of the environment.
/// scripts/bench runs `training` once per kernel mode.
let sections = ["micro": "GEMM, memory-bound kernels, the language and a random 135M model",
                "training": "training and DPO steps against PyTorch",
                "real": "SmolLM2-135M-Instruct against transformers and TRL",
                "real-inference": "real's load, scoring and generation alone (no whole DPO runs)",
                "gguf FILE": "decoding every tensor of a GGUF file",
                "distributed": "1 rank × 2 threads against 2 mpirun ranks × 1 thread, and a cluster projection",
                "distributed-rank": "one rank of `distributed` (it starts them under mpirun)"]
let section = CommandLine.arguments.dropFirst().first
switch section {
case "training":
    try TrainingBench.run()
    try PreferenceBench.run()
    exit(0)
case "real":
    try RealModelBench.run()
    exit(0)
case "real-inference":
    try RealModelBench.run(wholeRuns: false)
    exit(0)
case "distributed":
    try DistributedBench.run()
    exit(0)
case "distributed-rank":
    try DistributedBench.runRank()
    exit(0)
case "gguf" where CommandLine.arguments.count == 3:
    try GGUFBench.run(CommandLine.arguments[2])
    exit(0)
case "micro", nil:
    break
default:
    FileHandle.standardError.write(Data(("usage: preflab-bench [SECTION]; sections:\n"
        + sections.sorted { $0.key < $1.key }.map { "  \(pad($0.key, 10)) \($0.value)\n" }.joined()).utf8))
    exit(2)
}

print("PrefLab bench — \(Parallel.workers) cores; \(BLASCore.configuration); kernels: \(BLASCore.inUse) on \(BLASCore.cpuName)")
print("Threads: GEMM on OpenBLAS's pool (\(Parallel.workers) threads, set with openblas_set_num_threads);")
print("element-wise and reduction kernels on \(Parallel.workers) Dispatch workers. Kernels run one after another, never both pools at once.")
print("")
print("GEMM (C = A·B, FLOP = 2·M·N·K; median of repeated runs)")

/// (name, M, K, N, B stored transposed as an nn.Linear weight [N, K])
let gemmShapes: [(String, Int, Int, Int, Bool)] = [
    ("1024×1024×1024", 1024, 1024, 1024, false),
    ("GPT-2 qkv 256×768 · 768×2304", 256, 768, 2304, false),
    ("GPT-2 qkv 256×768 · (2304×768)ᵀ", 256, 768, 2304, true),
    ("GPT-2 mlp 256×768 · 768×3072", 256, 768, 3072, false),
    ("GPT-2 mlp 256×768 · (3072×768)ᵀ", 256, 768, 3072, true),
]
for (name, m, k, n, transposedWeight) in gemmShapes {
    let a = try Tensor.randn([m, k], using: &generator)
    let stored = try Tensor.randn(transposedWeight ? [n, k] : [k, n], using: &generator)
    let b = transposedWeight ? try stored.transposed() : stored
    let flops = 2.0 * Double(m) * Double(n) * Double(k)
    let repeats = m * n * k >= 1 << 30 ? 15 : 40
    let api = try medianSeconds(repeats: repeats) {
        let c = try a.matmul(b)
        sink += c.storage.pointer[0]
    }
    let output = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
    defer { output.deallocate() }
    let raw = medianSeconds(repeats: repeats) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, transposedWeight ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a.storage.pointer, Int32(k),
                    stored.storage.pointer, Int32(transposedWeight ? k : n), 0, output, Int32(n))
    }
    report(name, flops / api / 1e9, flops / raw / 1e9, unit: "GFLOP/s", target: 0.9)
}

print("")
print("Memory-bound kernels on 16M floats (GB/s = bytes read + written once per second; memcpy moves 64 MiB)")
let count = 1 << 24
let x = try Tensor.randn([count], using: &generator)
let y = try Tensor.randn([count], using: &generator)
let rows = try x.reshaped([count / 1024, 1024])
let bytes = Double(count * 4)
let destination = UnsafeMutablePointer<Float>.allocate(capacity: count)
defer { destination.deallocate() }
let memcpySeconds = medianSeconds(repeats: 15) { memcpy(destination, x.storage.pointer, count * 4) }
let memcpyRate = 2 * bytes / memcpySeconds / 1e9

let add = try medianSeconds(repeats: 15) { sink += try (x + y).storage.pointer[0] }
report("add (read 2, write 1)", 3 * bytes / add / 1e9, memcpyRate, unit: "GB/s", target: 0.5)
let gelu = medianSeconds(repeats: 15) { sink += x.gelu().storage.pointer[0] }
report("gelu, erf form (read 1, write 1)", 2 * bytes / gelu / 1e9, memcpyRate, unit: "GB/s", target: 0.5)
let geluTanh = medianSeconds(repeats: 15) { sink += x.gelu(approximate: .tanh).storage.pointer[0] }
report("gelu, tanh form", 2 * bytes / geluTanh / 1e9, memcpyRate, unit: "GB/s", target: 0.5)
let softmax = try medianSeconds(repeats: 15) { sink += try rows.softmax().storage.pointer[0] }
report("softmax over rows of 1024", 2 * bytes / softmax / 1e9, memcpyRate, unit: "GB/s", target: 0.5)
let sum = try medianSeconds(repeats: 15) { sink += try x.sum().storage.pointer[0] }
report("sum (read 1)", bytes / sum / 1e9, memcpyRate, unit: "GB/s", target: 0.5)
print("")
print("memcpy: \(String(format: "%.1f", memcpyRate)) GB/s (\(String(format: "%.2f", memcpySeconds * 1000)) ms for 64 MiB)")

print("")
print("Hand-over between the pools (OpenBLAS's threads spin for a while after a GEMM; a kernel started then would share the cores)")
let handoverA = try Tensor.randn([256, 768], using: &generator)
let handoverB = try Tensor.randn([768, 2304], using: &generator)
let gemmAlone = try medianSeconds(repeats: 15) { sink += try handoverA.matmul(handoverB).storage.pointer[0] }
let geluAlone = medianSeconds(repeats: 15) { sink += x.gelu().storage.pointer[0] }
let interleaved = try medianSeconds(repeats: 15) {
    sink += try handoverA.matmul(handoverB).storage.pointer[0]
    sink += x.gelu().storage.pointer[0]
}
print(String(format: "GEMM alone %.2f ms + gelu alone %.2f ms = %.2f ms; GEMM then gelu %.2f ms (%+.1f %%)",
             gemmAlone * 1000, geluAlone * 1000, (gemmAlone + geluAlone) * 1000, interleaved * 1000,
             (interleaved / (gemmAlone + geluAlone) - 1) * 100))
if sink.isNaN { print("(NaN in results)") }

// MARK: - The language against CPython and Lua (whole processes, wall time)

/// Median wall time of running a command to completion, after one warm-up run. Uses
/// posix_spawn and waitpid directly: Foundation's Process polls for exit every 50 ms.
func processSeconds(_ command: [String], runs: Int = 7) -> Double? {
    func once() -> Double? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = DispatchTime.now().uptimeNanoseconds
        guard posix_spawn(&pid, command[0], &actions, nil, argv, environ) == 0 else { return nil }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        guard status == 0 else { return nil }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
    guard once() != nil else { return nil }
    let times = (0..<runs).compactMap { _ in once() }
    return times.isEmpty ? nil : times.sorted()[times.count / 2]
}

func findExecutable(_ name: String) -> String? {
    let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
    return paths.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

let preflabPath = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("preflab").path
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-bench-\(getpid())")
try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
func script(_ name: String, _ text: String) -> String {
    let url = scratch.appendingPathComponent(name)
    try? text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

let programs: [(name: String, preflab: String, python: String, lua: String)] = [
    ("start-up to first result (1+1)",
     "print(1 + 1)\n", "print(1 + 1)\n", "print(1 + 1)\n"),
    ("recursive fib(25)",
     "fn fib(n) { if n < 2 { n } else { fib(n - 1) + fib(n - 2) } }\nprint(fib(25))\n",
     "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(25))\n",
     "local function fib(n) if n < 2 then return n else return fib(n - 1) + fib(n - 2) end end\nprint(fib(25))\n"),
    ("1,000,000-iteration scalar loop",
     "let s = 0\nfor i in 0..1000000 { s = s + i * 2 - 1 }\nprint(s)\n",
     "s = 0\nfor i in range(1000000):\n    s = s + i * 2 - 1\nprint(s)\n",
     "local s = 0\nfor i = 0, 999999 do s = s + i * 2 - 1 end\nprint(s)\n"),
]

print("")
print("The language (whole process, median wall time of 7 runs; lower is better)")
let lua = findExecutable("lua5.4")
for program in programs {
    let ours = processSeconds([preflabPath, script("p.pref", program.preflab)])
    let theirs = referencePython.flatMap { processSeconds([$0, script("p.py", program.python)]) }
    let luas = lua.flatMap { processSeconds([$0, script("p.lua", program.lua)]) }
    func ms(_ t: Double?) -> String { t.map { String(format: "%7.1f ms", $0 * 1000) } ?? "   n/a    " }
    let versus = (ours != nil && theirs != nil) ? String(format: "  CPython/PrefLab %.2f×", theirs! / ours!) : ""
    print("\(pad(program.name, 34)) PrefLab \(ms(ours))   CPython \(ms(theirs))   Lua 5.4 \(ms(luas))\(versus)")
}
let startup = processSeconds([preflabPath, "-e", "1+1"])
print(String(format: "start-up of `preflab -e '1+1'`: %.1f ms (target < 50 ms: %@)", (startup ?? .nan) * 1000,
             (startup ?? 1) < 0.05 ? "meets" : "MISSES"))
try? FileManager.default.removeItem(at: scratch)

// MARK: - Models: loading a 135M checkpoint and scoring with it

print("")
print("Models: a 135M-parameter Llama-shaped checkpoint (SmolLM-135M's shapes) written by PrefLab")
let benchConfig = try ModelConfig.make(architecture: .llama, vocab: 49152, hidden: 576, layers: 30, heads: 9, kvHeads: 3,
                                       ffn: 1536, tie: true, maxLength: 2048)
let benchModel = try TransformerModel.random(config: benchConfig, seed: 0)
let modelDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-bench-model-\(getpid())").path
try benchModel.save(directory: modelDirectory)
var loaded: TransformerModel?
let loadSeconds = try medianSeconds(warmup: 1, repeats: 3) { loaded = try TransformerModel.load(directory: modelDirectory) }
print(String(format: "load (%.1fM parameters, F32 safetensors, memory-mapped): %.3f s (target < 1 s: %@)",
             Double(benchModel.parameterCount) / 1e6, loadSeconds, loadSeconds < 1 ? "meets" : "MISSES"))
let scoringTokens = 256
var scoringRandom = RandomGenerator(seed: 1)
let scoringIds = (0..<scoringTokens).map { _ in Int(scoringRandom.next() % 49152) }
let forwardSeconds = try GradMode.withoutGrad {
    try medianSeconds(warmup: 2, repeats: 9) { sink += try (loaded ?? benchModel).logits(scoringIds).storage.pointer[0] }
}
let oursPerSecond = Double(scoringTokens) / forwardSeconds
var torchLine = "PyTorch: \(noPythonNote)"
if let python = referencePython {
    let probe = """
    import sys, time, torch, transformers
    torch.set_num_threads(\(Parallel.workers))
    m = transformers.AutoModelForCausalLM.from_pretrained(sys.argv[1], torch_dtype=torch.float32).eval()
    ids = torch.tensor([[int(x) for x in sys.argv[2].split(',')]])
    with torch.inference_mode():
        m(ids); m(ids)
        times = []
        for _ in range(9):
            start = time.perf_counter(); m(ids); times.append(time.perf_counter() - start)
    print(sorted(times)[4])
    """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = ["-c", probe, modelDirectory, scoringIds.map(String.init).joined(separator: ",")]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    if (try? process.run()) != nil {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 0, let seconds = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) {
            let theirs = Double(scoringTokens) / seconds
            torchLine = String(format: "PyTorch (transformers, %d threads): %.0f tokens/s; PrefLab/PyTorch %.2f× (target > 1: %@)",
                               Parallel.workers, theirs, oursPerSecond / theirs, oursPerSecond > theirs ? "meets" : "MISSES")
        }
    }
}
print(String(format: "forward-only scoring of %d tokens: PrefLab %.0f tokens/s (%.3f s)", scoringTokens, oursPerSecond, forwardSeconds))
print(torchLine)
try? FileManager.default.removeItem(atPath: modelDirectory)

if section == nil {
    try TrainingBench.run()
    try PreferenceBench.run()
    try RealModelBench.run()
}
