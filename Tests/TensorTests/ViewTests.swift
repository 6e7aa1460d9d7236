import Testing
@testable import Tensor

@Suite struct ViewTests {
    let grid = try! Tensor(nested: [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])  // [3, 4]

    @Test func reshapeInfersOneExtent() throws {
        let r = try grid.reshaped([2, -1])
        #expect(r.shape == [2, 6] && r.scalars == grid.scalars)
        #expect(r.storage === grid.storage)
        #expect(throws: TensorError.self) { try grid.reshaped([5, -1]) }
        #expect(throws: TensorError.self) { try grid.reshaped([-1, -1]) }
        #expect(throws: TensorError.self) { try grid.reshaped([7]) }
    }

    @Test func transposeAndPermuteShareStorage() throws {
        let t = try grid.transposed()
        #expect(t.shape == [4, 3] && t.storage === grid.storage && !t.isContiguous)
        #expect(t.scalars == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        let cube = try Tensor.arange(24).reshaped([2, 3, 4])
        let p = try cube.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(try p.element(at: [3, 1, 2]) == (try cube.element(at: [1, 2, 3])))
        #expect(throws: TensorError.self) { try cube.permuted([0, 0, 1]) }
        #expect(throws: TensorError.self) { try cube.permuted([0, 1]) }
        #expect(throws: TensorError.self) { try Tensor.arange(3).transposed() }
    }

    @Test func slicesFollowPythonRules() throws {
        #expect(try grid.slice(axis: 1, start: 1, end: 3).scalars == [1, 2, 5, 6, 9, 10])
        #expect(try grid.slice(axis: 1, step: 2).scalars == [0, 2, 4, 6, 8, 10])
        #expect(try grid.slice(axis: 0, start: -1).scalars == [8, 9, 10, 11])
        #expect(try grid.slice(axis: 1, step: -1).scalars == [3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8])
        #expect(try grid.slice(axis: 1, start: 2, end: 0, step: -1).scalars == [2, 1, 6, 5, 10, 9])
        #expect(try grid.slice(axis: 0, start: 5, end: 9).shape == [0, 4])
        #expect(try grid.slice(axis: 1, start: 1, end: 3).storage === grid.storage)
        #expect(try grid.select(axis: 0, index: -1).scalars == [8, 9, 10, 11])
        #expect(try grid.select(axis: 1, index: 2).scalars == [2, 6, 10])
        #expect(throws: TensorError.self) { try grid.slice(axis: 1, step: 0) }
        #expect(throws: TensorError.self) { try grid.slice(axis: 2) }
        #expect(throws: TensorError.self) { try grid.select(axis: 0, index: 3) }
    }

    @Test func expandSqueezeUnsqueeze() throws {
        let column = try Tensor([1, 2, 3], shape: [3, 1])
        let e = try column.expanded(to: [2, 3, 4])
        #expect(e.shape == [2, 3, 4] && e.strides[0] == 0 && e.strides[2] == 0)
        #expect(try e.element(at: [1, 2, 3]) == 3)
        #expect(throws: TensorError.self) { try column.expanded(to: [2, 2]) }
        #expect(throws: TensorError.self) { try column.expanded(to: [3]) }
        #expect(try column.squeezed().shape == [3])
        #expect(try column.squeezed(axis: -1).shape == [3])
        #expect(throws: TensorError.self) { try column.squeezed(axis: 0) }
        #expect(try column.unsqueezed(axis: 0).shape == [1, 3, 1])
        #expect(try column.unsqueezed(axis: -1).shape == [3, 1, 1])
    }

    @Test func stridedViewsBecomeContiguousOnDemand() throws {
        let t = try grid.transposed().slice(axis: 0, start: 1, step: 2)  // columns 1 and 3
        let dense = t.contiguous()
        #expect(dense.isContiguous && dense.scalars == [1, 5, 9, 3, 7, 11])
        #expect(try t.reshaped([6]).scalars == [1, 5, 9, 3, 7, 11])
    }

    @Test func hostileArgumentsThrowInsteadOfTrapping() throws {
        #expect(try grid.slice(axis: 1, step: Int.max).scalars == [0, 4, 8])
        #expect(try grid.slice(axis: 1, start: Int.max, end: Int.min, step: -Int.max).scalars == [3, 7, 11])
        #expect(throws: TensorError.self) { try grid.slice(axis: 1, step: Int.min) }
        #expect(throws: TensorError.self) { try grid.reshaped([Int.max, Int.max, -1]) }
        #expect(throws: TensorError.self) { try grid.reshaped([Int.max, 2]) }
        #expect(throws: TensorError.self) { try grid.split(sizes: [Int.max, Int.max, 2]) }
        #expect(throws: TensorError.self) { try grid.expanded(to: [Int.max, 3, 4]) }
        #expect(throws: TensorError.self) { try Tensor.eye(Int.max) }
        #expect(throws: TensorError.self) { try Tensor.arange(0, 1e30) }
    }

    @Test func viewGradients() throws {
        let x = try sample([3, 4])
        try checkGradients([x]) { try $0[0].transposed().reshaped([2, 6]) }
        try checkGradients([x]) { try $0[0].slice(axis: 1, start: 3, end: 0, step: -2) }
        try checkGradients([x]) { try $0[0].select(axis: 0, index: 1) }
        try checkGradients([x]) { try $0[0].unsqueezed(axis: 1).expanded(to: [2, 3, 5, 4]) }
        try checkGradients([x]) { try $0[0].permuted([1, 0]).squeezed() * 2 }
    }
}
