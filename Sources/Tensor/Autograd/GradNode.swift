import Synchronization

/// One entry of the autograd tape: how to send the gradient of a result back to its inputs.
///
/// Nodes are numbered in the order the forward pass creates them. An input is always created
/// before its result, so visiting nodes in decreasing number is a valid reverse pass.
final class GradNode {
    private static let counter = Atomic<Int>(0)

    let sequence: Int
    /// Name of the operation that made the tensor, for error messages.
    let op: String
    /// Inputs that require gradients, aligned with what `backward` returns; nil for the others.
    let inputs: [GradNode?]
    /// Maps the gradient of the result to gradients of each input. Nil for leaves.
    let backward: ((Tensor) throws -> [Tensor?])?
    /// Shape of the tensor this node belongs to.
    let shape: [Int]
    /// Accumulated gradient; kept only on leaves.
    var grad: Tensor?

    init(op: String, shape: [Int], inputs: [GradNode?], backward: ((Tensor) throws -> [Tensor?])?) {
        self.sequence = Self.counter.wrappingAdd(1, ordering: .relaxed).oldValue
        self.op = op
        self.shape = shape
        self.inputs = inputs
        self.backward = backward
    }

    var isLeaf: Bool { backward == nil }
}

extension Tensor {
    /// Whether gradients flow to this tensor.
    public var requiresGrad: Bool { node != nil }

    /// This tensor as a leaf of the autograd graph: `backward()` accumulates into its `grad`.
    public func requiringGrad() -> Tensor {
        var leaf = self
        leaf.node = GradNode(op: "leaf", shape: shape, inputs: [], backward: nil)
        return leaf
    }

    /// The same values, cut off from the autograd graph.
    public func detached() -> Tensor {
        var plain = self
        plain.node = nil
        return plain
    }

    /// Whether this tensor was computed, through recorded operations, from any of `leaves`
    /// (tensors made by `requiringGrad()`); a leaf depends on itself.
    public func dependsOn(anyOf leaves: [Tensor]) -> Bool {
        let targets = Set(leaves.compactMap { $0.node.map(ObjectIdentifier.init) })
        guard let root = node, !targets.isEmpty else { return false }
        var seen: Set<ObjectIdentifier> = [ObjectIdentifier(root)]
        var stack = [root]
        while let current = stack.popLast() {
            if targets.contains(ObjectIdentifier(current)) { return true }
            for case let input? in current.inputs where seen.insert(ObjectIdentifier(input)).inserted {
                stack.append(input)
            }
        }
        return false
    }

    /// The gradient accumulated into this leaf by `backward()`, if any.
    public var grad: Tensor? { node?.grad }

    /// Forgets this leaf's accumulated gradient.
    public func zeroGrad() { node?.grad = nil }

    /// Attaches `result` to the graph when grad mode is on and some input requires a gradient.
    ///
    /// `backward` receives the gradient of `result` and returns one gradient per input
    /// (in the inputs' shapes), or nil for inputs it does not reach.
    func recording(_ op: String, _ inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.enabled, inputs.contains(where: { $0.requiresGrad }) else { return self }
        var result = self
        result.node = GradNode(op: op, shape: shape, inputs: inputs.map(\.node), backward: backward)
        return result
    }
}
