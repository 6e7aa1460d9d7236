/// Operations that re-read existing storage with another shape or stride; none copies,
/// except `reshaped` of a non-contiguous tensor.
extension Tensor {
    /// The same elements with another shape; one extent may be -1 to infer it.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        let inferred = newShape.filter { $0 == -1 }.count
        guard inferred <= 1, newShape.allSatisfy({ $0 >= -1 }) else {
            throw TensorError(op: "reshape", "shape \(newShape) may hold at most one -1 and no other negative extent")
        }
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            var known = 1
            for extent in newShape where extent != -1 {
                let (product, overflow) = known.multipliedReportingOverflow(by: extent)
                guard !overflow else {
                    throw TensorError.shapeMismatch("reshape", shape, newShape, reason: "are incompatible (\(count) elements)")
                }
                known = product
            }
            guard known > 0, count % known == 0 else {
                throw TensorError.shapeMismatch("reshape", shape, newShape, reason: "are incompatible (\(count) elements)")
            }
            resolved[hole] = count / known
        }
        switch Result(catching: { try Shape.validate(resolved, op: "reshape") }) {
        case .success(count): break
        case .failure(let tooLarge) where count == 0: throw tooLarge  // both empty, but the other extents do not fit
        default: throw TensorError.shapeMismatch("reshape", shape, newShape, reason: "are incompatible: the tensor has \(count) elements")
        }
        let source = contiguous()
        let inputShape = shape
        return Tensor(storage: source.storage, shape: resolved, strides: Shape.contiguousStrides(resolved), offset: source.offset)
            .recording("reshape", [source]) { [try $0.reshaped(inputShape)] }
    }

    /// All elements as one axis.
    public func flattened() throws -> Tensor { try reshaped([count]) }

    /// Axes reordered: axis `i` of the result is axis `order[i]` of this tensor.
    public func permuted(_ order: [Int]) throws -> Tensor {
        let resolved = try order.map { try Shape.axis($0, rank: rank, op: "permute", shape: shape) }
        guard resolved.count == rank, Set(resolved).count == rank else {
            throw TensorError(op: "permute", "order \(order) is not a permutation of the \(rank) axes of shape \(shape)")
        }
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in resolved.enumerated() { inverse[axis] = i }
        return Tensor(storage: storage, shape: resolved.map { shape[$0] }, strides: resolved.map { strides[$0] }, offset: offset)
            .recording("permute", [self]) { [try $0.permuted(inverse)] }
    }

    /// Axes `first` and `second` swapped (the last two by default).
    public func transposed(_ first: Int = -2, _ second: Int = -1) throws -> Tensor {
        guard rank >= 2 else { throw TensorError(op: "transpose", "needs at least 2 axes, got shape \(shape)") }
        let a = try Shape.axis(first, rank: rank, op: "transpose", shape: shape)
        let b = try Shape.axis(second, rank: rank, op: "transpose", shape: shape)
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return try permuted(order)
    }

    /// Elements `start, start + step, …` before `end` along `axis`, with Python's rules for
    /// negative and missing bounds; a negative `step` walks backwards.
    public func slice(axis: Int, start: Int? = nil, end: Int? = nil, step: Int = 1) throws -> Tensor {
        let axis = try Shape.axis(axis, rank: rank, op: "slice", shape: shape)
        let (first, length) = try Tensor.slicePositions(extent: shape[axis], start: start, end: end, step: step)
        var newShape = shape
        var newStrides = strides
        newShape[axis] = length
        // With one element or none the stride is never used, and a huge step must not overflow it.
        newStrides[axis] = length > 1 ? strides[axis] * step : strides[axis]
        let newOffset = length > 0 ? offset + first * strides[axis] : offset
        let inputShape = shape
        return Tensor(storage: storage, shape: newShape, strides: newStrides, offset: newOffset)
            .recording("slice", [self]) { gradient in
                let full = Tensor.filled(inputShape, 0)
                let window = try full.slice(axis: axis, start: start, end: end, step: step)
                gradient.copy(into: window)
                return [full]
            }
    }

    /// Where the slice `start:end:step` of `extent` items begins and how many items it picks,
    /// with Python's rules for negative and missing bounds; a negative `step` walks backwards.
    /// Item `i` of the slice is at `first + i * step`, which cannot overflow.
    public static func slicePositions(extent: Int, start: Int?, end: Int?, step: Int) throws -> (first: Int, count: Int) {
        // Int.min has no positive counterpart to walk backwards by.
        guard step != 0, step != Int.min else { throw TensorError(op: "slice", "step \(step) is not allowed; use a non-zero step") }
        func resolve(_ bound: Int?, default value: Int, low: Int, high: Int) -> Int {
            guard let bound else { return value }
            let shifted = bound < 0 ? bound + extent : bound
            return Swift.min(Swift.max(shifted, low), high)
        }
        if step > 0 {
            let first = resolve(start, default: 0, low: 0, high: extent)
            let stop = resolve(end, default: extent, low: 0, high: extent)
            return (first, stop > first ? 1 + (stop - first - 1) / step : 0)
        }
        let first = resolve(start, default: extent - 1, low: -1, high: extent - 1)
        let stop = resolve(end, default: -1, low: -1, high: extent - 1)
        return (first, first > stop ? 1 + (first - stop - 1) / -step : 0)
    }

    /// The sub-tensor at position `index` of `axis`, with that axis removed.
    public func select(axis: Int, index: Int) throws -> Tensor {
        let resolvedAxis = try Shape.axis(axis, rank: rank, op: "select", shape: shape)
        let extent = shape[resolvedAxis]
        let position = index < 0 ? index + extent : index
        guard position >= 0, position < extent else {
            throw TensorError(op: "select", "index \(index) is out of range for axis \(axis) of shape \(shape)")
        }
        return try slice(axis: resolvedAxis, start: position, end: position + 1).squeezed(axis: resolvedAxis)
    }

    /// A view with extents of 1 repeated to `target` (and new leading axes), without copying.
    public func expanded(to target: [Int]) throws -> Tensor {
        guard target.count >= rank else {
            throw TensorError.shapeMismatch("expand", shape, target, reason: "are incompatible: the target has fewer axes")
        }
        let lead = target.count - rank
        for i in 0..<rank where shape[i] != target[lead + i] && shape[i] != 1 {
            throw TensorError.shapeMismatch("expand", shape, target, reason: "are incompatible: axis \(i) has extent \(shape[i]), not 1")
        }
        try Shape.validate(target, op: "expand")
        let inputShape = shape
        return Tensor(storage: storage, shape: target,
                      strides: Shape.broadcastStrides(shape: shape, strides: strides, to: target), offset: offset)
            .recording("expand", [self]) { [try $0.summed(toShape: inputShape)] }
    }

    /// A new axis of extent 1 at `axis` (which may equal the rank, or be negative).
    public func unsqueezed(axis: Int) throws -> Tensor {
        let position = try Shape.axis(axis, rank: rank + 1, op: "unsqueeze", shape: shape)
        var newShape = shape
        newShape.insert(1, at: position)
        return try reshaped(newShape)
    }

    /// `axis` removed, which must have extent 1; every extent-1 axis when `axis` is nil.
    public func squeezed(axis: Int? = nil) throws -> Tensor {
        guard let axis else { return try reshaped(shape.filter { $0 != 1 }) }
        let position = try Shape.axis(axis, rank: rank, op: "squeeze", shape: shape)
        guard shape[position] == 1 else {
            throw TensorError(op: "squeeze", "axis \(axis) has extent \(shape[position]), not 1, in shape \(shape)")
        }
        var newShape = shape
        newShape.remove(at: position)
        return try reshaped(newShape)
    }

    /// Writes this tensor's elements into `destination`, a view of the same shape (no autograd).
    func copy(into destination: Tensor) {
        let loop = StridedLoop(shape: shape, strides: [destination.strides, strides])
        let target = destination.base
        let source = base
        let length = loop.rowLength
        let outStep = loop.innerStrides[0]
        let inStep = loop.innerStrides[1]
        loop.forEachRowInParallel { outOffset, inOffset, _ in
            for i in 0..<length { target[outOffset + i * outStep] = source[inOffset + i * inStep] }
        }
    }
}
