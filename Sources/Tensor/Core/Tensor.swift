/// An N-dimensional Float32 array with reverse-mode autograd.
///
/// A tensor is a value: operations return new tensors and never change their operands.
/// Views (`transposed`, `permuted`, `slice`, `expanded`, `reshaped` of contiguous data)
/// share storage with their source and copy only when a kernel needs contiguous memory.
public struct Tensor {
    /// Extent of each axis; `[]` for a scalar.
    public let shape: [Int]
    /// Elements to skip in storage to step one along each axis; 0 on broadcast axes.
    public let strides: [Int]
    /// Position of element `[0, 0, …]` in `storage`.
    public let offset: Int
    /// The shared buffer.
    public let storage: TensorStorage
    /// Where this tensor sits in the autograd graph; nil when it needs no gradient.
    var node: GradNode?

    init(storage: TensorStorage, shape: [Int], strides: [Int], offset: Int, node: GradNode? = nil) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.node = node
    }

    /// A contiguous tensor with unspecified contents; the caller fills every element.
    init(uninitializedShape shape: [Int]) {
        self.init(storage: TensorStorage(uninitializedCount: Shape.count(shape)),
                  shape: shape, strides: Shape.contiguousStrides(shape), offset: 0)
    }

    /// A contiguous tensor with unspecified contents, after checking that `shape` is valid and fits in memory.
    static func empty(_ shape: [Int], op: String) throws -> Tensor {
        try Shape.validate(shape, op: op)
        return Tensor(uninitializedShape: shape)
    }

    /// A rank-0 tensor holding `value`.
    public init(_ value: Float) {
        self.init(storage: TensorStorage(count: 1, repeating: value), shape: [], strides: [], offset: 0)
    }

    /// A tensor of `shape` holding `values` in row-major order.
    public init(_ values: [Float], shape: [Int]) throws {
        let count = try Shape.validate(shape, op: "tensor")
        guard values.count == count else {
            throw TensorError(op: "tensor", "\(values.count) values cannot fill shape \(shape) (\(count) elements)")
        }
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.update(from: base, count: count) }
        }
    }

    /// A 1-D tensor holding `values`.
    public init(_ values: [Float]) {
        self.init(uninitializedShape: [values.count])
        values.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { storage.pointer.update(from: base, count: values.count) }
        }
    }

    /// Number of axes.
    public var rank: Int { shape.count }
    /// Number of elements.
    public var count: Int { Shape.count(shape) }

    /// Whether the elements lie in storage in row-major order with no gaps.
    public var isContiguous: Bool {
        var expected = 1
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] != 1 {
            if strides[axis] != expected { return false }
            expected *= shape[axis]
        }
        return true
    }

    /// Pointer to element `[0, 0, …]`.
    var base: UnsafeMutablePointer<Float> { storage.pointer + offset }

    /// The elements in row-major order.
    public var scalars: [Float] {
        let dense = contiguous()
        return Array(UnsafeBufferPointer(start: dense.base, count: dense.count))
    }

    /// The single element of a one-element tensor.
    public func item() throws -> Float {
        guard count == 1 else { throw TensorError(op: "item", "tensor of shape \(shape) has \(count) elements, not 1") }
        return base.pointee
    }

    /// The element at `index` (negative entries count from the end).
    public func element(at index: [Int]) throws -> Float {
        guard index.count == rank else {
            throw TensorError(op: "element", "index \(index) has \(index.count) entries for a tensor of shape \(shape)")
        }
        var position = offset
        for axis in 0..<rank {
            let i = index[axis] < 0 ? index[axis] + shape[axis] : index[axis]
            guard i >= 0, i < shape[axis] else {
                throw TensorError(op: "element", "index \(index[axis]) is out of range for axis \(axis) of shape \(shape)")
            }
            position += i * strides[axis]
        }
        return storage.pointer[position]
    }
}
