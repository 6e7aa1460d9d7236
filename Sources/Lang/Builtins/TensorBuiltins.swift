import Foundation
import Tensor

/// Results of reductions over plain numbers or lists come back as numbers, not tensors.
private func result(_ t: Tensor, from input: Value) throws -> Value {
    if case .tensor = input { return .tensor(t) }
    if t.rank == 0 { return .number(Double(try t.item())) }
    return .tensor(t)
}

/// A function of two numbers or tensors, broadcasting: two numbers give a number (NaN if
/// either is), anything else a tensor.
private func elementwisePair(_ name: String, _ doc: String, _ example: String,
                             number: @escaping (Double, Double) -> Double, tensor: @escaping (Tensor, Tensor) throws -> Tensor) -> Builtin {
    Builtin("\(name)(a, b)", topic: "math", doc: doc, example: example) { a in
        if case .number(let x) = try a["a"], case .number(let y) = try a["b"] { return .number(x.isNaN || y.isNaN ? .nan : number(x, y)) }
        return .tensor(try tensor(try a.tensor("a"), try a.tensor("b")))
    }
}

/// A function of numbers and tensors: numbers stay numbers, anything else becomes a tensor.
private func elementwise(_ name: String, _ doc: String, _ example: String,
                         number: @escaping (Double) -> Double, tensor: @escaping (Tensor) throws -> Tensor) -> Builtin {
    Builtin("\(name)(x)", topic: "math", doc: doc, example: example) { a in
        if case .number(let x) = try a["x"] { return .number(number(x)) }
        return .tensor(try tensor(try a.tensor("x")))
    }
}

/// - Parameter pairwise: the element-wise builtin of two values (`maximum` for `max`), which an
///   error names when the call reads as Python's `max(3, 4)`, a reduction's second argument
///   being its axis.
private func reduction(_ name: String, _ doc: String, _ example: String, pairwise: String? = nil,
                       _ reduce: @escaping (Tensor, Int?, Bool) throws -> Tensor) -> Builtin {
    Builtin("\(name)(x, axis = nil, keepdim = false)", topic: "reductions", doc: doc, example: example) { a in
        let x = try a.tensor("x")
        if let pairwise, try !a.isNil("axis") {
            let other = try a["axis"]
            let written = "\(repr(try a["x"])), \(repr(other))"
            if x.rank == 0 {
                throw BuiltinError("reduces one tensor or list (its second argument is an axis), and a single number has no axis; "
                                   + "for the \(pairwise == "maximum" ? "larger" : "smaller") of two values write \(name)([\(written)]) or \(pairwise)(\(written))")
            }
            if case .number = other {} else {
                throw BuiltinError("argument 'axis' must be a whole number, got a \(other.typeName); for the element-wise \(pairwise) of two tensors write \(pairwise)(a, b)")
            }
        }
        return try result(try reduce(x, try a.optionalInt("axis"), try a.bool("keepdim")), from: try a["x"])
    }
}

/// 2²⁴: up to this magnitude Float32 represents every whole number.
private let exactWholeFloats = 1 << 24

/// The dtype argument of from_bits and to_bits: "f16" or "bf16", in either case.
private func halfPrecision(_ a: Arguments, _ name: String) throws -> DType {
    let dtype = try a.string(name)
    switch dtype.lowercased() {
    case "f16": return .f16
    case "bf16": return .bf16
    default: throw BuiltinError("dtype must be \"f16\" or \"bf16\", got \"\(dtype)\"")
    }
}

extension Builtins {
    static let tensorCreation: [Builtin] = [
        Builtin("tensor(values)", topic: "creation",
                doc: "A Float32 tensor from a number or a rectangular nested list of numbers.",
                example: "tensor([[1, 2], [3, 4]])") { a in .tensor(try a.tensor("values")) },
        Builtin("zeros(shape)", topic: "creation", doc: "A tensor of zeros; shape is a list such as [2, 3].", example: "zeros([2, 3])") { a in
            .tensor(try Tensor.zeros(try a.shape("shape")))
        },
        Builtin("ones(shape)", topic: "creation", doc: "A tensor of ones.", example: "ones([2])") { a in .tensor(try Tensor.ones(try a.shape("shape"))) },
        Builtin("full(shape, value)", topic: "creation", doc: "A tensor with every element equal to value.", example: "full([2, 2], 0.5)") { a in
            .tensor(try Tensor.full(try a.shape("shape"), value: Float(try a.number("value"))))
        },
        Builtin("arange(start, end = nil, step = 1)", topic: "creation",
                doc: "Evenly spaced values from start up to (not including) end; arange(n) counts 0 … n−1.",
                example: "arange(0, 1, 0.25)") { a in
            if try a.isNil("end") { return .tensor(try Tensor.arange(Float(try a.number("start")))) }
            return .tensor(try Tensor.arange(Float(try a.number("start")), Float(try a.number("end")), step: Float(try a.number("step"))))
        },
        Builtin("linspace(start, end, count)", topic: "creation", doc: "count evenly spaced values from start to end, both included.",
                example: "linspace(0, 1, 5)") { a in
            .tensor(try Tensor.linspace(Float(try a.number("start")), Float(try a.number("end")), count: try a.int("count")))
        },
        Builtin("eye(n, m = nil)", topic: "creation", doc: "The n×m identity matrix (n×n when m is omitted).", example: "eye(3)") { a in
            .tensor(try Tensor.eye(try a.int("n"), try a.optionalInt("m")))
        },
        Builtin("rand(shape)", topic: "creation", doc: "Uniform samples in [0, 1) from the session's seeded stream (see seed).", example: "rand([2, 2])") { a in
            .tensor(try Tensor.rand(try a.shape("shape"), using: &a.runtime.random.generator))
        },
        Builtin("randn(shape)", topic: "creation", doc: "Standard normal samples from the session's seeded stream (see seed).", example: "randn([2, 3])") { a in
            .tensor(try Tensor.randn(try a.shape("shape"), using: &a.runtime.random.generator))
        },
        Builtin("randint(low, high, shape)", topic: "creation", doc: "Uniform whole numbers in [low, high) as a tensor, from the session's stream; low and high lie within ±2²⁴, where Float32 holds every whole number.",
                example: "randint(0, 10, [5])") { a in
            let (low, high) = (try a.int("low"), try a.int("high"))
            guard high > low else { throw BuiltinError("needs low < high, got \(low) and \(high)") }
            guard low >= -exactWholeFloats, high <= exactWholeFloats else {
                throw BuiltinError("low \(low) and high \(high) must lie within ±\(exactWholeFloats), where Float32 tensors hold every whole number")
            }
            let span = Float(high - low)
            let u: Tensor
            do {
                u = try Tensor.rand(try a.shape("shape"), using: &a.runtime.random.generator)
            } catch let error as TensorError {
                throw TensorError(op: "randint", error.message)  // drawn through rand, asked for as randint
            }
            return .tensor(try Tensor(u.scalars.map { Swift.min(Float(low) + ($0 * span).rounded(.down), Float(high - 1)) }, shape: u.shape))
        },
        Builtin("from_bits(bits, dtype)", topic: "creation",
                doc: "Float32 values from 16-bit patterns (whole numbers 0 … 65535, e.g. read from a checkpoint) of dtype \"f16\" (IEEE half) or \"bf16\" (bfloat16); the result has bits' shape.",
                example: "from_bits([15360, 49152], dtype: \"f16\")") { a in
            let dtype = try halfPrecision(a, "dtype")
            let bits = try a.tensor("bits").scalars.map { x in
                guard let pattern = UInt16(exactly: x) else { throw BuiltinError("bits must be whole numbers in 0 … 65535, got \(format(Double(x)))") }
                return pattern
            }
            let shape = try a.tensor("bits").shape
            return .tensor(try dtype == .f16 ? Tensor.fromF16(bits, shape: shape) : Tensor.fromBF16(bits, shape: shape))
        },
        Builtin("causal_mask(n)", topic: "creation", doc: "The n×n additive attention mask: 0 on and below the diagonal, -inf above.",
                example: "causal_mask(3)") { a in .tensor(try Tensor.causalMask(try a.int("n"))) },
    ]

    static let tensorMath: [Builtin] = [
        elementwise("exp", "eˣ element by element.", "exp(1)", number: Foundation.exp) { $0.exp() },
        elementwise("log", "Natural logarithm element by element.", "log(tensor([1, 2.718281828]))", number: Foundation.log) { $0.log() },
        elementwise("sqrt", "Square root element by element.", "sqrt(16)", number: { $0.squareRoot() }) { $0.sqrt() },
        elementwise("rsqrt", "1/√x element by element.", "rsqrt(tensor([4, 16]))", number: { 1 / $0.squareRoot() }) { $0.rsqrt() },
        elementwise("abs", "Absolute value element by element.", "abs(-3)", number: { Swift.abs($0) }) { $0.abs() },
        elementwise("tanh", "Hyperbolic tangent element by element.", "tanh(tensor([0, 1]))", number: Foundation.tanh) { $0.tanh() },
        elementwise("sigmoid", "1/(1 + e⁻ˣ) element by element.", "sigmoid(0)", number: { 1 / (1 + Foundation.exp(-$0)) }) { $0.sigmoid() },
        elementwise("relu", "max(x, 0) element by element.", "relu(tensor([-1, 2]))", number: { Swift.max($0, 0) }) { $0.relu() },
        elementwise("silu", "x·sigmoid(x) element by element (SwiGLU's activation).", "silu(tensor([1, -1]))",
                    number: { $0 / (1 + Foundation.exp(-$0)) }) { $0.silu() },
        Builtin("gelu(x, approximate = \"none\")", topic: "math",
                doc: "Gaussian error linear unit: x·Φ(x) with erf (approximate: \"none\") or GPT-2's tanh form (approximate: \"tanh\").",
                example: "gelu(tensor([-1, 0, 1]), approximate: \"tanh\")") { a in
            guard let mode = GeluApproximation(rawValue: try a.string("approximate")) else {
                throw BuiltinError("approximate must be \"none\" or \"tanh\", got \(repr(try a["approximate"]))")
            }
            return .tensor(try a.tensor("x").gelu(approximate: mode))
        },
        Builtin("pow(x, exponent)", topic: "math", doc: "x raised to the exponent, element by element; the same as x ^ exponent.",
                example: "pow(tensor([1, 2, 3]), 2)") { a in
            if case .number(let x) = try a["x"], case .number(let p) = try a["exponent"] { return .number(Foundation.pow(x, p)) }
            if case .number(let p) = try a["exponent"] { return .tensor(try a.tensor("x").pow(Float(p))) }
            return .tensor(try a.tensor("x").pow(try a.tensor("exponent")))
        },
        Builtin("clamp(x, min = nil, max = nil)", topic: "math", doc: "Each element limited to [min, max]; either bound may be omitted.",
                example: "clamp(tensor([-2, 0.5, 3]), min: 0, max: 1)") { a in
            let low = try a.isNil("min") ? -Float.infinity : Float(try a.number("min"))
            let high = try a.isNil("max") ? Float.infinity : Float(try a.number("max"))
            return .tensor(try a.tensor("x").clamp(min: low, max: high))
        },
        Builtin("to_f16(x)", topic: "math",
                doc: "x rounded to the nearest IEEE half-precision value (to nearest even; beyond ±65504 becomes ±inf), kept as Float32, like x.half().float() in PyTorch. The gradient passes straight through.",
                example: "to_f16(tensor([0.1, 70000, 1e-8]))") { a in .tensor(try a.tensor("x").rounded(to: .f16)) },
        Builtin("to_bf16(x)", topic: "math",
                doc: "x rounded to the nearest bfloat16 value (8 significant bits, Float32's range), kept as Float32, like x.bfloat16().float() in PyTorch. The gradient passes straight through.",
                example: "to_bf16(tensor([0.1, 3.14159, 70000]))") { a in .tensor(try a.tensor("x").rounded(to: .bf16)) },
        Builtin("to_bits(x, dtype)", topic: "math",
                doc: "The 16-bit patterns of x rounded to dtype \"f16\" or \"bf16\", as whole numbers in x's shape; from_bits turns them back into values.",
                example: "to_bits(tensor([1, -2]), dtype: \"bf16\")") { a in
            let dtype = try halfPrecision(a, "dtype")
            let x = try a.tensor("x")
            let bits = dtype == .f16 ? x.f16Bits() : x.bf16Bits()
            return .tensor(try Tensor(bits.map(Float.init), shape: x.shape))
        },
        elementwisePair("maximum", "The larger of each pair of elements (broadcasting); of two numbers, the larger number.", "maximum(tensor([1, 5]), 3)",
                        number: { Swift.max($0, $1) }) { try $0.maximum($1) },
        elementwisePair("minimum", "The smaller of each pair of elements (broadcasting); of two numbers, the smaller number.", "minimum(tensor([1, 5]), 3)",
                        number: { Swift.min($0, $1) }) { try $0.minimum($1) },
        Builtin("where(condition, a, b)", topic: "math", doc: "Elements of a where condition is non-zero, of b elsewhere; all three broadcast.",
                example: "where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0)") { a in
            .tensor(try Tensor.where(try a.tensor("condition"), try a.tensor("a"), try a.tensor("b")))
        },
        Builtin("masked_fill(x, mask, value)", topic: "math", doc: "x with value wherever mask (broadcast to x's shape) is non-zero.",
                example: "masked_fill(zeros([2, 2]), tensor([[0, 1], [0, 0]]), -inf)") { a in
            .tensor(try a.tensor("x").maskedFill(try a.tensor("mask"), value: Float(try a.number("value"))))
        },
        Builtin("matmul(a, b)", topic: "math", doc: "The matrix product with NumPy's rules (1-D operands, broadcast batch axes); the same as a @ b.",
                example: "matmul(eye(2), tensor([[1, 2], [3, 4]]))") { a in .tensor(try a.tensor("a").matmul(try a.tensor("b"))) },
        Builtin("softmax(x, axis = -1)", topic: "math", doc: "exp(x) / Σ exp(x) along axis, computed stably.", example: "softmax(tensor([1, 2, 3]))") { a in
            .tensor(try a.tensor("x").softmax(axis: try a.int("axis")))
        },
        Builtin("log_softmax(x, axis = -1)", topic: "math", doc: "x − logsumexp(x) along axis, without forming the softmax.",
                example: "log_softmax(tensor([1, 2, 3]))") { a in .tensor(try a.tensor("x").logSoftmax(axis: try a.int("axis"))) },
        reduction("sum", "The sum of all elements, or along axis.", "sum(tensor([[1, 2], [3, 4]]), axis: 0)") { try $0.sum(axis: $1, keepDim: $2) },
        reduction("mean", "The mean of all elements, or along axis.", "mean([1, 2, 3, 4])") { try $0.mean(axis: $1, keepDim: $2) },
        reduction("max", "The largest element, or the largest along axis (max(x, 1) reduces axis 1). The larger of two values is max([a, b]), or maximum(a, b) element by element.",
                  "max(tensor([3, 7, 5]))", pairwise: "maximum") { try $0.max(axis: $1, keepDim: $2) },
        reduction("min", "The smallest element, or the smallest along axis (min(x, 1) reduces axis 1). The smaller of two values is min([a, b]), or minimum(a, b) element by element.",
                  "min(tensor([3, 7, 5]))", pairwise: "minimum") { try $0.min(axis: $1, keepDim: $2) },
        reduction("argmax", "Index of the largest element (of the flattened tensor, or along axis); the first wins ties.",
                  "argmax(tensor([3, 7, 5]))") { try $0.argmax(axis: $1, keepDim: $2) },
        reduction("argmin", "Index of the smallest element (of the flattened tensor, or along axis).", "argmin(tensor([3, 7, 5]))") {
            try $0.argmin(axis: $1, keepDim: $2)
        },
        reduction("logsumexp", "log Σ exp(x) over all elements or along axis, computed stably.", "logsumexp(tensor([1, 2, 3]), axis: -1)") {
            try $0.logsumexp(axis: $1, keepDim: $2)
        },
        Builtin("var(x, axis = nil, keepdim = false, correction = 1)", topic: "reductions",
                doc: "Variance; correction 1 (the default, as PyTorch) divides by n − 1, correction 0 by n (as NumPy).",
                example: "var([1, 2, 3, 4], correction: 0)") { a in
            try result(try a.tensor("x").variance(axis: try a.optionalInt("axis"), keepDim: try a.bool("keepdim"), correction: try a.int("correction")), from: try a["x"])
        },
        Builtin("std(x, axis = nil, keepdim = false, correction = 1)", topic: "reductions", doc: "Standard deviation: the square root of var.",
                example: "std([1, 2, 3, 4])") { a in
            try result(try a.tensor("x").standardDeviation(axis: try a.optionalInt("axis"), keepDim: try a.bool("keepdim"), correction: try a.int("correction")), from: try a["x"])
        },
    ]
}
