import Testing
@testable import Tensor

@Suite struct JoiningTests {
    let a: Tensor  // [[1, 2], [3, 4]]
    let b: Tensor  // [[5, 6]]

    init() throws {
        a = try Tensor(nested: [[1, 2], [3, 4]])
        b = try Tensor(nested: [[5, 6]])
    }

    // MARK: concat

    @Test func concatAlongTheFirstAndLastAxes() throws {
        let rows = try Tensor.concat([a, b])
        #expect(rows.shape == [3, 2] && rows.scalars == [1, 2, 3, 4, 5, 6])
        let side = try Tensor.concat([a, b.transposed()], axis: -1)  // b.transposed() is [[5], [6]], a view
        #expect(side.shape == [2, 3] && side.scalars == [1, 2, 5, 3, 4, 6])
        #expect(try Tensor.concat([a, b.transposed()], axis: 1).scalars == side.scalars)
    }

    @Test func concatAlongAMiddleAxis() throws {
        let x = try Tensor.arange(8).reshaped([2, 2, 2])
        let y = try (Tensor.arange(4) + 100).reshaped([2, 1, 2])
        let joined = try Tensor.concat([x, y], axis: 1)
        #expect(joined.shape == [2, 3, 2])
        #expect(joined.scalars == [0, 1, 2, 3, 100, 101, 4, 5, 6, 7, 102, 103])
    }

    @Test func concatOfOneOrWithEmptyPieces() throws {
        let single = try Tensor.concat([a])
        #expect(single.shape == [2, 2] && single.scalars == a.scalars)
        #expect(single.storage !== a.storage)
        let padded = try Tensor.concat([Tensor.zeros([0, 2]), a, Tensor.zeros([0, 2])])
        #expect(padded.shape == [2, 2] && padded.scalars == [1, 2, 3, 4])
        #expect(try Tensor.concat([Tensor.zeros([0, 3]), Tensor.zeros([0, 3])]).shape == [0, 3])
        #expect(try Tensor.concat([a, a.transposed(), b]).scalars == [1, 2, 3, 4, 1, 3, 2, 4, 5, 6])
    }

    @Test func concatGradientIsEachInputsSlice() throws {
        let x = a.requiringGrad(), y = b.requiringGrad()
        let weights = try Tensor(nested: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]])
        try (Tensor.concat([x, y, x]) * weights).sum().backward()
        // x appears twice: rows 0–1 and 3–4 of the result.
        let expected: [Float] = [1 + 7, 2 + 8, 3 + 9, 4 + 10]
        #expect(try #require(x.grad).scalars == expected)
        #expect(try #require(y.grad).scalars == [5, 6])
        let constant = try Tensor.concat([Tensor.ones([1, 2]), x])
        #expect(constant.requiresGrad)
    }

    @Test func concatGradientsMatchFiniteDifferences() throws {
        let x = try sample([2, 3], seed: 1), y = try sample([1, 3], seed: 2)
        try checkGradients([x, y]) { try Tensor.concat([$0[0], $0[1], $0[0]]) }
        try checkGradients([try sample([2, 2, 3], seed: 3), try sample([2, 1, 3], seed: 4)]) {
            try Tensor.concat([$0[1], $0[0]], axis: 1)
        }
        try checkGradients([try sample([3, 2], seed: 5)]) { try Tensor.concat([$0[0].transposed(), Tensor.ones([2, 1])], axis: -1) }
    }

    @Test func concatMisuseThrows() {
        expectError("concat", mentioning: ["empty"]) { try Tensor.concat([]) }
        expectError("concat", mentioning: ["[]"]) { try Tensor.concat([Tensor(1), Tensor(2)]) }
        expectError("concat", mentioning: ["[2, 2]", "[2]"]) { try Tensor.concat([a, Tensor([1, 2])]) }
        expectError("concat", mentioning: ["[2, 2]", "[1, 2]"]) { try Tensor.concat([a, b], axis: 1) }
        expectError("concat", mentioning: ["[2, 2]", "[2, 3]"]) { try Tensor.concat([a, Tensor.zeros([2, 3])]) }
        expectError("concat", mentioning: ["axis 2", "[2, 2]"]) { try Tensor.concat([a, a], axis: 2) }
        expectError("concat", mentioning: ["axis -3", "[2, 2]"]) { try Tensor.concat([a, a], axis: -3) }
    }

    // MARK: stack

    @Test func stackAddsAnAxisAnywhere() throws {
        let tens = a * 10
        let front = try Tensor.stack([a, tens])
        #expect(front.shape == [2, 2, 2] && front.scalars == [1, 2, 3, 4, 10, 20, 30, 40])
        let middle = try Tensor.stack([a, tens], axis: 1)
        #expect(middle.shape == [2, 2, 2] && middle.scalars == [1, 2, 10, 20, 3, 4, 30, 40])
        let back = try Tensor.stack([a, tens], axis: 2)
        #expect(back.shape == [2, 2, 2] && back.scalars == [1, 10, 2, 20, 3, 30, 4, 40])
        // Negative axes count from rank + 1: −1 is the new last axis, −3 the new first.
        #expect(try Tensor.stack([a, tens], axis: -1).scalars == back.scalars)
        #expect(try Tensor.stack([a, tens], axis: -3).scalars == front.scalars)
        let three = try Tensor.stack([a, a, tens], axis: 1)
        #expect(three.shape == [2, 3, 2] && three.scalars == [1, 2, 1, 2, 10, 20, 3, 4, 3, 4, 30, 40])
    }

    @Test func stackScalarsViewsAndEmptyTensors() throws {
        let scalars = try Tensor.stack([Tensor(1), Tensor(2), Tensor(3)])
        #expect(scalars.shape == [3] && scalars.scalars == [1, 2, 3])
        #expect(try Tensor.stack([Tensor(1)], axis: -1).shape == [1])
        #expect(try Tensor.stack([a.transposed(), a]).scalars == [1, 3, 2, 4, 1, 2, 3, 4])
        #expect(try Tensor.stack([a]).shape == [1, 2, 2])
        #expect(try Tensor.stack([Tensor.zeros([0, 2]), Tensor.zeros([0, 2])], axis: 1).shape == [0, 2, 2])
    }

    @Test func stackGradients() throws {
        let x = a.requiringGrad()
        let weights = try Tensor(nested: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
        try (Tensor.stack([x, Tensor.zeros([2, 2])], axis: 2) * weights).sum().backward()
        // x supplies slot 0 of the new last axis: weights[…, 0].
        #expect(try #require(x.grad).scalars == [1, 3, 5, 7])
        let y = try sample([2, 3], seed: 1), z = try sample([2, 3], seed: 2)
        for axis in [0, 1, 2, -1] {
            try checkGradients([y, z]) { try Tensor.stack([$0[0], $0[1], $0[0]], axis: axis) }
        }
        try checkGradients([try sample([3, 2], seed: 3), z]) { try Tensor.stack([$0[0].transposed(), $0[1]], axis: 1) }
    }

    @Test func stackMisuseThrows() {
        expectError("stack", mentioning: ["empty"]) { try Tensor.stack([]) }
        expectError("stack", mentioning: ["[2, 2]", "[1, 2]"]) { try Tensor.stack([a, b]) }
        expectError("stack", mentioning: ["[2, 2]", "[2, 2, 1]"]) { try Tensor.stack([a, a.unsqueezed(axis: 2)]) }
        expectError("stack", mentioning: ["axis 3", "[2, 2]"]) { try Tensor.stack([a, a], axis: 3) }
        expectError("stack", mentioning: ["axis -4", "[2, 2]"]) { try Tensor.stack([a, a], axis: -4) }
        expectError("stack", mentioning: ["axis 1", "[]"]) { try Tensor.stack([Tensor(1)], axis: 1) }
    }

    // MARK: split

    @Test func splitBySizesGivesViews() throws {
        let row = try Tensor.arange(6)
        let pieces = try row.split(sizes: [1, 3, 2])
        #expect(pieces.map(\.shape) == [[1], [3], [2]])
        #expect(pieces.map(\.scalars) == [[0], [1, 2, 3], [4, 5]])
        #expect(pieces.allSatisfy { $0.storage === row.storage })
        let grid = try row.reshaped([2, 3])
        let columns = try grid.split(sizes: [2, 1], axis: -1)
        #expect(columns.map(\.shape) == [[2, 2], [2, 1]])
        #expect(columns.map(\.scalars) == [[0, 1, 3, 4], [2, 5]])
        let withEmpty = try row.split(sizes: [0, 6, 0])
        #expect(withEmpty.map(\.shape) == [[0], [6], [0]])
        #expect(try grid.split(sizes: [2]).map(\.scalars) == [grid.scalars])
    }

    @Test func splitIntoEqualParts() throws {
        let grid = try Tensor.arange(6).reshaped([2, 3])
        #expect(try grid.split(into: 3, axis: 1).map(\.scalars) == [[0, 3], [1, 4], [2, 5]])
        #expect(try grid.split(into: 2).map(\.scalars) == [[0, 1, 2], [3, 4, 5]])
        #expect(try grid.split(into: 1, axis: -1).map(\.shape) == [[2, 3]])
        // q | k | v out of one projection, as attention does.
        let qkv = try Tensor.arange(12).reshaped([2, 6]).split(into: 3, axis: -1)
        #expect(qkv.map(\.scalars) == [[0, 1, 6, 7], [2, 3, 8, 9], [4, 5, 10, 11]])
        #expect(try Tensor.zeros([0, 2]).split(into: 1).map(\.shape) == [[0, 2]])
    }

    @Test func splitAndConcatAreInverse() throws {
        let x = try sample([4, 5], seed: 1)
        for axis in [0, 1] {
            let rejoined = try Tensor.concat(try x.split(sizes: axis == 0 ? [1, 0, 3] : [2, 2, 1], axis: axis), axis: axis)
            #expect(rejoined.scalars == x.scalars)
        }
    }

    @Test func splitGradients() throws {
        let x = try sample([2, 3], seed: 1).requiringGrad()
        let pieces = try x.split(sizes: [2, 1], axis: 1)
        try (pieces[1] * 5).sum().backward()
        #expect(try #require(x.grad).scalars == [0, 0, 5, 0, 0, 5])
        try checkGradients([try sample([2, 3], seed: 2)]) {
            try Tensor.concat(try $0[0].split(sizes: [2, 1], axis: 1).reversed(), axis: 1)
        }
        try checkGradients([try sample([6, 2], seed: 3)]) {
            let parts = try $0[0].split(into: 3)
            return try parts[0] * parts[2] + parts[1]
        }
    }

    @Test func splitMisuseThrows() {
        let row = Tensor([0, 1, 2, 3, 4, 5])
        expectError("split", mentioning: ["[2, 2]", "6", "[6]"]) { try row.split(sizes: [2, 2]) }
        expectError("split", mentioning: ["[4, 4]", "[6]"]) { try row.split(sizes: [4, 4]) }
        expectError("split", mentioning: ["[-1, 7]", "[6]"]) { try row.split(sizes: [-1, 7]) }
        expectError("split", mentioning: ["[6]"]) { try row.split(sizes: [Int.max, Int.max, 2]) }
        expectError("split", mentioning: ["axis 1", "[6]"]) { try row.split(sizes: [6], axis: 1) }
        expectError("split", mentioning: ["4", "[6]"]) { try row.split(into: 4) }
        expectError("split", mentioning: ["0", "[6]"]) { try row.split(into: 0) }
        expectError("split", mentioning: ["-2", "[6]"]) { try row.split(into: -2) }
        expectError("split", mentioning: ["7", "[6]"]) { try row.split(into: 7) }
        expectError("split", mentioning: ["[0, 2]"]) { try Tensor.zeros([0, 2]).split(into: 3) }
        expectError("split", mentioning: ["[]"]) { try Tensor(1).split(into: 1) }
    }
}
