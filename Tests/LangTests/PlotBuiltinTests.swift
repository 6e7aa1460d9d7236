import Foundation
import Plot
import Testing
import Training
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
        ("hist([1, 2, 3], bins: 0)", "bins must be between 1 and 10000"),
        ("train(new_model(vocab: 8, hidden: 8, layers: 1, heads: 1, max_len: 8), tensor([[1, 2, 3]]), steps: 1, plot_every: -1)",
         "plot_every: must be between 0 (no live plot) and 10000000, got -1"),
        ("resume(\"/nonexistent-run\", plot_every: 0.5)", "argument 'plot_every' must be a whole number"),
    ])
    func invalidOptionsAreErrorsNamingThem(_ code: String, _ message: String) {
        let error = errorText { try run(code) }
        #expect(error.contains(message), "\(code): \(error)")
    }

    @Test func histBinsIsTheExactCount() throws {
        for bins in [1, 3, 12] {
            let rows = try shown("hist([1, 2, 2, 3, 3, 3, 4, 4, 5, 9], bins: \(bins), width: 50)").split(separator: "\n").filter { $0.contains("┤") }
            #expect(rows.count == bins, "bins: \(bins)")
        }
    }

    private func step(_ number: Int, loss: Double, chosen: Double? = nil, rejected: Double? = nil) -> StepMetrics {
        let deltas = [("logps/chosen_delta", chosen), ("logps/rejected_delta", rejected)].compactMap { name, value in
            value.map { StepMetrics.Figure(name: name, value: $0) }
        }
        return StepMetrics(step: number, loss: loss, learningRate: 0.01, gradientNorm: 1, tokens: 16, tokensPerSecond: 1000,
                           seconds: 0.01, extra: deltas)
    }

    @Test func liveTrainingPlotRedrawsInPlaceEveryNStepsAndAtTheEnd() throws {
        var written: [String] = []
        let view = LiveView(isTerminal: true, colored: false, columns: 90) { written.append($0) }
        let live = try #require(LiveTrainingPlot(every: 2, totalSteps: 5, history: [], view: view))
        for number in 1...5 { live.record(step(number, loss: 4 / Double(number))) }
        #expect(written.count == 3)  // steps 2, 4 and 5, the last
        #expect(!written[0].contains("\u{1B}") && written[0].contains("■ loss") && written[0].contains("step"))
        let height = written[0].split(separator: "\n", omittingEmptySubsequences: false).count - 1
        #expect(written[1].hasPrefix("\u{1B}[\(height)F\u{1B}[J") && written[2].hasPrefix("\u{1B}[\(height)F\u{1B}[J"))
        // Narrower than the terminal, so no line wraps and the redraw goes back over all of them.
        #expect(written.allSatisfy { $0.split(separator: "\n").allSatisfy { $0.unicodeScalars.count < 90 } })
    }

    @Test func liveTrainingPlotOfAPreferenceRunAddsTheLogProbChanges() throws {
        var written: [String] = []
        let view = LiveView(isTerminal: true, colored: false, columns: 120) { written.append($0) }
        let earlier = [step(1, loss: 0.69, chosen: 0, rejected: 0)]  // a resumed run keeps its first steps
        let live = try #require(LiveTrainingPlot(every: 1, totalSteps: 3, history: earlier, view: view))
        live.record(step(2, loss: 0.6, chosen: -0.5, rejected: -1.5))
        live.record(step(3, loss: 0.5, chosen: -1, rejected: -3))
        #expect(written.count == 2)
        // Without colour the two log-prob series have markers of their own; the loss is alone.
        #expect(written[1].contains("log-prob − reference") && written[1].contains("● chosen") && written[1].contains("▲ rejected"))
        #expect(written[1].contains("■ loss"))
    }

    @Test func liveTrainingPlotIsOnlyForTerminals() {
        let log = LiveView(isTerminal: false, colored: false) { _ in Issue.record("nothing may be written off a terminal") }
        #expect(LiveTrainingPlot(every: 1, totalSteps: 3, history: [], view: log) == nil)
        let terminal = LiveView(isTerminal: true, colored: false) { _ in }
        #expect(LiveTrainingPlot(every: 0, totalSteps: 3, history: [], view: terminal) == nil)
    }
}
