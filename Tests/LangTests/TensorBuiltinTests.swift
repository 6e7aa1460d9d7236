import Foundation
import Testing
@testable import Lang

/// Tensor operators and autograd builtins at the language level: values, and errors that name
/// what the user called (not the Swift function underneath).
struct TensorBuiltinTests {
    func run(_ code: String) throws -> Value { try evaluate(code) }
    func numbers(_ code: String) throws -> [Double] { try evaluatedNumbers(code) }

    func errorMessage(_ code: String) -> String { errorText { try run(code) } }

    @Test func remainderOnTensorsFollowsPython() throws {
        #expect(try numbers("tensor([1, 2]) % 2") == [1, 0])
        #expect(try numbers("tensor([-7, 7, -7, 5.5]) % tensor([3, -3, -3, 2])") == [2, -2, -1, 1.5])
        #expect(try numbers("7 % tensor([-2, 3])") == [-1, 1])
        #expect(try numbers("tensor((tensor([[-1], [4]]) % tensor([3, -3])).shape)") == [2, 2])
        #expect(try numbers("tensor([[-1], [4]]) % tensor([3, -3])") == [2, -1, 1, -2])
        // d/da = 1, d/db = −floor(a/b), as torch.remainder.
        #expect(try numbers("grad(fn(a) => sum(a % 3), tensor([-4, 5]))") == [1, 1])
        #expect(try numbers("grad(fn(b) => sum(tensor([7, -7]) % b), tensor([-2, 2]))") == [4, 4])
        #expect(errorMessage("zeros([2]) % zeros([3])").contains("remainder: shapes [2] and [3]"))
    }

    @Test func nestedListsBecomeTensorsOrNameWhatIsWrong() throws {
        #expect(try numbers("tensor([[1, true], [tensor(3), -0.5]])") == [1, 1, 3, -0.5])
        #expect(try numbers("tensor(tensor([[[]]]).shape)") == [1, 1, 0])
        #expect(errorMessage("tensor([[1, 2], [3]])").contains("argument 'values' cannot become a tensor: ragged nested list: 1 items at [1], expected shape [2, 2]"))
        #expect(errorMessage("tensor([[1, 2], 3])").contains("a number at [1] where shape [2, 2] expects a list"))
        #expect(errorMessage("tensor([1, \"a\"])").contains("argument 'values' must hold only numbers, found a string"))
        // Lists share their items: three lines describe 10^15 numbers, refused before any is read.
        let huge = errorMessage("let a = map(range(100000), fn(i) => 1)\nlet b = map(range(100000), fn(i) => a)\ntensor(map(range(100000), fn(i) => b))")
        #expect(huge.contains("cannot become a tensor: shape [100000, 100000, 100000] needs more memory than this machine has"), "\(huge)")
    }

    @Test func nestedGradIsRefusedNotZero() throws {
        // d/dx of 3x² at 2 is 12; the tape cannot record it, so this must fail, never give 0.
        let nested = errorMessage("grad(fn(x) => sum(grad(fn(y) => sum(y*y*y), x)), tensor([2.0]))")
        #expect(nested.contains("grad: nested grad (second derivatives) is not supported"), "\(nested)")
        // The inner function capturing the outer input is a second derivative too.
        #expect(errorMessage("grad(fn(x) => sum(grad(fn(y) => sum(y*x), tensor([1.0]))), tensor([2.0]))")
            .contains("nested grad (second derivatives) is not supported"))
        #expect(errorMessage("fn f(x) {\n backward(sum(x * x))\n sum(x)\n}\ngrad(f, tensor([2.0]))")
            .contains("backward: inside grad's function, a loss that depends on grad's input (second derivatives) is not supported"))
        // An inner grad independent of the outer input is a constant: that stays allowed.
        #expect(try numbers("grad(fn(x) => sum(x * grad(fn(y) => sum(y*y), tensor([3.0]))), tensor([2.0]))") == [6])
        // The session keeps working after the refusal, and grad at a requires_grad leaf still works.
        #expect(try numbers("let w = requires_grad(tensor([1, 2]))\ngrad(fn(x) => sum(x * w), w)") == [1, 2])
    }

    @Test func errorsNameTheBuiltinCalled() {
        #expect(errorMessage("logsumexp(zeros([0, 3]), axis: 0)").contains("error: logsumexp: cannot reduce an empty axis of shape [0, 3]"))
        #expect(errorMessage("logsumexp(zeros([2]), axis: 1)").contains("error: logsumexp: axis 1 is out of range"))
        #expect(errorMessage("zeros([-1])").contains("error: zeros: negative extent"))
        #expect(errorMessage("ones([2, -3])").contains("error: ones: negative extent"))
        #expect(errorMessage("eye(-1)").contains("error: eye: negative extent"))
        #expect(errorMessage("full([-1], 2)").contains("error: full: negative extent"))
        #expect(errorMessage("std(zeros([2]), axis: 3)").contains("error: std: axis 3 is out of range"))
        #expect(errorMessage("randint(0, 3, [-1])").contains("error: randint: negative extent"))
        #expect(errorMessage("zeros([2])[5]").contains("error: index 5 is out of range for axis 0 of shape [2]"))
        let backward = errorMessage("backward(tensor([1.0, 2]))")
        #expect(backward.contains("backward: loss of shape [2] does not depend on any tensor marked with requires_grad(x)"), "\(backward)")
        #expect(!backward.contains("requiringGrad"))
    }
}

/// Half-precision builtins: values rounded as PyTorch's casts round them, and the bit patterns.
struct PrecisionBuiltinTests {
    let tests = TensorBuiltinTests()

    @Test func roundingThroughF16AndBF16() throws {
        #expect(try tests.numbers("to_bf16(tensor([0.1, 3.14159, 70000]))") == [0.10009765625, 3.140625, 70144])
        #expect(try tests.numbers("to_f16(tensor([0.1, 65504, 70000, 1e-8]))") == [0.0999755859375, 65504, .infinity, 0])
        #expect(try tests.numbers("tensor(to_f16(ones([2, 3])).shape)") == [2, 3])
        // The gradient of a cast is the identity, as in PyTorch.
        #expect(try tests.numbers("grad(fn(x) => sum(to_bf16(x) * 3), tensor([0.1, 2]))") == [3, 3])
    }

    @Test func bitPatterns() throws {
        #expect(try tests.numbers("from_bits([15360, 49152, 31743], dtype: \"f16\")") == [1, -2, 65504])
        #expect(try tests.numbers("from_bits(tensor([[16256], [49152]]), dtype: \"BF16\")") == [1, -2])
        #expect(try tests.numbers("to_bits(tensor([1, -2]), dtype: \"bf16\")") == [16256, 49152])
        #expect(try tests.numbers("to_bits(tensor([1, -0.5]), dtype: \"f16\")") == [15360, 47104])
        #expect(try tests.numbers("from_bits(to_bits(tensor([0.1]), dtype: \"f16\"), dtype: \"f16\")") == [0.0999755859375])
        #expect(tests.errorMessage("from_bits([70000], dtype: \"f16\")").contains("from_bits: bits must be whole numbers in 0 … 65535, got 70000"))
        #expect(tests.errorMessage("to_bits([1], dtype: \"f32\")").contains("to_bits: dtype must be \"f16\" or \"bf16\", got \"f32\""))
    }
}
