/// Choosing between elements by a condition.
extension Tensor {
    /// Elements of `a` where `condition` is non-zero, of `b` elsewhere, as `torch.where`.
    ///
    /// The three operands broadcast together NumPy-style; the result has the broadcast shape.
    /// A NaN condition counts as non-zero (it is not 0), as in PyTorch.
    /// Gradients flow to `a` and `b` at the positions each supplied (summed over broadcast axes);
    /// `condition` gets none.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let picked = try choosing("where", condition, a, b)
        // The backward pass needs the condition's values only, not its place in the graph, and
        // the operands' shapes only, not their storage.
        let mask = condition.detached()
        let (aShape, bShape, aNeeds, bNeeds) = (a.shape, b.shape, a.requiresGrad, b.requiresGrad)
        return picked.recording("where", [a, b]) { g in
            let zero = Tensor(0)
            return [aNeeds ? try choosing("where", mask, g, zero).summed(toShape: aShape) : nil,
                    bNeeds ? try choosing("where", mask, zero, g).summed(toShape: bShape) : nil]
        }
    }

    /// This tensor with `value` wherever `mask` is non-zero, as `torch.Tensor.masked_fill`.
    ///
    /// `mask` must broadcast to this tensor's shape (not beyond it): the result always has this
    /// tensor's shape. The gradient passes through unchanged except where the value was filled,
    /// where it is zero.
    public func maskedFill(_ mask: Tensor, value: Float) throws -> Tensor {
        let fitsInside = mask.rank <= rank && mask.shape.indices.allSatisfy { i in
            let extent = mask.shape[i]
            return extent == 1 || extent == shape[rank - mask.rank + i]
        }
        guard fitsInside else {
            throw TensorError.shapeMismatch("masked_fill", mask.shape, shape,
                                            reason: "are incompatible: the mask must broadcast to the tensor's shape")
        }
        let filled = try Tensor.choosing("masked_fill", mask, Tensor(value), self)
        let condition = mask.detached()
        return filled.recording("masked_fill", [self]) { g in
            [try Tensor.choosing("masked_fill", condition, Tensor(0), g)]
        }
    }

    /// `condition ? a : b` element-wise over the broadcast of all three, into a new contiguous
    /// tensor (no autograd).
    ///
    /// Operands are read in place through broadcast strides rather than expanded into copies: a
    /// mask [T, T] applied to scores [B, H, T, T] would otherwise cost two extra score-sized buffers.
    static func choosing(_ op: String, _ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape: [Int]
        do {
            shape = try Shape.broadcast(try Shape.broadcast(condition.shape, a.shape, op: op), b.shape, op: op)
        } catch {
            throw TensorError.shapeMismatch(op, condition.shape, a.shape, b.shape, reason: "cannot be broadcast together")
        }
        let result = try empty(shape, op: op)
        let (c, x, y, out) = (condition.base, a.base, b.base, result.base)
        if condition.shape == shape, a.shape == shape, b.shape == shape,
           condition.isContiguous, a.isContiguous, b.isContiguous {
            // One long row: split it across cores by elements, which the row walk below cannot.
            Parallel.forEachRange(result.count) { range in
                for i in range { out[i] = c[i] != 0 ? x[i] : y[i] }
            }
            return result
        }
        // Walking the three inputs in row-major order of `shape` visits the contiguous result in
        // order, so row r of the loop writes result elements r·rowLength ..< (r + 1)·rowLength.
        let loop = StridedLoop(shape: shape, strides: [
            Shape.broadcastStrides(shape: condition.shape, strides: condition.strides, to: shape),
            Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: shape),
            Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: shape),
        ])
        let length = loop.rowLength
        let (cStep, xStep, yStep) = (loop.innerStrides[0], loop.innerStrides[1], loop.innerStrides[2])
        Parallel.forEachRange(loop.rowCount, cost: length) { rows in
            var target = out + rows.lowerBound * length
            loop.forEachRow(in: rows) { cOffset, xOffset, yOffset in
                for i in 0..<length {
                    target[i] = c[cOffset + i * cStep] != 0 ? x[xOffset + i * xStep] : y[yOffset + i * yStep]
                }
                target += length
            }
        }
        return result
    }
}
