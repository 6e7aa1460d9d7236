import Testing
@testable import Tensor

/// Accumulation across backward calls is shown in DocumentationExampleTests.autogradExample.
@Suite struct AutogradTests {
    @Test func sharedInputsSumTheirPaths() throws {
        // y = x·x + exp(x): x reaches the output three times.
        let x = try Tensor([0.5, -1]).requiringGrad()
        try ((x * x) + x.exp()).sum().backward()
        let expected = [0.5, -1].map { Float(2 * $0 + Foundation.exp($0)) }
        #expect(close(try #require(x.grad).scalars, expected))
    }

    @Test func noGradScopeAndDetach() throws {
        let x = try Tensor([1, 2]).requiringGrad()
        let y = try GradMode.withoutGrad { try (x * x).sum() }
        #expect(!y.requiresGrad)
        #expect(!(x.detached() * 2).requiresGrad)
        #expect((x * 2).requiresGrad)
        let z = try (x * x.detached()).sum()
        try z.backward()
        #expect(x.grad?.scalars == [1, 2])
    }

    @Test func backwardMisuseThrows() throws {
        let x = try Tensor([1, 2]).requiringGrad()
        do {
            try (x * 2).backward()
            Issue.record("backward from a vector should throw")
        } catch let error as TensorError {
            #expect(error.op == "backward" && error.message.contains("[2]"))
        }
        #expect(throws: TensorError.self) { try Tensor([1, 2]).sum().backward() }
        #expect(throws: TensorError.self) { try (x * 2).backward(seed: Tensor([1, 2, 3])) }
        try (x * 2).backward(seed: Tensor([1, -1]))
        #expect(x.grad?.scalars == [2, -2])
    }

    @Test func leafGradientsAreContiguous() throws {
        let w = try sample([3, 2]).requiringGrad()
        try w.transposed().sum(axis: 0).sum().backward()
        let grad = try #require(w.grad)
        #expect(grad.isContiguous && grad.shape == [3, 2] && grad.scalars == [1, 1, 1, 1, 1, 1])
    }
}

import Foundation
