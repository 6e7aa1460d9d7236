import Testing
@testable import Tensor

@Suite struct SelectionTests {
    @Test func whereBroadcastsAllThree() throws {
        let condition = try Tensor([1, 0, 1], shape: [1, 3])
        let a = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])
        let b = Tensor(-1)
        #expect(try Tensor.where(condition, a, b).scalars == [1, -1, 3, 4, -1, 6])
        #expect(try Tensor.where(Tensor([0, 1]), Tensor([.infinity, 2]), Tensor([7, .nan])).scalars == [7, 2])
        #expect(throws: TensorError.self) { try Tensor.where(Tensor([1, 0]), a, b) }
    }

    @Test func maskedFillKeepsShape() throws {
        let scores = try Tensor(nested: [[1, 2], [3, 4]])
        let mask = try Tensor([0, 1], shape: [1, 2])
        #expect(try scores.maskedFill(mask, value: -.infinity).scalars == [1, -.infinity, 3, -.infinity])
        do {
            _ = try Tensor([1, 2]).maskedFill(Tensor.ones([2, 2]), value: 0)
            Issue.record("a mask larger than the tensor must be rejected")
        } catch let error as TensorError {
            #expect(error.op == "masked_fill" && error.message.contains("[2, 2]"))
        }
    }

    @Test func gradientsGoWhereValuesCameFrom() throws {
        let condition = try Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3])
        try checkGradients([try sample([2, 3], seed: 1), try sample([3], seed: 2)]) { try Tensor.where(condition, $0[0], $0[1]) }
        try checkGradients([try sample([2, 3], seed: 3)]) { try $0[0].maskedFill(condition, value: 5) }
    }
}
