import CBLAS
import Models
import Tensor

/// Where a `WeightBinder` finds weights by Hugging Face name: a trainable copy of them
/// (`ParameterStore`), or a model's own tensors, read in place for inference.
protocol WeightSource {
    func value(_ name: String) -> UnsafeMutablePointer<Float>?
    /// Nil for weights without a gradient buffer.
    func gradient(_ name: String) -> UnsafeMutablePointer<Float>?
}

extension ParameterStore: WeightSource {}

/// A `TransformerModel`'s weight tensors where they lie, so inference copies none of them (540 MB
/// for SmolLM2). Holds the tensors: their storage outlives every pointer handed out, even when
/// `replaceWeights` gives the model new ones meanwhile.
struct TensorWeights: WeightSource {
    private let tensors: [String: Tensor]

    init(_ tensors: [String: Tensor]) {
        // Loaded weights are dense; a strided one would be read wrongly through a raw pointer.
        self.tensors = tensors.mapValues { $0.isContiguous ? $0 : $0.contiguous() }
    }

    func value(_ name: String) -> UnsafeMutablePointer<Float>? { tensors[name].map { $0.storage.pointer + $0.offset } }

    func gradient(_ name: String) -> UnsafeMutablePointer<Float>? { nil }
}

extension Projection {
    /// y (+)= x·W + b + scale·(x·Aᵀ)·Bᵀ with dropout off and nothing kept for a backward pass.
    /// - Parameter scratch: n × rank floats for x·Aᵀ when the projection has an adapter.
    func infer(_ x: UnsafePointer<Float>, rows n: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
               accumulate: Bool = false, scratch: UnsafeMutablePointer<Float>) {
        if n == 1 { decodeForward(x, into: y, accumulate: accumulate) } else {
            linear.forward(x, rows: n, weight: weight, bias: bias, into: y, ldy: ldy, accumulate: accumulate)
        }
        guard let adapter else { return }
        let (r, inputs, outputs) = (Int32(adapter.rank), Int32(linear.inputs), Int32(linear.outputs))
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), r, inputs, 1, x, inputs, adapter.a, inputs, 0, scratch, r)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), outputs, r, adapter.scale, scratch, r,
                    adapter.b, r, 1, y, Int32(ldy ?? linear.outputs))
    }

    /// One row, a decoding step's: y (+)= W·x (+ b) as a matrix-vector product. OpenBLAS 0.3.21
    /// runs sgemm with M = 1 through its blocked GEMM, which packs the whole weight before reading
    /// it; sgemv streams it once, and a step reads every weight of the model.
    private func decodeForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, accumulate: Bool) {
        let (inputs, outputs) = (Int32(linear.inputs), Int32(linear.outputs))
        var beta: Float = accumulate ? 1 : 0
        if let bias {
            if accumulate { Vectorised.add(bias, into: y, count: linear.outputs) } else { y.update(from: bias, count: linear.outputs) }
            beta = 1
        }
        switch linear.layout {
        case .outIn: cblas_sgemv(CblasRowMajor, CblasNoTrans, outputs, inputs, 1, weight, inputs, x, 1, beta, y, 1)
        case .inOut: cblas_sgemv(CblasRowMajor, CblasTrans, inputs, outputs, 1, weight, outputs, x, 1, beta, y, 1)
        }
    }
}
