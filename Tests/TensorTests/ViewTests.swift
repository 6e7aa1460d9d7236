import Testing
@testable import Tensor

@Suite struct ViewTests {
    let grid = try! Tensor(nested: [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]])  // [3, 4]

    @Test func reshapeInfersOneExtent() throws {
        let r = try grid.reshaped([2, -1])
        #expect(r.shape == [2, 6] && r.scalars == grid.scalars)
        #expect(r.storage === grid.storage)
        expectError("reshape", mentioning: ["shapes [3, 4] and [5, -1]", "12 elements"]) { try grid.reshaped([5, -1]) }
        expectError("reshape", mentioning: ["shape [-1, -1] may hold at most one -1"]) { try grid.reshaped([-1, -1]) }
        expectError("reshape", mentioning: ["shapes [3, 4] and [7]", "12 elements"]) { try grid.reshaped([7]) }
    }

    @Test func transposeAndPermuteShareStorage() throws {
        let t = try grid.transposed()
        #expect(t.shape == [4, 3] && t.storage === grid.storage && !t.isContiguous)
        #expect(t.scalars == [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11])
        let cube = try Tensor.arange(24).reshaped([2, 3, 4])
        let p = try cube.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(try p.element(at: [3, 1, 2]) == (try cube.element(at: [1, 2, 3])))
        expectError("permute", mentioning: ["order [0, 0, 1]", "shape [2, 3, 4]"]) { try cube.permuted([0, 0, 1]) }
        expectError("permute", mentioning: ["order [0, 1]", "3 axes of shape [2, 3, 4]"]) { try cube.permuted([0, 1]) }
        expectError("transpose", mentioning: ["needs at least 2 axes", "shape [3]"]) { try Tensor.arange(3).transposed() }
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
        expectError("slice", mentioning: ["step 0"]) { try grid.slice(axis: 1, step: 0) }
        expectError("slice", mentioning: ["axis 2", "shape [3, 4]"]) { try grid.slice(axis: 2) }
        expectError("select", mentioning: ["index 3", "axis 0 of shape [3, 4]"]) { try grid.select(axis: 0, index: 3) }
    }

    @Test func expandSqueezeUnsqueeze() throws {
        let column = try Tensor([1, 2, 3], shape: [3, 1])
        let e = try column.expanded(to: [2, 3, 4])
        #expect(e.shape == [2, 3, 4] && e.strides[0] == 0 && e.strides[2] == 0)
        #expect(try e.element(at: [1, 2, 3]) == 3)
        expectError("expand", mentioning: ["shapes [3, 1] and [2, 2]", "axis 0 has extent 3"]) { try column.expanded(to: [2, 2]) }
        expectError("expand", mentioning: ["shapes [3, 1] and [3]", "fewer axes"]) { try column.expanded(to: [3]) }
        #expect(try column.squeezed().shape == [3])
        #expect(try column.squeezed(axis: -1).shape == [3])
        expectError("squeeze", mentioning: ["axis 0 has extent 3", "shape [3, 1]"]) { try column.squeezed(axis: 0) }
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
        // Lists in the language are sliced by the same rules: item i is at first + i·step.
        let backwards = try Tensor.slicePositions(extent: 10, start: nil, end: nil, step: -3)
        #expect(backwards.first == 9 && backwards.count == 4)
        let once = try Tensor.slicePositions(extent: 10, start: Int.min, end: Int.max, step: Int.max)
        #expect(once.first == 0 && once.count == 1)
        expectError("slice", mentioning: ["step 0"]) { try Tensor.slicePositions(extent: 3, start: nil, end: nil, step: 0) }
        expectError("slice", mentioning: ["step \(Int.min)"]) { try grid.slice(axis: 1, step: Int.min) }
        expectError("reshape", mentioning: ["[3, 4] and [\(Int.max), \(Int.max), -1]"]) { try grid.reshaped([Int.max, Int.max, -1]) }
        expectError("reshape", mentioning: ["[3, 4] and [\(Int.max), 2]", "12 elements"]) { try grid.reshaped([Int.max, 2]) }
        expectError("split", mentioning: ["sizes [\(Int.max), \(Int.max), 2]", "extent 3 of axis 0"]) {
            try grid.split(sizes: [Int.max, Int.max, 2])
        }
        expectError("expand", mentioning: ["shape [\(Int.max), 3, 4]"]) { try grid.expanded(to: [Int.max, 3, 4]) }
        expectError("eye", mentioning: ["shape [\(Int.max), \(Int.max)]"]) { try Tensor.eye(Int.max) }
        expectError("arange", mentioning: ["end 1e+30", "too many elements"]) { try Tensor.arange(0, 1e30) }
    }

    /// A zero extent empties a tensor whatever its other extents, but those still count: a
    /// reduction, transpose or slice of it has the other extents without the zero, and its element
    /// count must neither overflow nor exceed memory.
    @Test func emptyTensorsKeepTheirOtherExtentsInBounds() throws {
        let empty = try Tensor.zeros([0, 300, 200])
        #expect(try empty.permuted([2, 1, 0]).count == 0)
        #expect(try empty.transposed(0, 2).contiguous().shape == [200, 300, 0])
        let summed = try empty.sum(axis: 0)
        #expect(summed.shape == [300, 200] && summed.scalars.allSatisfy { $0 == 0 })
        #expect(try Tensor.zeros([4, 0, 5]).max(axis: 0).shape == [0, 5])
        #expect(try Tensor.zeros([0, 4]).reshaped([4, 0, 1]).count == 0)
        expectError("zeros", mentioning: ["shape [0, \(1 << 40), \(1 << 40)] is too large"]) { try Tensor.zeros([0, 1 << 40, 1 << 40]) }
        expectError("zeros", mentioning: ["shape [\(Int.max), 0, \(Int.max)] is too large"]) { try Tensor.zeros([Int.max, 0, Int.max]) }
        expectError("reshape", mentioning: ["shape [\(1 << 40), 0, \(1 << 40)] is too large"]) {
            try Tensor.zeros([0, 4]).reshaped([1 << 40, 0, 1 << 40])
        }
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
