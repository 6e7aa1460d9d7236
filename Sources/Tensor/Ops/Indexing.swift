/// Reading and writing elements at positions held in index tensors.
///
/// Tensors are Float32, so indices are Float tensors holding whole numbers in `0..<extent`
/// (exact up to 2²⁴). Anything else — a fraction, a negative number (no counting from the end),
/// NaN, infinity, a position past the end — is an error naming the operation, the index and
/// the shape.
extension Tensor {
    /// The slices of this tensor at `indices` along `axis`, in that order, as `torch.index_select`.
    ///
    /// `indices` is 1-D and may repeat positions; the result is this tensor's shape with
    /// `indices.count` in place of the axis's extent: [4, 3] with indices [3, 1, 3] on axis 0
    /// gives [3, 3]. The gradient adds each result slice back into the slice it came from, so
    /// repeated indices accumulate.
    public func indexSelect(axis: Int, indices: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "index_select", shape: shape)
        guard indices.rank == 1 else {
            throw TensorError(op: "index_select", "indices must be 1-D, got shape \(indices.shape) for a tensor of shape \(shape)")
        }
        let picked = try Tensor.positions(indices, extent: shape[a], op: "index_select", axis: axis, shape: shape)
        var resultShape = shape
        resultShape[a] = picked.count
        let result = try Tensor.empty(resultShape, op: "index_select")
        // As [outer, extent, inner] around the axis, each pick is `outer` contiguous runs of `inner`.
        let source = contiguous()
        let (outer, extent, inner) = (Shape.count(Array(shape[..<a])), shape[a], Shape.count(Array(shape[(a + 1)...])))
        let (from, to) = (source.base, result.base)
        Parallel.forEachRange(outer * picked.count, cost: inner) { runs in
            for run in runs {
                let (o, j) = run.quotientAndRemainder(dividingBy: picked.count)
                (to + run * inner).update(from: from + (o * extent + picked[j]) * inner, count: inner)
            }
        }
        let inputShape = shape
        return result.recording("index_select", [self]) { g in
            let gradient = Tensor.filled(inputShape, 0)
            let incoming = g.contiguous()
            let (into, added) = (gradient.base, incoming.base)
            // Serial: repeated indices add into the same slice.
            for o in 0..<outer {
                for (j, row) in picked.enumerated() {
                    Tensor.accumulate(into + (o * extent + row) * inner, added + (o * picked.count + j) * inner, count: inner)
                }
            }
            return [gradient]
        }
    }

    /// Rows of `weight` [vocabulary, dimension] looked up by the token ids in `ids`, as
    /// `torch.nn.functional.embedding`.
    ///
    /// `ids` may have any shape (a scalar too); the result has shape `ids.shape + [dimension]`.
    /// The gradient adds each result row into the weight row it was read from, so repeated ids
    /// accumulate; `ids` gets none.
    public static func embedding(_ weight: Tensor, ids: Tensor) throws -> Tensor {
        guard weight.rank == 2 else {
            throw TensorError(op: "embedding", "weight must be [vocabulary, dimension], got shape \(weight.shape) (ids of shape \(ids.shape))")
        }
        let (vocabulary, dimension) = (weight.shape[0], weight.shape[1])
        let rows = try positions(ids, extent: vocabulary, op: "embedding", axis: 0, shape: weight.shape, noun: "token id")
        let result = try empty(ids.shape + [dimension], op: "embedding")  // ids.shape + [dimension]
        let table = weight.contiguous()
        let (from, to) = (table.base, result.base)
        Parallel.forEachRange(rows.count, cost: dimension) { range in
            for i in range { (to + i * dimension).update(from: from + rows[i] * dimension, count: dimension) }
        }
        let weightShape = weight.shape
        return result.recording("embedding", [weight]) { g in
            let gradient = Tensor.filled(weightShape, 0)  // [vocabulary, dimension]
            let incoming = g.contiguous()                 // ids.shape + [dimension]
            let (into, added) = (gradient.base, incoming.base)
            for (i, row) in rows.enumerated() {
                accumulate(into + row * dimension, added + i * dimension, count: dimension)
            }
            return [gradient]
        }
    }

    /// `result[…, i, …] = self[…, indices[…, i, …], …]` with the index replacing position `i` on
    /// `axis`, as `torch.gather`.
    ///
    /// `indices` has this tensor's rank and, off `axis`, extents no larger than this tensor's;
    /// the result has the shape of `indices`. Picking the target token's log-probability:
    /// logits [T, V] gathered on axis 1 with indices [T, 1] give [T, 1]. The gradient is the
    /// result's gradient scatter-added into zeros of this tensor's shape.
    public func gather(axis: Int, indices: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "gather", shape: shape)
        try Tensor.checkIndexShape("gather", indices.shape, against: shape, axis: a, role: "the tensor")
        let picked = try Tensor.positions(indices, extent: shape[a], op: "gather", axis: axis, shape: shape)
        let result = try Tensor.empty(indices.shape, op: "gather")
        // Walk this tensor over the index positions with the gather axis pinned at 0, then step
        // along the axis by each picked index.
        var pinned = strides
        pinned[a] = 0
        let axisStride = strides[a]
        let loop = StridedLoop(shape: indices.shape, strides: [pinned])
        let (from, to) = (base, result.base)
        let (length, step) = (loop.rowLength, loop.innerStrides[0])
        Parallel.forEachRange(loop.rowCount, cost: length) { rows in
            var flat = rows.lowerBound * length
            loop.forEachRow(in: rows) { rowOffset, _, _ in
                for i in 0..<length { to[flat + i] = from[rowOffset + i * step + picked[flat + i] * axisStride] }
                flat += length
            }
        }
        let inputShape = shape
        return result.recording("gather", [self]) { g in
            [try Tensor.filled(inputShape, 0).scatterAdd(axis: a, indices: indices, source: g)]
        }
    }

    /// This tensor with `source[…, i, …]` added at `[…, indices[…, i, …], …]` (the index
    /// replacing position `i` on `axis`), as `torch.Tensor.scatter_add` but returning a new tensor.
    ///
    /// `indices` has this tensor's rank, extents no larger than `source`'s, and off `axis` no
    /// larger than this tensor's; only the part of `source` covered by `indices` is read.
    /// Repeated positions accumulate. Gradients: this tensor's is the result's gradient
    /// unchanged; `source`'s is that gradient gathered at `indices` (zero where not read).
    public func scatterAdd(axis: Int, indices: Tensor, source: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "scatter_add", shape: shape)
        guard source.rank == rank else {
            throw TensorError.shapeMismatch("scatter_add", shape, source.shape, reason: "differ in rank: source must have the tensor's rank")
        }
        try Tensor.checkIndexShape("scatter_add", indices.shape, against: source.shape, axis: nil, role: "source")
        try Tensor.checkIndexShape("scatter_add", indices.shape, against: shape, axis: a, role: "the tensor")
        let picked = try Tensor.positions(indices, extent: shape[a], op: "scatter_add", axis: axis, shape: shape)
        let result = Tensor(uninitializedShape: shape)
        detached().copy(into: result)
        var pinned = result.strides
        pinned[a] = 0
        let axisStride = result.strides[a]
        let loop = StridedLoop(shape: indices.shape, strides: [pinned, source.strides])
        let (to, from) = (result.base, source.base)
        let (length, targetStep, sourceStep) = (loop.rowLength, loop.innerStrides[0], loop.innerStrides[1])
        var flat = 0
        // Serial: two index positions may name the same target element.
        loop.forEachRow(in: 0..<loop.rowCount) { targetOffset, sourceOffset, _ in
            for i in 0..<length {
                to[targetOffset + i * targetStep + picked[flat + i] * axisStride] += from[sourceOffset + i * sourceStep]
            }
            flat += length
        }
        let (sourceShape, sourceNeeded) = (source.shape, source.requiresGrad)
        return result.recording("scatter_add", [self, source]) { g in
            guard sourceNeeded else { return [g, nil] }
            let gathered = try g.gather(axis: a, indices: indices)  // indices.shape
            if gathered.shape == sourceShape { return [g, gathered] }
            // Source elements outside the indices' extent were never read: their gradient is 0.
            let padded = Tensor.filled(sourceShape, 0)
            var window = padded
            for d in 0..<indices.rank { window = try window.slice(axis: d, end: indices.shape[d]) }
            gathered.copy(into: window)
            return [g, padded]
        }
    }

    /// The whole-number values of `indices`, each checked to lie in `0..<extent`.
    private static func positions(_ indices: Tensor, extent: Int, op: String, axis: Int, shape: [Int],
                                  noun: String = "index") throws -> [Int] {
        let values = indices.scalars
        var result: [Int] = []
        result.reserveCapacity(values.count)
        for value in values {
            guard value.isFinite, value.rounded() == value else {
                throw TensorError(op: op, "\(noun) \(value) is not a whole number; indices of shape \(indices.shape) must hold whole numbers in 0..<\(extent) for axis \(axis) of shape \(shape)")
            }
            // Comparing as Float first keeps the Int conversion in range for any finite value.
            guard value >= 0, value < Float(extent), Int(value) < extent else {
                let shown = value.magnitude < 1e15 ? "\(Int(value))" : "\(value)"
                throw TensorError(op: op, "\(noun) \(shown) is out of range 0..<\(extent) for axis \(axis) of shape \(shape)")
            }
            result.append(Int(value))
        }
        return result
    }

    /// Checks torch's rules for an index tensor: the same rank as `reference`, and extents no
    /// larger than `reference`'s (except on `axis`, when given).
    private static func checkIndexShape(_ op: String, _ indexShape: [Int], against reference: [Int], axis: Int?, role: String) throws {
        guard indexShape.count == reference.count else {
            throw TensorError.shapeMismatch(op, indexShape, reference, reason: "differ in rank: indices must have the rank of \(role)")
        }
        for d in 0..<indexShape.count where d != axis && indexShape[d] > reference[d] {
            throw TensorError.shapeMismatch(op, indexShape, reference,
                                            reason: "are incompatible: indices extent \(indexShape[d]) exceeds \(role)'s \(reference[d]) on axis \(d)")
        }
    }

    /// `target[k] += values[k]` for `count` elements, eight lanes at a time.
    @inline(__always)
    private static func accumulate(_ target: UnsafeMutablePointer<Float>, _ values: UnsafePointer<Float>, count: Int) {
        var k = 0
        while k + 8 <= count {
            VectorMath.store(VectorMath.load(target + k) + VectorMath.load(values + k), target + k)
            k += 8
        }
        while k < count {
            target[k] += values[k]
            k += 1
        }
    }
}
