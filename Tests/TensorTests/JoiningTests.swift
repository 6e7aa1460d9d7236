import Testing
@testable import Tensor

@Suite struct JoiningTests {
    let a = try! Tensor(nested: [[1, 2], [3, 4]])
    let b = try! Tensor(nested: [[5, 6]])

    @Test func concatAlongAxes() throws {
        #expect(try Tensor.concat([a, b]).scalars == [1, 2, 3, 4, 5, 6])
        let side = try Tensor.concat([a, b.transposed()], axis: -1)
        #expect(side.shape == [2, 3] && side.scalars == [1, 2, 5, 3, 4, 6])
        #expect(try Tensor.concat([a]).scalars == a.scalars)
    }

    @Test func stackAddsAnAxis() throws {
        let s = try Tensor.stack([a, a * 10], axis: 1)
        #expect(s.shape == [2, 2, 2] && s.scalars == [1, 2, 10, 20, 3, 4, 30, 40])
        #expect(try Tensor.stack([Tensor(1), Tensor(2)]).scalars == [1, 2])
        #expect(try Tensor.stack([a, a], axis: -1).shape == [2, 2, 2])
    }

    @Test func splitIntoViews() throws {
        let row = try Tensor.arange(6)
        let pieces = try row.split(sizes: [1, 3, 2])
        #expect(pieces.map(\.scalars) == [[0], [1, 2, 3], [4, 5]])
        #expect(pieces[1].storage === row.storage)
        #expect(try row.reshaped([2, 3]).split(into: 3, axis: 1).map(\.scalars) == [[0, 3], [1, 4], [2, 5]])
    }

    @Test func misuseThrows() {
        #expect(throws: TensorError.self) { try Tensor.concat([]) }
        #expect(throws: TensorError.self) { try Tensor.stack([]) }
        #expect(throws: TensorError.self) { try Tensor.concat([Tensor(1), Tensor(2)]) }
        #expect(throws: TensorError.self) { try Tensor.concat([a, Tensor([1, 2])]) }
        #expect(throws: TensorError.self) { try Tensor.stack([a, b]) }
        #expect(throws: TensorError.self) { try Tensor.arange(6).split(sizes: [2, 2]) }
        #expect(throws: TensorError.self) { try Tensor.arange(6).split(into: 4) }
        do {
            _ = try Tensor.concat([a, b], axis: 1)
            Issue.record("mismatched extents must be rejected")
        } catch let error as TensorError {
            #expect(error.op == "concat" && error.message.contains("[2, 2]") && error.message.contains("[1, 2]"))
        } catch { Issue.record("\(error)") }
    }

    @Test func gradients() throws {
        let x = try sample([2, 3], seed: 1), y = try sample([1, 3], seed: 2)
        try checkGradients([x, y]) { try Tensor.concat([$0[0], $0[1], $0[0]]) }
        try checkGradients([x, x * 2]) { try Tensor.stack([$0[0], $0[1]], axis: 2) }
        try checkGradients([x]) { try Tensor.concat(try $0[0].split(sizes: [2, 1], axis: 1).reversed(), axis: 1) }
    }
}
