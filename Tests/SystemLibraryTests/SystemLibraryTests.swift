import CBLAS
import CEditLine
import Testing

/// The system-library targets link and call into the real libraries.
@Suite struct SystemLibraryTests {
    @Test func openBLASMultipliesMatrices() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]          // [2, 3]
        let b: [Float] = [7, 8, 9, 10, 11, 12]       // [3, 2]
        var c = [Float](repeating: 0, count: 4)      // [2, 2]
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 2, 2, 3, 1, a, 3, b, 2, 0, &c, 2)
        #expect(c == [58, 64, 139, 154])
    }

    @Test func libeditKeepsHistory() {
        using_history()
        add_history("let x = 1")
        add_history("x + λ")
        let entry = history_get(history_base + history_length - 1)
        #expect(entry.map { String(cString: $0.pointee.line) } == "x + λ")
    }
}
