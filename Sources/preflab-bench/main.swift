import CBLAS
import Dispatch
import Foundation
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

var generator = RandomGenerator(seed: 0)
/// Results feed `sink` so the optimiser cannot drop the work being timed.
var sink: Float = 0

print("PrefLab bench — \(Parallel.workers) cores; \(String(cString: openblas_get_config()))")
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
