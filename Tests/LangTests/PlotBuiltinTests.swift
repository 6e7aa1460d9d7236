import Foundation
import Plot
import Testing
@testable import Lang

/// The plot builtins: hostile input draws without trapping, and invalid options are errors
/// that name the option.
@Suite struct PlotBuiltinTests {
    func run(_ code: String) throws -> Value {
        Terminal.colorOverride = false
        return try Interpreter(write: { _ in }).evaluate(Source(name: "<test>", text: code)).value
    }

    func shown(_ code: String) throws -> String {
        guard case .string(let text) = try run("str(\(code))") else { return "" }
        return text
    }

    /// The audit's crashing inputs (Swift traps before the fix).
    @Test(arguments: [
        "plot([1e308, -1e308])", "spark([1e308, -1e308])", "bar([\"a\", \"b\"], [1e308, -1e308])",
        "heatmap([[1.7e308, -1.7e308]])", "plot([1, 2], ylim: [-1e308, 1e308])", "plot([1, 2], hline: [-1e308, 1e308])",
        "plot([0, 1e20, 0], ylim: [0, 1])", "hist([1e308, -1e308])", "scatter([1.7e308, -1.7e308])", "stairs([1e308, -1e308])",
        "panel([plot([1e308, -1e308]), hist([1e308, -1e308])], canvas: \"ascii\")",
    ])
    func hugeValuesDraw(_ code: String) throws {
        #expect(!(try shown(code)).isEmpty)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("preflab-plot-\(UUID().uuidString).svg").path
        _ = try run("save(\(code), \"\(path)\")")
        let svg = try String(contentsOfFile: path, encoding: .utf8)
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test func histogramOfHugeValuesHasBars() throws {
        #expect(try shown("hist([1e308, -1e308], width: 50)").contains("█"))
    }

    @Test func asciiCanvasAppliesToEveryKind() throws {
        for code in ["plot([1, 2, 3], names: [\"a\"], canvas: \"ascii\")", "hist([1, 2, 2, 3], canvas: \"ascii\")",
                     "bar([\"a\", \"b\"], [1, -1], canvas: \"ascii\")", "heatmap([[0, 1], [2, 3]], ylabel: \"step\", canvas: \"ascii\")",
                     "spark([1, 2, 3], canvas: \"ascii\")", "panel([plot([1, 2]), spark([1, 2])], canvas: \"ascii\")",
                     "plot([1, 10, 100], yscale: \"log10\", canvas: \"ascii\")"] {
            let text = try shown(code)
            #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(code):\n\(text)")
        }
    }

    @Test(arguments: [
        ("plot([1, 2], xlim: [2, 1])", "xlim must be [low, high] with finite low < high"),
        ("plot([1, 2], ylim: [1, 1])", "ylim must be [low, high] with finite low < high"),
        ("plot([1, 2], ylim: [0, inf])", "ylim must be [low, high] with finite low < high"),
        ("plot([1, 2], xlim: [nan, 1])", "xlim must be [low, high] with finite low < high"),
        ("plot([1, 2], yscale: \"log10\", ylim: [0, 10])", "ylim must be positive on a log10 scale"),
        ("plot([1, 2], hline: nan)", "hline must be finite"),
        ("plot([1, 2], vline: [1, nan])", "vline must be finite"),
        ("plot([[1, 2], [3, 4]], names: [\"a\"])", "names has 1 entry for 2 series"),
        ("scatter([1, 2], names: [\"a\", \"b\"])", "names has 2 entries for 1 series"),
        ("heatmap([[1, 2], [3]])", "matrix rows must have equal lengths: row 1 has 2 values, row 2 has 1"),
        ("save(plot([1, 2]), \"/tmp/x.png\")", "path must end in .svg or .txt"),
        ("hist([1, 2], xlim: [0, 1])", "xlim does not apply to hist"),
        ("hist([1, 2], xscale: \"log10\")", "xscale does not apply to hist"),
        ("bar([\"a\"], [1], hline: 0)", "hline does not apply to bar"),
        ("bar([\"a\"], [1], ylabel: \"y\")", "ylabel does not apply to bar"),
        ("heatmap([[1]], vline: 1)", "vline does not apply to heatmap"),
        ("heatmap([[1]], yscale: \"log10\")", "yscale does not apply to heatmap"),
        ("panel([spark([1])], canvas: \"dots\")", "canvas must be one of"),
    ])
    func invalidOptionsAreErrorsNamingThem(_ code: String, _ message: String) {
        let error = errorText { try run(code) }
        #expect(error.contains(message), "\(code): \(error)")
    }
}
