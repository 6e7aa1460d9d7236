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
}
