import Foundation
import Testing
@testable import Plot

/// SVG output compared with Golden/NAME.svg, one case per kind (PREFLAB_UPDATE_GOLDEN=1 rewrites
/// them). scripts/svg-check renders the three-series case in a real browser.
struct SVGCase: CustomTestStringConvertible, Sendable {
    let name: String
    let make: @Sendable () -> any Figure
    var testDescription: String { name }

    static let steps = PlotCase.steps

    static let all: [SVGCase] = [
        SVGCase(name: "svg_line_three_series") {
            var options = PlotOptions()
            options.title = "DPO: log-probs relative to the reference"
            options.xlabel = "step"
            options.ylabel = "log-prob"
            options.hlines = [-20]
            let margin = zip(PlotCase.chosen, PlotCase.rejected).map { 0.1 * ($0 - $1) - 20 }
            return XYPlot([Series(name: "chosen", x: steps, y: PlotCase.chosen), Series(name: "rejected", x: steps, y: PlotCase.rejected),
                           Series(name: "margin", x: steps, y: margin)], options: options)
        },
        SVGCase(name: "svg_line_leaving_the_frame") {
            var options = PlotOptions()
            options.ylim = (0, 2)
            return XYPlot([Series(y: [1, 1e6, 1, .nan, 1.5])], options: options)
        },
        SVGCase(name: "svg_line_log_scales") {
            var options = PlotOptions()
            options.xscale = .log10
            options.yscale = .log10
            return XYPlot([Series(x: [1, 3, 10, 30, 100], y: [2, 3, 5, 7, 9])], options: options)
        },
        SVGCase(name: "svg_scatter") {
            XYPlot([Series(name: "pairs", x: [1, 2, 3, 4, 5, 6], y: [0.2, 0.8, 0.4, 0.9, 0.1, 0.6])], style: .scatter)
        },
        SVGCase(name: "svg_stairs") { XYPlot([Series(y: [1, 3, 2, 5, 4])], style: .stairs) },
        SVGCase(name: "svg_histogram") { Histogram([1, 2, 2, 3, 3, 3, 4, 9], edges: [0, 2, 4, 10]) },
        SVGCase(name: "svg_bar") { BarChart(labels: ["before", "at", "after"], values: [0.05, -1.42, -0.31]) },
        SVGCase(name: "svg_bar_huge_opposite_signs") { BarChart(labels: ["a", "b"], values: [1e308, -1e308]) },
        SVGCase(name: "svg_heatmap") { Heatmap([[0, 1, 2], [3, .nan, 5]]) },
        SVGCase(name: "svg_heatmap_huge_opposite_signs") { Heatmap([[1.7e308, -1.7e308]]) },
        SVGCase(name: "svg_sparkline") { Sparkline([1, 5, 22, 13, 53, .nan, 40, 2]) },
        // The title before the line; the lone 30 between NaNs is a dot.
        SVGCase(name: "svg_sparkline_title") { Sparkline([1, 5, 22, 13, 53, .nan, 40, 2, .nan, 30], title: "loss") },
        // Row and column ticks number the matrix's own cells, also when 300 columns are averaged into 200.
        SVGCase(name: "svg_heatmap_labelled") {
            var options = PlotOptions()
            options.title = "per-position change"
            options.xlabel = "token position"
            options.ylabel = "step"
            return Heatmap((0..<12).map { r in (0..<300).map { c in Foundation.sin(Double(r) / 3) * Double(c % 40) } }, options: options)
        },
        SVGCase(name: "svg_panel") { Panel([Sparkline([1, 2, 3]), BarChart(labels: ["a"], values: [1])]) },
    ]
}

@Suite struct PlotSVGGoldenTests {
    @Test(arguments: SVGCase.all) func matchesGolden(_ golden: SVGCase) throws {
        let svg = golden.make().svg()
        let url = PlotGoldenTests.folder.appendingPathComponent(golden.name + ".svg")
        if ProcessInfo.processInfo.environment["PREFLAB_UPDATE_GOLDEN"] == "1" {
            try svg.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(svg == (try String(contentsOf: url, encoding: .utf8)), "\(golden.name)")
    }

    /// Coordinates stay in and near the drawing: no nan/inf and no 1e22-pixel polylines.
    @Test(arguments: SVGCase.all) func coordinatesAreFiniteAndSmall(_ golden: SVGCase) {
        let svg = golden.make().svg()
        #expect(!svg.contains("nan") && !svg.contains("inf"), "\(golden.name)")
        let withoutColours = svg.replacingOccurrences(of: "#[0-9a-f]{6}", with: "", options: .regularExpression)
        let numbers = withoutColours.split(whereSeparator: { !"0123456789.-".contains($0) }).compactMap { Double($0) }
        #expect(numbers.allSatisfy { Swift.abs($0) < 10_000 }, "\(golden.name)")
    }
}
