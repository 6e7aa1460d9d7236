import Testing
@testable import Tensor

@Suite struct IndexingTests {
    let table = try! Tensor(nested: [[0, 1, 2], [10, 11, 12], [20, 21, 22]])  // [3, 3]

    @Test func indexSelectPicksSlices() throws {
        #expect(try table.indexSelect(axis: 0, indices: Tensor([2, 0, 2])).scalars == [20, 21, 22, 0, 1, 2, 20, 21, 22])
        #expect(try table.indexSelect(axis: 1, indices: Tensor([1])).scalars == [1, 11, 21])
        #expect(try table.transposed().indexSelect(axis: 0, indices: Tensor([0])).scalars == [0, 10, 20])
    }

    @Test func embeddingLooksUpRows() throws {
        let ids = try Tensor(nested: [[1, 1], [0, 2]])
        let e = try Tensor.embedding(table, ids: ids)
        #expect(e.shape == [2, 2, 3])
        #expect(e.scalars == [10, 11, 12, 10, 11, 12, 0, 1, 2, 20, 21, 22])
        do {
            _ = try Tensor.embedding(table, ids: Tensor([3]))
            Issue.record("an id past the vocabulary must be rejected")
        } catch let error as TensorError {
            #expect(error.op == "embedding" && error.message.contains("3"))
        }
    }

    @Test func gatherAndScatterAdd() throws {
        let picks = try Tensor(nested: [[2, 0], [1, 1], [0, 2]])
        #expect(try table.gather(axis: 1, indices: picks).scalars == [2, 0, 11, 11, 20, 22])
        #expect(try table.gather(axis: 0, indices: Tensor(nested: [[2, 1, 0]])).scalars == [20, 11, 2])
        let added = try Tensor.zeros([2, 3]).scatterAdd(axis: 1, indices: Tensor(nested: [[0, 0], [2, 1]]),
                                                        source: Tensor(nested: [[1, 2, 99], [3, 4, 99]]))
        #expect(added.scalars == [3, 0, 0, 0, 4, 3])
    }

    @Test func badIndicesNameTheProblem() throws {
        for bad: Float in [3, -1, 0.5, .nan] {
            do {
                _ = try table.indexSelect(axis: 0, indices: Tensor([bad]))
                Issue.record("index \(bad) must be rejected")
            } catch let error as TensorError {
                #expect(error.op == "index_select" && error.message.contains("[3, 3]"))
            }
        }
        #expect(throws: TensorError.self) { try table.indexSelect(axis: 0, indices: Tensor.zeros([1, 1])) }
        #expect(throws: TensorError.self) { try table.gather(axis: 1, indices: Tensor([0])) }
        #expect(throws: TensorError.self) { try table.gather(axis: 1, indices: Tensor.zeros([4, 1])) }
        #expect(throws: TensorError.self) { try table.gather(axis: 2, indices: Tensor.zeros([1, 1])) }
        #expect(throws: TensorError.self) { try table.scatterAdd(axis: 0, indices: Tensor.zeros([2, 2]), source: Tensor.zeros([1, 2])) }
        #expect(throws: TensorError.self) { try Tensor.embedding(Tensor([1, 2]), ids: Tensor([0])) }
    }

    @Test func gradientsAccumulateOverRepeats() throws {
        let w = try sample([4, 3], seed: 1)
        try checkGradients([w]) { try $0[0].indexSelect(axis: 0, indices: Tensor([3, 1, 3])) }
        try checkGradients([w]) { try $0[0].indexSelect(axis: 1, indices: Tensor([2, 2])) }
        try checkGradients([w]) { try Tensor.embedding($0[0], ids: Tensor(nested: [[0, 3], [3, 3]])) }
        let picks = try Tensor(nested: [[2, 0], [1, 1], [0, 2], [2, 2]])
        try checkGradients([w]) { try $0[0].gather(axis: 1, indices: picks) }
        let source = try sample([4, 3], seed: 2)
        try checkGradients([try sample([4, 3], seed: 3), source]) {
            try $0[0].scatterAdd(axis: 1, indices: picks, source: $0[1])
        }
    }
}
