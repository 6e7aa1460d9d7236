extension Tensor {
    /// Reverse-mode differentiation from this scalar: adds d(self)/d(leaf) into the `grad` of every
    /// leaf that requires a gradient.
    ///
    /// Gradients accumulate across calls, as in PyTorch; use `zeroGrad()` between steps.
    /// - Parameter seed: the gradient of some outer scalar with respect to this tensor; needed
    ///   only when this tensor is not a scalar.
    public func backward(seed: Tensor? = nil) throws {
        guard let root = node else {
            throw TensorError(op: "backward", "tensor of shape \(shape) does not require grad: nothing it was computed from requires a gradient")
        }
        let initial: Tensor
        if let seed {
            guard seed.shape == shape else {
                throw TensorError.shapeMismatch("backward", seed.shape, shape, reason: "differ: the seed must have the tensor's shape")
            }
            initial = seed.detached()
        } else {
            guard count == 1 else {
                throw TensorError(op: "backward", "needs a scalar (one element), got shape \(shape); reduce it first or pass a seed")
            }
            initial = Tensor.ones(like: self)
        }

        let order = Self.reverseTape(from: root)
        var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): initial]
        try GradMode.withoutGrad {
            for node in order {
                guard let gradient = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
                guard let backward = node.backward else {
                    node.grad = try node.grad.map { try $0 + gradient } ?? gradient.contiguous()
                    continue
                }
                let inputGradients = try backward(gradient)
                for (input, inputGradient) in zip(node.inputs, inputGradients) {
                    guard let input, let inputGradient else { continue }
                    guard inputGradient.shape == input.shape else {
                        throw TensorError(op: "backward", "gradient of \(node.op) has shape \(inputGradient.shape), expected \(input.shape)")
                    }
                    let key = ObjectIdentifier(input)
                    pending[key] = try pending[key].map { try $0 + inputGradient } ?? inputGradient
                }
            }
        }
    }

    /// Every node reachable from `root`, latest first: the tape read backwards.
    private static func reverseTape(from root: GradNode) -> [GradNode] {
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack = [root]
        var nodes: [GradNode] = []
        while let node = stack.popLast() {
            nodes.append(node)
            for case let input? in node.inputs where seen.insert(ObjectIdentifier(input)).inserted {
                stack.append(input)
            }
        }
        return nodes.sorted { $0.sequence > $1.sequence }
    }
}
