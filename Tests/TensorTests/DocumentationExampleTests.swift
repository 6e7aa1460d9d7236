import Base
import Testing
import Tensor

/// The examples in README.md and docs/tensor.md, run as written (public API only).
@Suite struct DocumentationExampleTests {
    @Test func readmeExample() throws {
        var rng = RandomGenerator(seed: 0)
        let w = try Tensor.randn([4, 3], using: &rng).requiringGrad()   // [4, 3]
        let x = try Tensor(nested: [[1, 2, 3, 4], [5, 6, 7, 8]])         // [2, 4]
        let loss = try x.matmul(w).logSoftmax().mean()                    // scalar
        try loss.backward()
        let gradient = try #require(w.grad)
        #expect(gradient.shape == [4, 3])
        // Each row of log-softmax's gradient sums to zero, so each row of dL/dw does too.
        #expect(try gradient.sum(axis: 1).abs().max().item() < 1e-5)
    }

    @Test func valuesShapesAndViews() throws {
        let grid = try Tensor(nested: [[0, 1, 2], [3, 4, 5]])
        #expect(grid.shape == [2, 3])
        #expect(grid.scalars == [0, 1, 2, 3, 4, 5])
        #expect(try grid.element(at: [1, -1]) == 5)
        #expect(try grid.sum().item() == 15)
    }

    @Test func seededRandomTensors() throws {
        var rng = RandomGenerator(seed: 42)
        let u = try Tensor.rand([3, 4], using: &rng)
        let n = try Tensor.randn([3, 4], using: &rng)
        var again = RandomGenerator(seed: 42)
        #expect(try Tensor.rand([3, 4], using: &again).scalars == u.scalars)
        #expect(try Tensor.randn([3, 4], using: &again).scalars == n.scalars)
    }

    @Test func autogradExample() throws {
        let x = try Tensor([1, 2, 3]).requiringGrad()
        try (x * x).sum().backward()
        #expect(x.grad?.scalars == [2, 4, 6])
        try (x * 3).sum().backward()
        #expect(x.grad?.scalars == [5, 7, 9])
        x.zeroGrad()
        #expect(x.grad == nil)
    }

    @Test func printingAndErrorExamples() throws {
        #expect(try Tensor(nested: [[1, 2], [3, 4]]).description == "[[1., 2.],\n [3., 4.]]\n[Float32 tensor of shape [2, 2]]")
        do {
            _ = try Tensor.zeros([2, 3]) + Tensor.zeros([4])
            Issue.record("expected an error")
        } catch let error as TensorError {
            #expect(error.description == "add: shapes [2, 3] and [4] cannot be broadcast together")
        }
    }
}
