import Tensor

extension Builtins {
    static let autograd: [Builtin] = [
        Builtin("grad(f, x)", topic: "autograd",
                doc: "The gradient of the scalar-valued function f at the tensor x, as a tensor of x's shape (reverse mode).",
                example: "grad(fn(x) => sum(x * x), tensor([1, 2, 3]))") { a in
            let f = try a.function(0)
            let leaf = try a.tensor(1).detached().requiringGrad()
            let output = try a.call(f, [.tensor(leaf)])
            let scalar: Tensor
            switch output {
            case .tensor(let t): scalar = t
            case .number: return .tensor(Tensor.zeros(like: leaf))
            default: throw BuiltinError("f must return a scalar tensor, got a \(output.typeName)")
            }
            guard scalar.count == 1 else { throw BuiltinError("f must return a scalar, got a tensor of shape \(scalar.shape)") }
            guard scalar.requiresGrad else { return .tensor(Tensor.zeros(like: leaf)) }
            try scalar.backward()
            return .tensor(leaf.grad ?? Tensor.zeros(like: leaf))
        },
        Builtin("requires_grad(x)", topic: "autograd",
                doc: "x as a leaf of the autograd graph: after backward(loss), x.grad holds d loss / d x.",
                example: "let w = requires_grad(randn([3]))") { a in .tensor(try a.tensor(0).detached().requiringGrad()) },
        Builtin("backward(loss)", topic: "autograd",
                doc: "Reverse-mode differentiation from a scalar: adds into the .grad of every requires_grad leaf it depends on. Gradients accumulate until zero_grad.",
                example: "let w = requires_grad(tensor([1, 2]))\nbackward(sum(w * w))\nw.grad") { a in
            try a.tensor(0).backward()
            return .nil
        },
        Builtin("zero_grad(*leaves)", topic: "autograd", doc: "Clears the accumulated gradients of the given leaves.",
                example: "let w = requires_grad(ones([2]))\nzero_grad(w)") { a in
            for leaf in try a.list(0) { if case .tensor(let t) = leaf { t.zeroGrad() } }
            return .nil
        },
        Builtin("detach(x)", topic: "autograd", doc: "The same values cut off from the autograd graph.", example: "detach(requires_grad(ones([2])))") { a in
            .tensor(try a.tensor(0).detached())
        },
        Builtin("no_grad(f)", topic: "autograd",
                doc: "Runs f (usually a block: no_grad { … }) without recording the autograd graph, and returns its value.",
                example: "no_grad { sum(ones([3])) }") { a in
            let f = try a.function(0)
            return try GradMode.withoutGrad { try a.call(f, []) }
        },
    ]
}
