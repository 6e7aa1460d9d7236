import Tensor

/// grad inside another grad's function, reaching that grad's input.
private let nestedGrad = BuiltinError("nested grad (second derivatives) is not supported")

extension Builtins {
    static let autograd: [Builtin] = [
        Builtin("grad(f, x)", topic: "autograd",
                doc: "The gradient of the scalar-valued function f at the tensor x, as a tensor of x's shape (reverse mode).",
                example: "grad(fn(x) => sum(x * x), tensor([1, 2, 3]))") { a in
            let f = try a.function("f")
            let x = try a.tensor("x")
            // The tape's backward pass records nothing, so inside an outer grad's f the gradient
            // would be a constant and the outer derivative through it silently zero: refuse.
            if x.dependsOn(anyOf: a.runtime.activeGradLeaves) { throw nestedGrad }
            let leaf = x.detached().requiringGrad()
            a.runtime.activeGradLeaves.append(leaf)
            defer { a.runtime.activeGradLeaves.removeLast() }
            let output = try a.call(f, [.tensor(leaf)])
            let scalar: Tensor
            switch output {
            case .tensor(let t): scalar = t
            case .number: return .tensor(Tensor.zeros(like: leaf))
            default: throw BuiltinError("f must return a scalar tensor, got a \(output.typeName)")
            }
            guard scalar.count == 1 else { throw BuiltinError("f must return a scalar, got a tensor of shape \(scalar.shape)") }
            guard scalar.requiresGrad else { return .tensor(Tensor.zeros(like: leaf)) }
            if scalar.dependsOn(anyOf: a.runtime.activeGradLeaves.dropLast()) { throw nestedGrad }
            try scalar.backward()
            return .tensor(leaf.grad ?? Tensor.zeros(like: leaf))
        },
        Builtin("requires_grad(x)", topic: "autograd",
                doc: "x as a leaf of the autograd graph: after backward(loss), x.grad holds d loss / d x.",
                example: "let w = requires_grad(randn([3]))") { a in .tensor(try a.tensor("x").detached().requiringGrad()) },
        Builtin("backward(loss)", topic: "autograd",
                doc: "Reverse-mode differentiation from a scalar: adds into the .grad of every requires_grad leaf it depends on. Gradients accumulate until zero_grad.",
                example: "let w = requires_grad(tensor([1, 2]))\nbackward(sum(w * w))\nw.grad") { a in
            let loss = try a.tensor("loss")
            guard loss.requiresGrad else {
                throw BuiltinError("loss of shape \(loss.shape) does not depend on any tensor marked with requires_grad(x)")
            }
            // It would add into the gradient an enclosing grad(f, x) is computing.
            if loss.dependsOn(anyOf: a.runtime.activeGradLeaves) {
                throw BuiltinError("inside grad's function, a loss that depends on grad's input (second derivatives) is not supported")
            }
            try loss.backward()
            return .nil
        },
        Builtin("zero_grad(*leaves)", topic: "autograd", doc: "Clears the accumulated gradients of the given leaves.",
                example: "let w = requires_grad(ones([2]))\nzero_grad(w)") { a in
            for leaf in try a.list("leaves") { if case .tensor(let t) = leaf { t.zeroGrad() } }
            return .nil
        },
        Builtin("detach(x)", topic: "autograd", doc: "The same values cut off from the autograd graph.", example: "detach(requires_grad(ones([2])))") { a in
            .tensor(try a.tensor("x").detached())
        },
        Builtin("no_grad(f)", topic: "autograd",
                doc: "Runs f (usually a block: no_grad { … }) without recording the autograd graph, and returns its value.",
                example: "no_grad { sum(ones([3])) }") { a in
            let f = try a.function("f")
            return try GradMode.withoutGrad { try a.call(f, []) }
        },
    ]
}
