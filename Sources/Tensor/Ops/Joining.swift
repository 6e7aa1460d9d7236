/// Joining tensors along an axis and splitting them apart.
extension Tensor {
    /// The tensors laid end to end along an existing `axis` (negative counts from the end), as
    /// `torch.cat`: [2, 3] and [4, 3] along axis 0 give [6, 3].
    ///
    /// All tensors must have the same rank (at least 1) and equal extents off `axis`. The result
    /// is a new contiguous tensor; each input's gradient is its slice of the result's gradient.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError(op: "concat", "needs at least one tensor, got an empty list") }
        guard first.rank > 0 else {
            throw TensorError(op: "concat", "cannot join tensors of shape [] (scalars have no axis to join along); use stack")
        }
        let a = try Shape.axis(axis, rank: first.rank, op: "concat", shape: first.shape)
        var total = 0
        for (i, t) in tensors.enumerated() {
            guard t.rank == first.rank else {
                throw TensorError.shapeMismatch("concat", first.shape, t.shape, reason: "differ in rank (tensors 0 and \(i))")
            }
            for d in 0..<t.rank where d != a && t.shape[d] != first.shape[d] {
                throw TensorError.shapeMismatch("concat", first.shape, t.shape,
                                                reason: "differ on axis \(d), which is not the joining axis \(axis) (tensors 0 and \(i))")
            }
            let (sum, overflow) = total.addingReportingOverflow(t.shape[a])
            guard !overflow else { throw TensorError(op: "concat", "joined extent along axis \(axis) is too large for shape \(first.shape)") }
            total = sum
        }
        var shape = first.shape
        shape[a] = total
        let result = try empty(shape, op: "concat")
        var starts: [Int] = []
        starts.reserveCapacity(tensors.count)
        var start = 0
        for t in tensors {
            starts.append(start)
            t.copy(into: result.window(axis: a, start: start, extent: t.shape[a]))
            start += t.shape[a]
        }
        // The backward pass needs where each input sat, not the inputs themselves.
        let pieces = tensors.map { (extent: $0.shape[a], needed: $0.requiresGrad) }
        return result.recording("concat", tensors) { g in
            try zip(pieces, starts).map { piece, start in
                piece.needed ? try g.slice(axis: a, start: start, end: start + piece.extent) : nil
            }
        }
    }

    /// The tensors, which must share one shape, joined along a new axis at `axis`, as `torch.stack`:
    /// three [2, 4] tensors give [3, 2, 4] at axis 0 and [2, 4, 3] at axis 2 (or −1).
    ///
    /// `axis` lies in `-(rank + 1)...rank`; a negative axis means `rank + 1 + axis`. Each input's
    /// gradient is its slice of the result's gradient along the new axis.
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError(op: "stack", "needs at least one tensor, got an empty list") }
        let rank = first.rank
        let position = axis < 0 ? axis + rank + 1 : axis
        guard position >= 0, position <= rank else {
            throw TensorError(op: "stack", "axis \(axis) is out of range -\(rank + 1)...\(rank) for stacking tensors of shape \(first.shape)")
        }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError.shapeMismatch("stack", first.shape, t.shape, reason: "differ: stacked tensors must share one shape (tensors 0 and \(i))")
        }
        var shape = first.shape
        shape.insert(tensors.count, at: position)
        let result = try empty(shape, op: "stack")
        // Slot i of the new axis, seen with that axis dropped, has exactly the inputs' shape.
        var slotStrides = result.strides
        let step = slotStrides.remove(at: position)
        for (i, t) in tensors.enumerated() {
            t.copy(into: Tensor(storage: result.storage, shape: first.shape, strides: slotStrides, offset: i * step))
        }
        let needed = tensors.map(\.requiresGrad)
        return result.recording("stack", tensors) { g in
            try needed.indices.map { i in needed[i] ? try g.select(axis: position, index: i) : nil }
        }
    }

    /// Consecutive pieces along `axis` with the given extents, which must be non-negative and add
    /// up to the axis's extent, as `torch.split` with a list. The pieces are views sharing this
    /// tensor's storage, each differentiable like `slice`.
    public func split(sizes: [Int], axis: Int = 0) throws -> [Tensor] {
        let a = try Shape.axis(axis, rank: rank, op: "split", shape: shape)
        var total = 0
        for size in sizes {
            // Bounding each size by the extent keeps the running total from overflowing.
            guard size >= 0, size <= shape[a] - total else {
                throw TensorError(op: "split", "sizes \(sizes) do not add up to extent \(shape[a]) of axis \(axis) in shape \(shape)")
            }
            total += size
        }
        guard total == shape[a] else {
            throw TensorError(op: "split", "sizes \(sizes) do not add up to extent \(shape[a]) of axis \(axis) in shape \(shape)")
        }
        var start = 0
        return try sizes.map { size in
            defer { start += size }
            return try slice(axis: a, start: start, end: start + size)
        }
    }

    /// `parts` equal pieces along `axis`, as `torch.chunk` when the extent divides evenly; it must,
    /// or this throws. The pieces are views, as with `split(sizes:axis:)`.
    ///
    /// An empty axis splits only into one (empty) part: any other count would be arbitrary, and
    /// a huge one would allocate that many pieces.
    public func split(into parts: Int, axis: Int = 0) throws -> [Tensor] {
        let a = try Shape.axis(axis, rank: rank, op: "split", shape: shape)
        guard parts > 0, parts <= Swift.max(shape[a], 1), shape[a] % parts == 0 else {
            throw TensorError(op: "split", "extent \(shape[a]) of axis \(axis) in shape \(shape) does not split into \(parts) equal parts")
        }
        return try split(sizes: [Int](repeating: shape[a] / parts, count: parts), axis: a)
    }

    /// Positions `start ..< start + extent` of `axis` as a view, for kernels writing into a fresh
    /// result (no autograd, no bounds resolution: the caller guarantees the range).
    private func window(axis: Int, start: Int, extent: Int) -> Tensor {
        var windowShape = shape
        windowShape[axis] = extent
        return Tensor(storage: storage, shape: windowShape, strides: strides, offset: offset + start * strides[axis])
    }
}
