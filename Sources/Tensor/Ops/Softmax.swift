extension Tensor {
    /// exp(x) / Σ exp(x) along `axis`.
    public func softmax(axis: Int = -1) throws -> Tensor {
        let y = try normalizedExponential("softmax", axis: axis, log: false)
        return y.recording("softmax", [self]) { g in
            [try y * (g - (g * y).sum(axis: axis, keepDim: true))]
        }
    }

    /// x − log Σ exp(x) along `axis`, computed without forming the softmax first.
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        let y = try normalizedExponential("log_softmax", axis: axis, log: true)
        return y.recording("log_softmax", [self]) { g in
            [try g - y.exp() * g.sum(axis: axis, keepDim: true)]
        }
    }

    /// Runs the row kernel on `axis` moved last, then moves it back.
    private func normalizedExponential(_ op: String, axis: Int, log: Bool) throws -> Tensor {
        guard rank > 0 else { throw TensorError(op: op, "needs at least one axis, got a scalar") }
        let a = try Shape.axis(axis, rank: rank, op: op, shape: shape)
        let last = rank - 1
        let rowsLast = a == last ? detached().contiguous() : try detached().transposed(a, last).contiguous()
        let length = shape[a]
        let result = Tensor(uninitializedShape: rowsLast.shape)
        if length > 0 {
            SoftmaxKernels.softmax(rowsLast.base, result.base, rows: rowsLast.count / length, length: length, log: log)
        }
        return a == last ? result : try result.transposed(a, last).contiguous()
    }
}
