import Foundation
import Testing
@testable import Tensor

@Suite struct SoftmaxTests {
    func reference(_ row: [Float]) -> [Float] {
        let peak = row.max() ?? 0
        let e = row.map { Foundation.exp(Double($0 - peak)) }
        let total = e.reduce(0, +)
        return e.map { Float($0 / total) }
    }

    @Test func rowsSumToOne() throws {
        let x = try sample([3, 11], seed: 2, scale: 3)
        let y = try x.softmax()
        for r in 0..<3 {
            #expect(close(try y.select(axis: 0, index: r).scalars, reference(try x.select(axis: 0, index: r).scalars), tolerance: 1e-6))
        }
        let logY = try x.logSoftmax()
        #expect(close(logY.scalars, y.scalars.map { Foundation.log($0) }, tolerance: 1e-5))
    }

    @Test func otherAxesAndExtremes() throws {
        let x = try sample([4, 3], seed: 3)
        #expect(close(try x.softmax(axis: 0).scalars, try x.transposed().softmax().transposed().contiguous().scalars))
        let big = try Tensor([1000, 1001, -.infinity]).softmax().scalars
        #expect(close(big, [Float(1 / (1 + Foundation.exp(1.0))), Float(1 / (1 + Foundation.exp(-1.0))), 0]))
        #expect(try Tensor([-.infinity, -.infinity]).logSoftmax().scalars.allSatisfy { $0.isNaN })
        expectError("softmax", mentioning: ["needs at least one axis", "scalar"]) { try Tensor(1).softmax() }
        expectError("softmax", mentioning: ["axis 2", "shape [4, 3]"]) { try x.softmax(axis: 2) }
        expectError("log_softmax", mentioning: ["axis -3", "shape [4, 3]"]) { try x.logSoftmax(axis: -3) }
    }

    @Test func gradients() throws {
        let x = try sample([3, 5], seed: 4)
        try checkGradients([x]) { try $0[0].softmax() }
        try checkGradients([x]) { try $0[0].softmax(axis: 0) }
        try checkGradients([x]) { try $0[0].logSoftmax() }
        try checkGradients([x]) { try $0[0].logSoftmax(axis: 0) }
    }
}
