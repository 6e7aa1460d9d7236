/// Joining tensors along an axis and splitting them apart.
extension Tensor {
    /// The tensors laid end to end along `axis`; all other extents must match.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError(op: "concat", "needs at least one tensor") }
        guard first.rank > 0 else { throw TensorError(op: "concat", "cannot join scalars; use stack") }
        let a = try Shape.axis(axis, rank: first.rank, op: "concat", shape: first.shape)
        for t in tensors {
            var expected = first.shape, actual = t.shape
            guard actual.count == expected.count else {
                throw TensorError.shapeMismatch("concat", first.shape, t.shape, reason: "have different ranks")
            }
            expected[a] = 0
            actual[a] = 0
            guard actual == expected else {
                throw TensorError.shapeMismatch("concat", first.shape, t.shape, reason: "differ outside axis \(axis)")
            }
        }
        var shape = first.shape
        shape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let result = try empty(shape, op: "concat")
        var starts: [Int] = []
        var start = 0
        for t in tensors {
            starts.append(start)
            t.copy(into: try result.slice(axis: a, start: start, end: start + t.shape[a]))
            start += t.shape[a]
        }
        return result.recording("concat", tensors) { g in
            try zip(tensors, starts).map { t, start in
                t.requiresGrad ? try g.slice(axis: a, start: start, end: start + t.shape[a]) : nil
            }
        }
    }

    /// The tensors, which must share one shape, along a new axis at `axis`.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError(op: "stack", "needs at least one tensor") }
        for t in tensors where t.shape != first.shape {
            throw TensorError.shapeMismatch("stack", first.shape, t.shape, reason: "differ: stacked tensors must share one shape")
        }
        let position = try Shape.axis(axis, rank: first.rank + 1, op: "stack", shape: first.shape)
        return try concat(try tensors.map { try $0.unsqueezed(axis: position) }, axis: position)
    }

    /// Consecutive pieces along `axis` with the given extents, which must add up to the axis; views, not copies.
    public func split(sizes: [Int], axis: Int = 0) throws -> [Tensor] {
        let a = try Shape.axis(axis, rank: rank, op: "split", shape: shape)
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= shape[a] }), sizes.reduce(0, +) == shape[a] else {
            throw TensorError(op: "split", "sizes \(sizes) do not add up to extent \(shape[a]) of axis \(axis) in shape \(shape)")
        }
        var start = 0
        return try sizes.map { size in
            defer { start += size }
            return try slice(axis: a, start: start, end: start + size)
        }
    }

    /// `parts` equal pieces along `axis`; the extent must divide evenly.
    public func split(into parts: Int, axis: Int = 0) throws -> [Tensor] {
        let a = try Shape.axis(axis, rank: rank, op: "split", shape: shape)
        guard parts > 0, shape[a] % parts == 0 else {
            throw TensorError(op: "split", "extent \(shape[a]) of axis \(axis) in shape \(shape) does not split into \(parts) equal parts")
        }
        return try split(sizes: [Int](repeating: shape[a] / parts, count: parts), axis: a)
    }
}
