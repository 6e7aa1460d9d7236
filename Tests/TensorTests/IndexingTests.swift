import Testing
@testable import Tensor

@Suite struct IndexingTests {
    let table: Tensor  // [[0, 1, 2], [10, 11, 12], [20, 21, 22]]: element [i, j] is 10i + j
    let cube: Tensor   // arange(24) as [2, 3, 4]

    init() throws {
        table = try Tensor(nested: [[0, 1, 2], [10, 11, 12], [20, 21, 22]])
        cube = try Tensor.arange(24).reshaped([2, 3, 4])
    }

    // MARK: indexSelect

    @Test func indexSelectPicksSlicesInOrder() throws {
        let rows = try table.indexSelect(axis: 0, indices: Tensor([2, 0, 2]))
        #expect(rows.shape == [3, 3] && rows.scalars == [20, 21, 22, 0, 1, 2, 20, 21, 22])
        let column = try table.indexSelect(axis: 1, indices: Tensor([1]))
        #expect(column.shape == [3, 1] && column.scalars == [1, 11, 21])
        #expect(try table.indexSelect(axis: -1, indices: Tensor([2, 0])).scalars == [2, 0, 12, 10, 22, 20])
        #expect(try table.transposed().indexSelect(axis: 0, indices: Tensor([0])).scalars == [0, 10, 20])
        let middle = try cube.indexSelect(axis: 1, indices: Tensor([2, 0]))
        #expect(middle.shape == [2, 2, 4])
        #expect(middle.scalars == [8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15])
        #expect(try table.indexSelect(axis: 0, indices: Tensor([])).shape == [0, 3])
        // Indices may be any view holding whole numbers.
        #expect(try table.indexSelect(axis: 0, indices: Tensor([0, 1, 2]).slice(axis: 0, step: -1)).scalars
                == [20, 21, 22, 10, 11, 12, 0, 1, 2])
    }

    @Test func indexSelectGradientAccumulatesRepeats() throws {
        let w = try sample([3, 2], seed: 1).requiringGrad()
        try w.indexSelect(axis: 0, indices: Tensor([2, 0, 2])).sum().backward()
        #expect(try #require(w.grad).scalars == [1, 1, 0, 0, 2, 2])
        let x = try sample([4, 3], seed: 1)
        try checkGradients([x]) { try $0[0].indexSelect(axis: 0, indices: Tensor([3, 1, 3])) }
        try checkGradients([x]) { try $0[0].indexSelect(axis: 1, indices: Tensor([2, 2, 0])) }
        try checkGradients([try sample([2, 3, 4], seed: 2)]) { try $0[0].indexSelect(axis: 1, indices: Tensor([1, 1])) }
        try checkGradients([x]) { try $0[0].transposed().indexSelect(axis: 0, indices: Tensor([0, 2])) }
    }

    @Test func indexSelectRejectsBadIndices() {
        expectError("index_select", mentioning: ["3", "[3, 3]"]) { try table.indexSelect(axis: 0, indices: Tensor([0, 3])) }
        expectError("index_select", mentioning: ["-1", "[3, 3]"]) { try table.indexSelect(axis: 0, indices: Tensor([-1])) }
        expectError("index_select", mentioning: ["0.5", "whole", "[3, 3]"]) { try table.indexSelect(axis: 1, indices: Tensor([0.5])) }
        expectError("index_select", mentioning: ["nan", "[3, 3]"]) { try table.indexSelect(axis: 0, indices: Tensor([.nan])) }
        expectError("index_select", mentioning: ["inf", "[3, 3]"]) { try table.indexSelect(axis: 0, indices: Tensor([.infinity])) }
        expectError("index_select", mentioning: ["[3, 3]"]) { try table.indexSelect(axis: 0, indices: Tensor([1e30])) }
        expectError("index_select", mentioning: ["[1, 1]", "[3, 3]"]) { try table.indexSelect(axis: 0, indices: Tensor.zeros([1, 1])) }
        expectError("index_select", mentioning: ["axis 2", "[3, 3]"]) { try table.indexSelect(axis: 2, indices: Tensor([0])) }
        expectError("index_select", mentioning: ["[]"]) { try Tensor(1).indexSelect(axis: 0, indices: Tensor([0])) }
        expectError("index_select", mentioning: ["0", "[0, 2]"]) { try Tensor.zeros([0, 2]).indexSelect(axis: 0, indices: Tensor([0])) }
    }

    // MARK: gather

    @Test func gatherPicksAlongAnAxis() throws {
        let picks = try Tensor(nested: [[2, 0], [1, 1], [0, 2]])
        let alongRows = try table.gather(axis: 1, indices: picks)
        #expect(alongRows.shape == [3, 2] && alongRows.scalars == [2, 0, 11, 11, 20, 22])
        let alongColumns = try table.gather(axis: 0, indices: Tensor(nested: [[2, 1, 0]]))
        #expect(alongColumns.shape == [1, 3] && alongColumns.scalars == [20, 11, 2])
        // Off the gather axis indices may be shorter; on it, longer.
        #expect(try table.gather(axis: 1, indices: Tensor(nested: [[1], [2]])).scalars == [1, 12])
        #expect(try table.gather(axis: 1, indices: Tensor(nested: [[2, 1, 0, 2]])).scalars == [2, 1, 0, 2])
        #expect(try table.transposed().gather(axis: 1, indices: Tensor(nested: [[0], [2], [1]])).scalars == [0, 21, 12])
        #expect(try table.gather(axis: -1, indices: Tensor.zeros([0, 3])).shape == [0, 3])
    }

    @Test func gatherOnThreeAxes() throws {
        let last = try cube.gather(axis: 2, indices: Tensor(nested: [[[3, 0], [1, 1]], [[2, 2], [0, 3]]]))
        #expect(last.shape == [2, 2, 2] && last.scalars == [3, 0, 5, 5, 14, 14, 16, 19])
        let first = try cube.gather(axis: 0, indices: Tensor(nested: [[[1, 0, 1, 0]]]))
        #expect(first.shape == [1, 1, 4] && first.scalars == [12, 1, 14, 3])
    }

    @Test func gatherPicksTargetLogProbabilities() throws {
        let logits = try Tensor(nested: [[0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4]])  // [T = 2, V = 4]
        let targets = try Tensor(nested: [[3], [1]])                             // [T, 1]
        #expect(try logits.gather(axis: 1, indices: targets).scalars == [0.4, 2])
    }

    @Test func gatherGradientScattersBack() throws {
        let x = try sample([2, 3], seed: 1).requiringGrad()
        try x.gather(axis: 1, indices: Tensor(nested: [[0, 0], [2, 0]])).sum().backward()
        #expect(try #require(x.grad).scalars == [2, 0, 0, 1, 0, 1])
        let w = try sample([4, 3], seed: 1)
        let picks = try Tensor(nested: [[2, 0], [1, 1], [0, 2], [2, 2]])
        try checkGradients([w]) { try $0[0].gather(axis: 1, indices: picks) }
        try checkGradients([w]) { try $0[0].gather(axis: 0, indices: Tensor(nested: [[3, 3], [0, 1]])) }
        try checkGradients([try sample([2, 3, 4], seed: 2)]) {
            try $0[0].gather(axis: 2, indices: Tensor(nested: [[[3, 0], [1, 1]], [[2, 2], [0, 3]]]))
        }
        try checkGradients([try sample([3, 4], seed: 3)]) { try $0[0].transposed().gather(axis: 1, indices: picks) }
    }

    @Test func gatherRejectsBadIndices() {
        expectError("gather", mentioning: ["[3]", "[3, 3]"]) { try table.gather(axis: 1, indices: Tensor([0, 1, 2])) }
        expectError("gather", mentioning: ["[4, 1]", "[3, 3]"]) { try table.gather(axis: 1, indices: Tensor.zeros([4, 1])) }
        expectError("gather", mentioning: ["axis 2", "[3, 3]"]) { try table.gather(axis: 2, indices: Tensor.zeros([1, 1])) }
        expectError("gather", mentioning: ["3", "[3, 3]"]) { try table.gather(axis: 1, indices: Tensor(nested: [[0], [3]])) }
        expectError("gather", mentioning: ["-1", "[3, 3]"]) { try table.gather(axis: 0, indices: Tensor(nested: [[-1]])) }
        expectError("gather", mentioning: ["1.5", "whole", "[3, 3]"]) { try table.gather(axis: 0, indices: Tensor(nested: [[1.5]])) }
    }

    // MARK: scatterAdd

    @Test func scatterAddAccumulatesAtIndexedPositions() throws {
        let added = try Tensor.zeros([2, 3]).scatterAdd(axis: 1, indices: Tensor(nested: [[0, 0], [2, 1]]),
                                                        source: Tensor(nested: [[1, 2, 99], [3, 4, 99]]))
        // Row 0: 1 + 2 into column 0; row 1: 3 into column 2, 4 into column 1. The 99s are not covered.
        #expect(added.shape == [2, 3] && added.scalars == [3, 0, 0, 0, 4, 3])
        let onOnes = try Tensor.ones([3]).scatterAdd(axis: 0, indices: Tensor([0, 2, 0]), source: Tensor([10, 20, 30]))
        #expect(onOnes.scalars == [41, 1, 21])
        let down = try Tensor.zeros([2, 2]).scatterAdd(axis: 0, indices: Tensor(nested: [[1, 0], [1, 1]]),
                                                       source: Tensor(nested: [[1, 2], [3, 4]]))
        #expect(down.scalars == [0, 2, 4, 4])
        // A transposed source is read through its strides: [[1, 3], [2, 4]].
        let viaView = try Tensor.zeros([2, 2]).scatterAdd(axis: 0, indices: Tensor(nested: [[1, 0], [1, 1]]),
                                                          source: Tensor(nested: [[1, 2], [3, 4]]).transposed())
        #expect(viaView.scalars == [0, 3, 3, 4])
    }

    @Test func scatterAddLeavesItsInputUnchanged() throws {
        let base = try Tensor.ones([3])
        _ = try base.scatterAdd(axis: 0, indices: Tensor([1]), source: Tensor([5]))
        #expect(base.scalars == [1, 1, 1])
        let view = try table.transposed()
        let result = try view.scatterAdd(axis: 1, indices: Tensor(nested: [[0]]), source: Tensor(nested: [[100]]))
        #expect(result.scalars == [100, 10, 20, 1, 11, 21, 2, 12, 22])
        #expect(table.scalars == [0, 1, 2, 10, 11, 12, 20, 21, 22])
    }

    @Test func gatherAndScatterAddAreAdjoint() throws {
        // ⟨gather(x, i), y⟩ = ⟨x, scatterAdd(0, i, y)⟩ for any x and y.
        let x = try sample([3, 5], seed: 1), y = try sample([3, 4], seed: 2)
        let picks = try Tensor(nested: [[4, 0, 4, 2], [1, 1, 1, 1], [0, 3, 2, 4]])
        let left = try (x.gather(axis: 1, indices: picks) * y).sum().item()
        let right = try (x * Tensor.zeros([3, 5]).scatterAdd(axis: 1, indices: picks, source: y)).sum().item()
        #expect(abs(left - right) < 1e-4)
    }

    @Test func scatterAddGradients() throws {
        let x = try Tensor.zeros([2, 3]).requiringGrad()
        let source = try sample([2, 3], seed: 1).requiringGrad()
        let weights = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])
        try (x.scatterAdd(axis: 1, indices: Tensor(nested: [[0, 0], [2, 1]]), source: source) * weights).sum().backward()
        #expect(try #require(x.grad).scalars == [1, 2, 3, 4, 5, 6])
        // source [i, j] landed in column indices[i, j]; column 2 of source was never read.
        #expect(try #require(source.grad).scalars == [1, 1, 0, 6, 5, 0])

        let picks = try Tensor(nested: [[2, 0], [1, 1], [0, 2], [2, 2]])
        try checkGradients([try sample([4, 3], seed: 3), try sample([4, 3], seed: 2)]) {
            try $0[0].scatterAdd(axis: 1, indices: picks, source: $0[1])
        }
        try checkGradients([try sample([3, 2], seed: 4), try sample([4, 2], seed: 5)]) {
            try $0[0].scatterAdd(axis: 0, indices: Tensor(nested: [[2, 0], [2, 2], [1, 0], [0, 0]]), source: $0[1])
        }
        try checkGradients([try sample([2, 3], seed: 6)]) {
            try Tensor.ones([2, 3]).scatterAdd(axis: 1, indices: Tensor(nested: [[1], [1]]), source: $0[0])
        }
    }

    @Test func scatterAddRejectsBadArguments() {
        let z = Tensor.zeros(like: table)
        expectError("scatter_add", mentioning: ["[3, 3]", "[3]"]) {
            try z.scatterAdd(axis: 0, indices: Tensor([0]), source: Tensor([1, 2, 3]))
        }
        expectError("scatter_add", mentioning: ["[2, 2]", "[1, 2]"]) {
            try z.scatterAdd(axis: 0, indices: Tensor.zeros([2, 2]), source: Tensor.zeros([1, 2]))
        }
        expectError("scatter_add", mentioning: ["[1, 4]", "[3, 3]"]) {
            try z.scatterAdd(axis: 0, indices: Tensor.zeros([1, 4]), source: Tensor.zeros([1, 4]))
        }
        expectError("scatter_add", mentioning: ["[1]", "[1, 3]"]) {
            try z.scatterAdd(axis: 0, indices: Tensor([0]), source: Tensor.zeros([1, 3]))
        }
        expectError("scatter_add", mentioning: ["3", "[3, 3]"]) {
            try z.scatterAdd(axis: 1, indices: Tensor(nested: [[3]]), source: Tensor(nested: [[1]]))
        }
        expectError("scatter_add", mentioning: ["0.25", "[3, 3]"]) {
            try z.scatterAdd(axis: 1, indices: Tensor(nested: [[0.25]]), source: Tensor(nested: [[1]]))
        }
        expectError("scatter_add", mentioning: ["axis -3", "[3, 3]"]) {
            try z.scatterAdd(axis: -3, indices: Tensor(nested: [[0]]), source: Tensor(nested: [[1]]))
        }
    }

    // MARK: embedding

    @Test func embeddingLooksUpRows() throws {
        let e = try Tensor.embedding(table, ids: Tensor(nested: [[1, 1], [0, 2]]))
        #expect(e.shape == [2, 2, 3])
        #expect(e.scalars == [10, 11, 12, 10, 11, 12, 0, 1, 2, 20, 21, 22])
        let one = try Tensor.embedding(table, ids: Tensor(2))
        #expect(one.shape == [3] && one.scalars == [20, 21, 22])
        #expect(try Tensor.embedding(table, ids: Tensor([])).shape == [0, 3])
        #expect(try Tensor.embedding(table.transposed(), ids: Tensor([2, 0])).scalars == [2, 12, 22, 0, 10, 20])
    }

    @Test func embeddingOfManyIdsMatchesIndexSelect() throws {
        // 2,000 rows of 64 is past the parallel threshold.
        let weight = try sample([50, 64], seed: 1)
        let ids = try Tensor((0..<2000).map { Float(($0 * 37) % 50) }, shape: [40, 50])
        let looked = try Tensor.embedding(weight, ids: ids)
        #expect(looked.shape == [40, 50, 64])
        #expect(looked.scalars == (try weight.indexSelect(axis: 0, indices: ids.flattened()).scalars))
    }

    @Test func embeddingGradientAccumulatesRows() throws {
        // A dimension of 10 runs both the eight-lane loop and its tail.
        let weight = try sample([3, 10], seed: 1).requiringGrad()
        try Tensor.embedding(weight, ids: Tensor(nested: [[2, 0], [2, 2]])).sum().backward()
        let expected = [Float](repeating: 1, count: 10) + [Float](repeating: 0, count: 10) + [Float](repeating: 3, count: 10)
        #expect(try #require(weight.grad).scalars == expected)
        try checkGradients([try sample([4, 3], seed: 2)]) { try Tensor.embedding($0[0], ids: Tensor(nested: [[0, 3], [3, 3]])) }
        try checkGradients([try sample([5, 9], seed: 3)]) { try Tensor.embedding($0[0], ids: Tensor([4, 1, 4, 0])) }
    }

    @Test func embeddingRejectsBadIdsAndWeights() {
        expectError("embedding", mentioning: ["3", "[3, 3]"]) { try Tensor.embedding(table, ids: Tensor([0, 3])) }
        expectError("embedding", mentioning: ["-1", "[3, 3]"]) { try Tensor.embedding(table, ids: Tensor([-1])) }
        expectError("embedding", mentioning: ["1.5", "whole", "[3, 3]"]) { try Tensor.embedding(table, ids: Tensor([1.5])) }
        expectError("embedding", mentioning: ["[2]"]) { try Tensor.embedding(Tensor([1, 2]), ids: Tensor([0])) }
        expectError("embedding", mentioning: ["[2, 3, 4]"]) { try Tensor.embedding(cube, ids: Tensor([0])) }
    }
}
