import Foundation

/// Reading and writing elements at positions held in index tensors.
///
/// Tensors are Float32, so indices are Float tensors holding whole numbers in `0..<extent`
/// (exact up to 2²⁴). Anything else — a fraction, a negative number, NaN, a position past the
/// end — is an error naming the operation, the index and the shape.
extension Tensor {
    /// The whole-number values of `indices`, each checked against `extent`.
    private static func positions(_ indices: Tensor, extent: Int, op: String, shape: [Int], axis: Int) throws -> [Int] {
        try indices.scalars.map { value in
            guard value.rounded() == value, value >= 0, value < Float(extent) else {
                throw TensorError(op: op, "index \(value) is not a whole number in 0..<\(extent) for axis \(axis) of shape \(shape)")
            }
            return Int(value)
        }
    }

    /// The slices at `indices` (1-D) along `axis`, in that order; repeats allowed.
    /// The result has `indices.count` in place of the axis's extent.
    public func indexSelect(axis: Int, indices: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "index_select", shape: shape)
        guard indices.rank == 1 else {
            throw TensorError(op: "index_select", "indices must be 1-D, got shape \(indices.shape)")
        }
        let picked = try Tensor.positions(indices, extent: shape[a], op: "index_select", shape: shape, axis: axis)
        var resultShape = shape
        resultShape[a] = picked.count
        let result = try Tensor.empty(resultShape, op: "index_select")
        let source = contiguous()
        let (outer, extent, inner) = (Shape.count(Array(shape[..<a])), shape[a], Shape.count(Array(shape[(a + 1)...])))
        let (from, to) = (source.base, result.base)
        for o in 0..<outer {
            for (j, row) in picked.enumerated() {
                (to + (o * picked.count + j) * inner).update(from: from + (o * extent + row) * inner, count: inner)
            }
        }
        let inputShape = shape
        return result.recording("index_select", [self]) { g in
            let gradient = Tensor.filled(inputShape, 0)
            let incoming = g.contiguous()
            let (into, added) = (gradient.base, incoming.base)
            for o in 0..<outer {
                for (j, row) in picked.enumerated() {
                    let target = into + (o * extent + row) * inner
                    let values = added + (o * picked.count + j) * inner
                    for k in 0..<inner { target[k] += values[k] }
                }
            }
            return [gradient]
        }
    }

    /// Rows of `weight` [vocabulary, dimension] looked up by the token ids in `ids` (any shape):
    /// the result has shape `ids.shape + [dimension]`. Gradients add into the rows that were read.
    public static func embedding(_ weight: Tensor, ids: Tensor) throws -> Tensor {
        guard weight.rank == 2 else {
            throw TensorError(op: "embedding", "weight must be [vocabulary, dimension], got shape \(weight.shape)")
        }
        do {
            return try weight.indexSelect(axis: 0, indices: try ids.flattened()).reshaped(ids.shape + [weight.shape[1]])
        } catch let error as TensorError where error.op == "index_select" {
            throw TensorError(op: "embedding", "token id out of range: \(error.message)")
        }
    }

    /// `result[…, i, …] = self[…, indices[…, i, …], …]` along `axis`, as torch.gather: `indices`
    /// has this tensor's rank and, off `axis`, extents no larger than this tensor's; the result
    /// has the shape of `indices`.
    public func gather(axis: Int, indices: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "gather", shape: shape)
        try Tensor.checkIndexShape("gather", indices.shape, against: shape, axis: a)
        let picked = try Tensor.positions(indices, extent: shape[a], op: "gather", shape: shape, axis: axis)
        let result = try Tensor.empty(indices.shape, op: "gather")
        let (from, to) = (base, result.base)
        Tensor.forEachIndexPosition(indices.shape) { flat, position in
            var offset = 0
            for d in 0..<position.count { offset += (d == a ? picked[flat] : position[d]) * strides[d] }
            to[flat] = from[offset]
        }
        let inputShape = shape
        return result.recording("gather", [self]) { g in
            [try Tensor.zeros(inputShape).scatterAdd(axis: a, indices: indices, source: g)]
        }
    }

    /// This tensor with `source[…, i, …]` added at `[…, indices[…, i, …], …]` along `axis`, as
    /// torch.scatter_add (out of place). Repeated positions accumulate. `indices` has this
    /// tensor's rank, extents no larger than `source`'s, and off `axis` no larger than this tensor's.
    public func scatterAdd(axis: Int, indices: Tensor, source: Tensor) throws -> Tensor {
        let a = try Shape.axis(axis, rank: rank, op: "scatter_add", shape: shape)
        guard source.rank == rank else {
            throw TensorError.shapeMismatch("scatter_add", shape, source.shape, reason: "differ in rank: source must match the tensor's rank")
        }
        try Tensor.checkIndexShape("scatter_add", indices.shape, against: source.shape, axis: nil)
        try Tensor.checkIndexShape("scatter_add", indices.shape, against: shape, axis: a)
        let picked = try Tensor.positions(indices, extent: shape[a], op: "scatter_add", shape: shape, axis: axis)
        let result = Tensor(uninitializedShape: shape)
        detached().copy(into: result)
        let (to, from) = (result.base, source.base)
        let (targetStrides, sourceStrides) = (result.strides, source.strides)
        Tensor.forEachIndexPosition(indices.shape) { flat, position in
            var target = 0, read = 0
            for d in 0..<position.count {
                target += (d == a ? picked[flat] : position[d]) * targetStrides[d]
                read += position[d] * sourceStrides[d]
            }
            to[target] += from[read]
        }
        return result.recording("scatter_add", [self, source]) { g in
            guard source.requiresGrad else { return [g, nil] }
            let gathered = try g.gather(axis: a, indices: indices)
            if gathered.shape == source.shape { return [g, gathered] }
            let padded = Tensor.filled(source.shape, 0)
            var window = padded
            for d in 0..<indices.rank { window = try window.slice(axis: d, end: indices.shape[d]) }
            gathered.copy(into: window)
            return [g, padded]
        }
    }

    /// Checks torch's rules for an index tensor: the same rank as `reference`, and extents no
    /// larger than `reference`'s (except on `axis`, when given).
    private static func checkIndexShape(_ op: String, _ indexShape: [Int], against reference: [Int], axis: Int?) throws {
        guard indexShape.count == reference.count else {
            throw TensorError.shapeMismatch(op, indexShape, reference, reason: "differ in rank: indices must have the tensor's rank")
        }
        for d in 0..<indexShape.count where d != axis && indexShape[d] > reference[d] {
            throw TensorError.shapeMismatch(op, indexShape, reference,
                                            reason: "are incompatible: indices extent \(indexShape[d]) exceeds \(reference[d]) on axis \(d)")
        }
    }

    /// Calls `body(flatIndex, multiIndex)` for every position of `shape` in row-major order.
    private static func forEachIndexPosition(_ shape: [Int], _ body: (Int, [Int]) -> Void) {
        let total = Shape.count(shape)
        guard total > 0 else { return }
        var position = [Int](repeating: 0, count: shape.count)
        for flat in 0..<total {
            body(flat, position)
            var d = shape.count - 1
            while d >= 0 {
                position[d] += 1
                if position[d] < shape[d] { break }
                position[d] = 0
                d -= 1
            }
        }
    }
}
