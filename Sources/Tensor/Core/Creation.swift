/// Values for a tensor written as nested lists, e.g. `[[1, 2], [3, 4]]`.
public indirect enum NestedValues: ExpressibleByArrayLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    case scalar(Float)
    case list([NestedValues])

    public init(arrayLiteral elements: NestedValues...) { self = .list(elements) }
    public init(floatLiteral value: Float) { self = .scalar(value) }
    public init(integerLiteral value: Int) { self = .scalar(Float(value)) }
}

extension Tensor {
    /// A tensor from nested lists, which must be rectangular: `Tensor(nested: [[1, 2], [3, 4]])` has shape [2, 2].
    public init(nested: NestedValues) throws {
        try self.init(nestedTree: nested, items: { node in
            if case .list(let items) = node { return items } else { return nil }
        }, scalar: { node in
            if case .scalar(let x) = node { return x } else { return 0 }
        })
    }

    /// A tensor from a rectangular tree of any kind of node, flattened straight into the tensor's
    /// buffer: `items` gives a node's children (nil for a leaf) and `scalar` a leaf's value. The
    /// shape is read down the first children and its size checked before any leaf is read, as
    /// nodes may share their children: a few of them can describe billions of numbers.
    public init<Node>(nestedTree root: Node, items: (Node) -> [Node]?, scalar: (Node) throws -> Float) throws {
        var shape: [Int] = []
        var level = root
        while let children = items(level) {
            shape.append(children.count)
            guard let first = children.first else { break }
            level = first
        }
        var values: [Float] = []
        values.reserveCapacity(try Shape.validate(shape, op: "tensor"))
        func flatten(_ node: Node, depth: Int, path: [Int]) throws {
            guard let children = items(node) else {
                guard depth == shape.count else {
                    throw TensorError(op: "tensor", "ragged nested list: a number at \(path) where shape \(shape) expects a list")
                }
                values.append(try scalar(node))
                return
            }
            guard depth < shape.count, children.count == shape[depth] else {
                throw TensorError(op: "tensor", "ragged nested list: \(children.count) items at \(path), expected shape \(shape)")
            }
            for (i, child) in children.enumerated() { try flatten(child, depth: depth + 1, path: path + [i]) }
        }
        try flatten(root, depth: 0, path: [])
        try self.init(values, shape: shape)
    }

    /// A tensor of `shape` whose `count` row-major elements `fill` writes, every one of them,
    /// straight into the new buffer: decoders of model files need no intermediate array.
    public init(shape: [Int], filling fill: (UnsafeMutablePointer<Float>) throws -> Void) throws {
        try Shape.validate(shape, op: "tensor")
        self.init(uninitializedShape: shape)
        try fill(base)
    }

    /// A tensor of an already validated `shape` with every element `value`.
    static func filled(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(storage: TensorStorage(count: Shape.count(shape), repeating: value),
               shape: shape, strides: Shape.contiguousStrides(shape), offset: 0)
    }

    /// A tensor of `shape` with every element `value`.
    public static func full(_ shape: [Int], value: Float) throws -> Tensor { try full(shape, value: value, op: "full") }

    // Errors name the function the caller used (`zeros: negative extent`), not `full`.
    public static func zeros(_ shape: [Int]) throws -> Tensor { try full(shape, value: 0, op: "zeros") }
    public static func ones(_ shape: [Int]) throws -> Tensor { try full(shape, value: 1, op: "ones") }

    private static func full(_ shape: [Int], value: Float, op: String) throws -> Tensor {
        try Shape.validate(shape, op: op)
        return filled(shape, value)
    }

    /// Zeros in the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { filled(other.shape, 0) }
    /// Ones in the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { filled(other.shape, 1) }

    /// `0, 1, …, end − 1`.
    public static func arange(_ end: Float) throws -> Tensor { try arange(0, end) }

    /// `start, start + step, …` up to but excluding `end`, as NumPy's arange.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) throws -> Tensor {
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw TensorError(op: "arange", "needs finite bounds and a non-zero step, got start \(start), end \(end), step \(step)")
        }
        // Finite Float operands keep this finite in Double, but it may lie far outside Int's range
        // either way: a step pointing away from `end` gives a hugely negative count, which is empty.
        let exact = ((Double(end) - Double(start)) / Double(step)).rounded(.up)
        guard exact < Double(Shape.maximumCount) else {
            throw TensorError(op: "arange", "start \(start), end \(end), step \(step) give too many elements")
        }
        let n = exact > 0 ? Int(exact) : 0
        let result = try empty([n], op: "arange")
        for i in 0..<n { result.storage.pointer[i] = Float(Double(start) + Double(i) * Double(step)) }
        return result
    }

    /// `count` evenly spaced values from `start` to `end` inclusive, as NumPy's linspace.
    public static func linspace(_ start: Float, _ end: Float, count: Int) throws -> Tensor {
        guard count >= 0 else { throw TensorError(op: "linspace", "count must be non-negative, got \(count)") }
        let result = try empty([count], op: "linspace")
        let step = count > 1 ? (Double(end) - Double(start)) / Double(count - 1) : 0
        for i in 0..<count { result.storage.pointer[i] = Float(Double(start) + Double(i) * step) }
        if count > 1 { result.storage.pointer[count - 1] = end }
        return result
    }

    /// The `rows × columns` identity matrix (square when `columns` is nil).
    public static func eye(_ rows: Int, _ columns: Int? = nil) throws -> Tensor {
        let columns = columns ?? rows
        let result = try full([rows, columns], value: 0, op: "eye")
        for i in 0..<Swift.min(rows, columns) { result.storage.pointer[i * columns + i] = 1 }
        return result
    }
}
