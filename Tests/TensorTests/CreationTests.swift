import Base
import Testing
@testable import Tensor

@Suite struct CreationTests {
    @Test func filledTensors() throws {
        #expect(try Tensor.zeros([2, 3]).scalars == [0, 0, 0, 0, 0, 0])
        #expect(try Tensor.ones([2]).scalars == [1, 1])
        let full = try Tensor.full([2, 2], value: 3.5)
        #expect(full.shape == [2, 2] && full.scalars == [3.5, 3.5, 3.5, 3.5])
        #expect(try Tensor.zeros([]).shape == [] && (try Tensor.zeros([]).item()) == 0)
        #expect(try Tensor.zeros([0, 4]).count == 0)
    }

    @Test func rangesAndIdentity() throws {
        #expect(try Tensor.arange(5).scalars == [0, 1, 2, 3, 4])
        #expect(try Tensor.arange(1, 2, step: 0.25).scalars == [1, 1.25, 1.5, 1.75])
        #expect(try Tensor.arange(3, 0, step: -1).scalars == [3, 2, 1])
        #expect(try Tensor.arange(3, 0).count == 0)
        // Steps pointing away from the end give counts far below Int.min: empty, not a trap.
        #expect(try Tensor.arange(0, -1e20).count == 0)
        #expect(try Tensor.arange(-1e20).count == 0)
        #expect(try Tensor.arange(1, 0, step: 1e-30).count == 0)
        #expect(try Tensor.arange(-3e38, 3e38, step: -.leastNonzeroMagnitude).count == 0)
        #expect(try Tensor.linspace(0, 1, count: 5).scalars == [0, 0.25, 0.5, 0.75, 1])
        #expect(try Tensor.linspace(2, 2, count: 1).scalars == [2])
        #expect(try Tensor.eye(2, 3).scalars == [1, 0, 0, 0, 1, 0])
        #expect(try Tensor.eye(3).shape == [3, 3])
    }

    @Test func nestedLists() throws {
        let t = try Tensor(nested: [[1, 2, 3], [4, 5, 6]])
        #expect(t.shape == [2, 3] && t.scalars == [1, 2, 3, 4, 5, 6])
        #expect(try Tensor(nested: 2.5).shape == [])
        #expect(try Tensor(nested: [[[1], [2]]]).shape == [1, 2, 1])
        #expect(try Tensor(nested: []).shape == [0])
        #expect(try Tensor([], shape: [0, 3]).count == 0)
    }

    @Test func creationErrors() {
        expectError("tensor", mentioning: ["ragged", "1 items at [1]", "shape [2, 2]"]) { try Tensor(nested: [[1, 2], [3]]) }
        expectError("tensor", mentioning: ["ragged", "a number at [1]", "shape [2, 2]"]) { try Tensor(nested: [[1, 2], 3]) }
        expectError("tensor", mentioning: ["3 values", "shape [2, 2]"]) { try Tensor([1, 2, 3], shape: [2, 2]) }
        expectError("zeros", mentioning: ["negative extent", "[-1, 2]"]) { try Tensor.zeros([-1, 2]) }
        expectError("zeros", mentioning: ["shape [\(1 << 40), \(1 << 40)]", "more memory"]) { try Tensor.zeros([1 << 40, 1 << 40]) }
        expectError("arange", mentioning: ["non-zero step", "step 0.0"]) { try Tensor.arange(0, 1, step: 0) }
        expectError("arange", mentioning: ["finite", "end inf"]) { try Tensor.arange(0, .infinity) }
        expectError("linspace", mentioning: ["count", "-2"]) { try Tensor.linspace(0, 1, count: -2) }
        // A nested list's shape is checked before its values are read.
        let row = NestedValues.list([NestedValues](repeating: 1, count: 1 << 16))
        let wide = NestedValues.list([NestedValues](repeating: .list([NestedValues](repeating: row, count: 1 << 16)), count: 1 << 16))
        expectError("tensor", mentioning: ["shape [65536, 65536, 65536]"]) { try Tensor(nested: wide) }
    }

    @Test func generatorIsReproducible() throws {
        var a = RandomGenerator(seed: 42), b = RandomGenerator(seed: 42), c = RandomGenerator(seed: 43)
        let first = (0..<4).map { _ in a.next() }
        #expect(first == (0..<4).map { _ in b.next() })
        #expect(first != (0..<4).map { _ in c.next() })
        // The stream is part of PrefLab's reproducibility promise: a change here changes every seeded experiment.
        var pinned = RandomGenerator(seed: 0)
        #expect(pinned.next() == 0x99EC_5F36_CB75_F2B4)
    }

    @Test func uniformAndNormalSamples() throws {
        var generator = RandomGenerator(seed: 1)
        let u = try Tensor.rand([10_000], using: &generator).scalars
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / 10_000 - 0.5) < 0.02)
        let n = try Tensor.randn([10_001], using: &generator)
        let mean = try n.mean().item()
        let std = try n.standardDeviation().item()
        #expect(abs(mean) < 0.03 && abs(std - 1) < 0.03)
        #expect(n.shape == [10_001])
    }
}
