import Testing
@testable import Tensor

/// Reference product in Double, by the definition.
private func naiveProduct(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
    (0..<m * n).map { index in
        let (i, j) = (index / n, index % n)
        return Float((0..<k).reduce(0.0) { $0 + Double(a[i * k + $1]) * Double(b[$1 * n + j]) })
    }
}

@Suite struct MatmulTests {
    @Test func matrixProduct() throws {
        let a = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])
        let b = try Tensor(nested: [[7, 8], [9, 10], [11, 12]])
        #expect(try a.matmul(b).scalars == [58, 64, 139, 154])
    }

    @Test func transposedOperandsNeedNoCopy() throws {
        let a = try sample([5, 4], seed: 1), b = try sample([3, 4], seed: 2)
        let expected = naiveProduct(a.scalars, try b.transposed().contiguous().scalars, m: 5, k: 4, n: 3)
        #expect(close(try a.matmul(b.transposed()).scalars, expected))
        let at = try a.transposed()  // [4, 5] read as a transposed BLAS operand
        #expect(close(try at.transposed().matmul(b.transposed()).scalars, expected))
        let sliced = try a.slice(axis: 1, start: 1, end: 3)  // row stride 4 > columns 2
        #expect(close(try sliced.matmul(Tensor.ones([2, 1])).scalars,
                      naiveProduct(sliced.contiguous().scalars, [1, 1], m: 5, k: 2, n: 1)))
        let stepped = try a.slice(axis: 1, step: 2)  // neither axis unit-stride: copied
        #expect(close(try stepped.matmul(Tensor.ones([2, 1])).scalars,
                      naiveProduct(stepped.contiguous().scalars, [1, 1], m: 5, k: 2, n: 1)))

        // What BLAS is handed: the views' own storage with a transpose flag or a leading
        // dimension, and a copy only for the stepped view.
        let transposedView = try b.transposed().matrixView()
        #expect(transposedView.tensor.storage === b.storage && transposedView.transposed && transposedView.leading == 4)
        let doubleTransposed = try at.transposed().matrixView()
        #expect(doubleTransposed.tensor.storage === a.storage && !doubleTransposed.transposed && doubleTransposed.leading == 4)
        let slicedView = try sliced.matrixView()
        #expect(slicedView.tensor.storage === a.storage && !slicedView.transposed && slicedView.leading == 4)
        let batch = try sample([3, 2, 5], seed: 6)
        let batchTransposed = try batch.transposed().matrixView()  // [3, 5, 2], each matrix read transposed
        #expect(batchTransposed.tensor.storage === batch.storage && batchTransposed.transposed && batchTransposed.leading == 5)
        let steppedView = try stepped.matrixView()
        #expect(steppedView.tensor.storage !== a.storage && !steppedView.transposed && steppedView.leading == 2)
    }

    @Test func batchedAndBroadcast() throws {
        let a = try sample([2, 3, 4, 5], seed: 3), b = try sample([3, 5, 2], seed: 4)
        let c = try a.matmul(b)
        #expect(c.shape == [2, 3, 4, 2])
        for i in 0..<2 {
            for j in 0..<3 {
                let expected = naiveProduct(try a.select(axis: 0, index: i).select(axis: 0, index: j).scalars,
                                            try b.select(axis: 0, index: j).scalars, m: 4, k: 5, n: 2)
                #expect(close(try c.select(axis: 0, index: i).select(axis: 0, index: j).scalars, expected))
            }
        }
        let w = try sample([5, 6], seed: 5)  // shared weight: one folded GEMM
        let folded = try a.matmul(w)
        #expect(close(try folded.select(axis: 0, index: 1).select(axis: 0, index: 2).scalars,
                      naiveProduct(try a.select(axis: 0, index: 1).select(axis: 0, index: 2).scalars, w.scalars, m: 4, k: 5, n: 6)))
        let perBatchTransposed = try sample([3, 2, 5], seed: 6).transposed()  // [3, 5, 2] with swapped strides
        #expect(close(try a.matmul(perBatchTransposed).scalars, try a.matmul(perBatchTransposed.contiguous()).scalars))
    }

    @Test func vectorOperands() throws {
        let m = try Tensor(nested: [[1, 2], [3, 4]]), v = Tensor([1, 1])
        #expect(try m.matmul(v).shape == [2] && (try m.matmul(v).scalars) == [3, 7])
        #expect(try v.matmul(m).scalars == [4, 6])
        #expect(try v.matmul(v).shape == [] && (try v.matmul(v).item()) == 2)
        #expect(try Tensor.zeros([2, 0]).matmul(Tensor.zeros([0, 3])).scalars == [0, 0, 0, 0, 0, 0])
        #expect(try Tensor.zeros([2, 0, 3]).matmul(Tensor.zeros([3, 4])).shape == [2, 0, 4])
        #expect(try Tensor.zeros([0, 2, 3]).matmul(Tensor.zeros([0, 3, 4])).shape == [0, 2, 4])
    }

    /// An empty inner axis gives zeros, as in NumPy, on the folded path (a shared weight) and the batched one.
    @Test func emptyInnerExtentGivesZeros() throws {
        let folded = try Tensor.zeros([2, 3, 0]).matmul(Tensor.zeros([0, 4]))
        #expect(folded.shape == [2, 3, 4] && folded.scalars == [Float](repeating: 0, count: 24))
        let batched = try Tensor.zeros([2, 3, 0]).matmul(Tensor.zeros([2, 0, 4]))
        #expect(batched.shape == [2, 3, 4] && batched.scalars == [Float](repeating: 0, count: 24))
        #expect(try Tensor.zeros([3, 0]).matmul(Tensor.zeros([0])).scalars == [0, 0, 0])

        let a = try Tensor.zeros([2, 3, 0]).requiringGrad(), b = try Tensor.zeros([0, 4]).requiringGrad()
        try a.matmul(b).sum().backward()
        #expect(a.grad?.shape == [2, 3, 0] && b.grad?.shape == [0, 4])
    }

    @Test func shapeErrors() {
        do {
            _ = try Tensor.zeros([2, 3]).matmul(Tensor.zeros([4, 5]))
            Issue.record("expected a shape error")
        } catch let error as TensorError {
            #expect(error.op == "matmul" && error.message.contains("[2, 3]") && error.message.contains("[4, 5]"))
        } catch { Issue.record("\(error)") }
        expectError("matmul", mentioning: ["shapes [] and [1]", "scalars have no matrix product"]) { try Tensor(1).matmul(Tensor([1])) }
        expectError("matmul", mentioning: ["shapes [2, 2, 3] and [3, 3, 2]", "batch axes [2] and [3] do not broadcast"]) {
            try Tensor.zeros([2, 2, 3]).matmul(Tensor.zeros([3, 3, 2]))
        }
    }

    @Test func gradients() throws {
        let a = try sample([3, 4], seed: 7), b = try sample([4, 2], seed: 8)
        try checkGradients([a, b]) { try $0[0].matmul($0[1]) }
        try checkGradients([a, b]) { try $0[1].transposed().matmul($0[0].transposed()) }
        let batch = try sample([2, 3, 4], seed: 9)
        try checkGradients([batch, b]) { try $0[0].matmul($0[1]) }
        try checkGradients([batch, try sample([2, 4, 2], seed: 10)]) { try $0[0].matmul($0[1]) }
        try checkGradients([try sample([4], seed: 11), b]) { try $0[0].matmul($0[1]) }
        try checkGradients([a, try sample([4], seed: 12)]) { try $0[0].matmul($0[1]) }
    }
}
