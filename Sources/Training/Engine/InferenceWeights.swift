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
        linear.forward(x, rows: n, weight: weight, bias: bias, into: y, ldy: ldy, accumulate: accumulate)
        guard let adapter else { return }
        let (r, inputs, outputs) = (Int32(adapter.rank), Int32(linear.inputs), Int32(linear.outputs))
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), r, inputs, 1, x, inputs, adapter.a, inputs, 0, scratch, r)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), outputs, r, adapter.scale, scratch, r,
                    adapter.b, r, 1, y, Int32(ldy ?? linear.outputs))
    }
}
