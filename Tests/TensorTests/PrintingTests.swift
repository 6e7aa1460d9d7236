import Foundation
import Testing
@testable import Tensor

/// One golden case made by scripts/fixtures/printing.py from NumPy's array2string.
struct PrintingCase: Decodable, CustomTestStringConvertible {
    let name: String
    let shape: [Int]
    let bits: [UInt32]
    let expected: String
    var testDescription: String { name }

    static let all: [PrintingCase] = {
        guard let url = Bundle.module.url(forResource: "printing", withExtension: "json", subdirectory: "Fixtures"),
              let data = try? Data(contentsOf: url),
              let cases = try? JSONDecoder().decode([PrintingCase].self, from: data) else { return [] }
        return cases
    }()
}

@Suite struct PrintingTests {
    @Test func fixturesLoad() {
        #expect(PrintingCase.all.count >= 19)
    }

    @Test(arguments: PrintingCase.all)
    func matchesNumPy(_ golden: PrintingCase) throws {
        let tensor = try Tensor(golden.bits.map(Float.init(bitPattern:)), shape: golden.shape)
        #expect(tensor.formattedValues() == golden.expected)
    }

    @Test func footerNamesShapeAndGrad() throws {
        let t = try Tensor(nested: [[1, 2], [3, 4]])
        #expect(t.description == "[[1., 2.],\n [3., 4.]]\n[Float32 tensor of shape [2, 2]]")
        #expect(t.requiringGrad().description.hasSuffix("[Float32 tensor of shape [2, 2], requires grad]"))
        #expect(Tensor(2.5).description == "2.5\n[Float32 tensor of shape []]")
    }

    @Test func stridedViewsPrintInLogicalOrder() throws {
        let t = try Tensor(nested: [[1, 2, 3], [4, 5, 6]]).transposed()
        #expect(t.formattedValues() == "[[1., 4.],\n [2., 5.],\n [3., 6.]]")
    }

    @Test func optionsChangeSummaryAndDigits() throws {
        let t = try Tensor.arange(10)
        #expect(t.formattedValues(threshold: 5, edgeItems: 2) == "[0., 1., ..., 8., 9.]")
        #expect(Tensor([1.0 / 3]).formattedValues(precision: 3) == "[0.333]")
    }

    // Expected strings below are np.array2string(a, separator=", ", …) from NumPy 2.4.
    @Test func optionsMatchNumPy() throws {
        let mixed = try Tensor(nested: [[1e-6, 2.5], [-3.25, 1e4]])
        #expect(mixed.formattedValues(precision: 3) == "[[ 1.00e-06,  2.50e+00],\n [-3.25e+00,  1.00e+04]]")
        let narrow = try Tensor.arange(12).reshaped([2, 6]) * 1.5
        #expect(narrow.formattedValues(lineWidth: 20) == "[[ 0. ,  1.5,  3. ,\n   4.5,  6. ,  7.5],\n [ 9. , 10.5, 12. ,\n  13.5, 15. , 16.5]]")
        let cube = try Tensor.arange(60).reshaped([2, 5, 6])
        #expect(cube.formattedValues(threshold: 10, edgeItems: 1)
            == "[[[ 0., ...,  5.],\n  ...,\n  [24., ..., 29.]],\n\n [[30., ..., 35.],\n  ...,\n  [54., ..., 59.]]]")
        #expect(Tensor([1.0 / 3, 2]).formattedValues(precision: 0) == "[0., 2.]")
    }

    @Test func broadcastAndReversedViewsPrintInLogicalOrder() throws {
        let rows = try Tensor([1, -2.5]).expanded(to: [3000, 2])
        #expect(rows.formattedValues()
            == "[[ 1. , -2.5],\n [ 1. , -2.5],\n [ 1. , -2.5],\n ...,\n [ 1. , -2.5],\n [ 1. , -2.5],\n [ 1. , -2.5]]")
        let reversed = try Tensor.arange(6).reshaped([2, 3]).slice(axis: 0, step: -1).slice(axis: 1, step: -2)
        #expect(reversed.formattedValues() == "[[5., 3.],\n [2., 0.]]")
    }

    @Test func manyUnitAxesPrintWithoutDeepRecursion() throws {
        let thirty = try Tensor([2, 3], shape: Array(repeating: 1, count: 30) + [2])
        #expect(thirty.formattedValues() == String(repeating: "[", count: 31) + "2., 3." + String(repeating: "]", count: 31))
        // Far deeper than the stack would allow one recursion level per axis. The indentation
        // outgrows the line width, so, as in NumPy, every element gets its own line.
        let deep = try Tensor([2, 3], shape: Array(repeating: 1, count: 100_000) + [2])
        let expected = String(repeating: "[", count: 100_001) + "2.,\n" + String(repeating: " ", count: 100_001) + "3."
            + String(repeating: "]", count: 100_001)
        let matches = deep.formattedValues() == expected  // compared apart so a failure does not print 300 kB
        #expect(matches)
    }

    @Test func outOfRangeOptionsAreClampedNotTrapped() throws {
        let t = try Tensor.arange(20)
        let summary = "[ 0.,  1.,  2., ..., 17., 18., 19.]"
        #expect(t.formattedValues(precision: -5, threshold: 5) == summary)
        #expect(t.formattedValues(precision: .max, threshold: 5) == summary)
        #expect(t.formattedValues(threshold: 5, lineWidth: .max) == summary)
        #expect(t.formattedValues(threshold: 5, edgeItems: -2) == "[...]")
        #expect(t.formattedValues(threshold: 5, edgeItems: .min) == "[...]")
        #expect(t.formattedValues(threshold: 5, edgeItems: .max).hasSuffix("18., 19.]"))
        #expect(t.formattedValues(threshold: 5, lineWidth: .min) == "[ 0.,\n  1.,\n  2.,\n ...,\n 17.,\n 18.,\n 19.]")
        #expect(Tensor(0.5).formattedValues(threshold: -1, edgeItems: 0) == "0.5")
    }
}
