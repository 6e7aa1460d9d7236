/// Choosing between elements by a condition.
extension Tensor {
    /// Elements of `a` where `condition` is non-zero, of `b` elsewhere; the three broadcast together.
    /// Gradients flow to `a` and `b` at the positions each supplied; `condition` gets none.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Shape.broadcast(try Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        try Shape.validate(shape, op: "where")
        let (c, x, y) = (try condition.detached().expanded(to: shape).contiguous(),
                         try a.detached().expanded(to: shape).contiguous(),
                         try b.detached().expanded(to: shape).contiguous())
        let result = Tensor(uninitializedShape: shape)
        let (cp, xp, yp, out) = (c.base, x.base, y.base, result.base)
        Parallel.forEachRange(result.count) { range in
            for i in range { out[i] = cp[i] != 0 ? xp[i] : yp[i] }
        }
        return result.recording("where", [a, b]) { g in
            let zero = Tensor(0)
            return [a.requiresGrad ? try Tensor.where(c, g, zero).summed(toShape: a.shape) : nil,
                    b.requiresGrad ? try Tensor.where(c, zero, g).summed(toShape: b.shape) : nil]
        }
    }

    /// This tensor with `value` wherever `mask` (broadcast to this shape) is non-zero.
    public func maskedFill(_ mask: Tensor, value: Float) throws -> Tensor {
        guard try Shape.broadcast(shape, mask.shape, op: "masked_fill") == shape else {
            throw TensorError.shapeMismatch("masked_fill", mask.shape, shape, reason: "differ: the mask must broadcast to the tensor's shape")
        }
        return try Tensor.where(mask, Tensor(value), self)
    }
}
