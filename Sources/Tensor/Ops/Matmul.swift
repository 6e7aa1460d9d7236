import CBLAS

/// Matrix products through OpenBLAS's `cblas_sgemm`.
extension Tensor {
    public static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor { try a.matmul(b) }

    /// The matrix product with NumPy's rules: 1-D operands are promoted to a row (left) or a
    /// column (right) and that axis is removed again; leading batch axes broadcast.
    ///
    /// Transposed views go to BLAS as transpose flags, so `a.matmul(w.transposed())` copies nothing.
    public func matmul(_ other: Tensor) throws -> Tensor {
        guard rank >= 1, other.rank >= 1 else {
            throw TensorError.shapeMismatch("matmul", shape, other.shape, reason: "cannot be multiplied: scalars have no matrix product")
        }
        let left = rank == 1 ? try unsqueezed(axis: 0) : self
        let right = other.rank == 1 ? try other.unsqueezed(axis: 1) : other
        guard left.shape[left.rank - 1] == right.shape[right.rank - 2] else {
            throw TensorError.shapeMismatch("matmul", shape, other.shape,
                                            reason: "cannot be multiplied: inner extents \(left.shape[left.rank - 1]) and \(right.shape[right.rank - 2]) differ")
        }
        var product = try Tensor.batchedProduct(left, right)
        if other.rank == 1 { product = try product.squeezed(axis: -1) }
        if rank == 1 { product = try product.squeezed(axis: other.rank == 1 ? -1 : -2) }
        return product
    }

    /// [..., M, K] · [..., K, N] → [..., M, N] for operands of rank ≥ 2.
    private static func batchedProduct(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
        for extent in [m, k, n] where extent > Int(Int32.max) {
            throw TensorError.shapeMismatch("matmul", a.shape, b.shape, reason: "exceed BLAS's 32-bit extents")
        }
        let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
        guard let batch = try? Shape.broadcast(aBatch, bBatch, op: "matmul") else {
            throw TensorError.shapeMismatch("matmul", a.shape, b.shape,
                                            reason: "cannot be multiplied: batch axes \(aBatch) and \(bBatch) do not broadcast")
        }
        let result = try empty(batch + [m, n], op: "matmul")

        if result.count == 0 {
            // Nothing to compute; BLAS is not called with empty extents.
        } else if bBatch.isEmpty, !aBatch.isEmpty, a.isContiguous {
            // One GEMM over all rows of `a` instead of one per batch entry. The row count is
            // spelled out: with k = 0 a -1 extent could not be inferred.
            try gemm(a.reshaped([Shape.count(aBatch) * m, k]), b, into: result.base)
        } else {
            let batchCount = Shape.count(batch)
            let aMatrix = try a.matrixView(), bMatrix = try b.matrixView()
            let aStrides = Shape.broadcastStrides(shape: aBatch, strides: Array(aMatrix.tensor.strides.dropLast(2)), to: batch)
            let bStrides = Shape.broadcastStrides(shape: bBatch, strides: Array(bMatrix.tensor.strides.dropLast(2)), to: batch)
            for index in 0..<batchCount {
                var remainder = index, aOffset = 0, bOffset = 0
                for axis in stride(from: batch.count - 1, through: 0, by: -1) {
                    let i = remainder % batch[axis]
                    remainder /= batch[axis]
                    aOffset += i * aStrides[axis]
                    bOffset += i * bStrides[axis]
                }
                gemm(aMatrix, aOffset, bMatrix, bOffset, rows: m, inner: k, columns: n, into: result.base + index * m * n)
            }
        }
        return result.recording("matmul", [a, b]) { g in
            [a.requiresGrad ? try g.matmul(b.transposed()).summed(toShape: a.shape) : nil,
             b.requiresGrad ? try a.transposed().matmul(g).summed(toShape: b.shape) : nil]
        }
    }

    private static func gemm(_ a: Tensor, _ b: Tensor, into c: UnsafeMutablePointer<Float>) throws {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        gemm(try a.matrixView(), 0, try b.matrixView(), 0, rows: m, inner: k, columns: n, into: c)
    }

    /// One C = A·B through `cblas_sgemm`, with C contiguous [rows, columns].
    private static func gemm(_ a: MatrixView, _ aOffset: Int, _ b: MatrixView, _ bOffset: Int,
                             rows m: Int, inner k: Int, columns n: Int, into c: UnsafeMutablePointer<Float>) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            c.update(repeating: 0, count: m * n)
            return
        }
        Parallel.prepareBLAS()
        cblas_sgemm(CblasRowMajor, a.transposed ? CblasTrans : CblasNoTrans, b.transposed ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a.tensor.base + aOffset, Int32(a.leading),
                    b.tensor.base + bOffset, Int32(b.leading), 0, c, Int32(n))
    }

    /// How BLAS reads the last two axes: row-major, or transposed, with a leading dimension.
    struct MatrixView {
        let tensor: Tensor
        let transposed: Bool
        let leading: Int
    }

    /// The last two axes as a BLAS operand; copies only when neither axis is unit-stride.
    /// Internal rather than private so tests can check that a view reaches BLAS uncopied.
    func matrixView() throws -> MatrixView {
        let (rows, columns) = (shape[rank - 2], shape[rank - 1])
        let (rowStride, columnStride) = (strides[rank - 2], strides[rank - 1])
        let limit = Int(Int32.max)
        if (columnStride == 1 || columns == 1), rowStride >= Swift.max(1, columns), rowStride <= limit {
            return MatrixView(tensor: self, transposed: false, leading: rowStride)
        }
        if rows == 1, columnStride == 1 {
            return MatrixView(tensor: self, transposed: false, leading: Swift.max(1, columns))
        }
        if (rowStride == 1 || rows == 1), columnStride >= Swift.max(1, rows), columnStride <= limit {
            return MatrixView(tensor: self, transposed: true, leading: columnStride)
        }
        let dense = GradMode.withoutGrad { contiguous() }
        guard dense.strides.count < 2 || dense.strides[rank - 2] <= Int(Int32.max) else {
            throw TensorError(op: "matmul", "operand of shape \(shape) exceeds BLAS's 32-bit strides")
        }
        return MatrixView(tensor: dense, transposed: false, leading: Swift.max(1, columns))
    }
}
