import Foundation
import Testing
@testable import Plot

/// Every plot kind and option, rendered without colour and compared with Golden/NAME.txt
/// (as UnicodePlots.jl's reference files). PREFLAB_UPDATE_GOLDEN=1 rewrites the files.
struct PlotCase: CustomTestStringConvertible, Sendable {
    let name: String
    /// Rendered with ANSI colours, as on a terminal.
    var colored = false
    let make: @Sendable () -> any Figure
    var testDescription: String { name }

    static func options(_ change: (inout PlotOptions) -> Void) -> PlotOptions {
        var options = PlotOptions()
        options.width = 60
        options.height = 8
        change(&options)
        return options
    }

    static let steps = (0..<50).map(Double.init)
    static let chosen = steps.map { -20 + 3 * (1 - Foundation.exp(-$0 / 15)) }
    static let rejected = steps.map { -20 - 0.12 * $0 }
    static let tiny = [1e-30, 2.5e-30, 2e-30, 4e-30]

    static let all: [PlotCase] = [
        PlotCase(name: "line_default") { XYPlot([Series(x: steps, y: chosen)], options: options { _ in }) },
        PlotCase(name: "line_series_legend_labels") {
            XYPlot([Series(name: "chosen", x: steps, y: chosen), Series(name: "rejected", x: steps, y: rejected)],
                   options: options { $0.title = "DPO log-probs"; $0.xlabel = "step"; $0.ylabel = "logp" })
        },
        PlotCase(name: "line_reference_lines") {
            XYPlot([Series(name: "Δ chosen", x: steps, y: chosen.map { $0 + 19 })],
                   options: options { $0.hlines = [0]; $0.vlines = [25] })
        },
        PlotCase(name: "line_limits") { XYPlot([Series(x: steps, y: chosen)], options: options { $0.xlim = (10, 30); $0.ylim = (-19, -17) }) },
        PlotCase(name: "line_log_scales") {
            XYPlot([Series(x: steps.map { $0 + 1 }, y: steps.map { Foundation.pow(10, $0 / 12) })],
                   options: options { $0.xscale = .log10; $0.yscale = .log10 })
        },
        PlotCase(name: "line_nan_inf_gaps") {
            XYPlot([Series(y: [1, 2, .nan, 4, 5, .infinity, 3, -.infinity, 2, 1])], options: options { _ in })
        },
        PlotCase(name: "line_empty") { XYPlot([Series(y: [])], options: options { $0.title = "nothing yet" }) },
        PlotCase(name: "line_single_point") { XYPlot([Series(y: [3.5])], options: options { _ in }) },
        PlotCase(name: "line_constant") { XYPlot([Series(y: [2, 2, 2, 2])], options: options { _ in }) },
        PlotCase(name: "line_huge_and_tiny") {
            XYPlot([Series(name: "huge", y: [1e300, 3e300, 2e300]), Series(name: "tiny", y: [1e-300, 0, 2e-300])], options: options { _ in })
        },
        PlotCase(name: "line_block_canvas") { XYPlot([Series(x: steps, y: chosen)], options: options { $0.canvas = .block }) },
        PlotCase(name: "line_ascii_canvas") { XYPlot([Series(x: steps, y: chosen)], options: options { $0.canvas = .ascii }) },
        PlotCase(name: "scatter") {
            XYPlot([Series(name: "pairs", x: [1, 2, 3, 4, 5, 6], y: [0.2, 0.8, 0.4, 0.9, 0.1, 0.6])], style: .scatter,
                   options: options { $0.title = "reward margins" })
        },
        PlotCase(name: "stairs") { XYPlot([Series(y: [1, 3, 2, 5, 4])], style: .stairs, options: options { _ in }) },
        PlotCase(name: "histogram_sturges") {
            Histogram((0..<200).map { Foundation.sin(Double($0) * 12.9898) * 3 }, options: options { $0.title = "edit distances" })
        },
        PlotCase(name: "histogram_bins_and_edges") {
            Histogram([1, 2, 2, 3, 3, 3, 4, 9, .nan, -.infinity], edges: [0, 2, 4, 10], options: options { $0.xlabel = "count" })
        },
        PlotCase(name: "histogram_bin_count") { Histogram((0..<40).map { Double($0 % 7) }, bins: 3, options: options { _ in }) },
        PlotCase(name: "histogram_empty_and_constant") { Histogram([5, 5, 5], options: options { _ in }) },
        PlotCase(name: "histogram_empty") { Histogram([], options: options { $0.title = "no data" }) },
        PlotCase(name: "histogram_only_nan") { Histogram([.nan, .infinity], options: options { _ in }) },
        PlotCase(name: "bar_empty") { BarChart(labels: [], values: [], options: options { _ in }) },
        PlotCase(name: "bar_nan_and_zero") { BarChart(labels: ["nan", "zero", "one"], values: [.nan, 0, 1], options: options { _ in }) },
        PlotCase(name: "heatmap_empty") { Heatmap([], options: options { _ in }) },
        PlotCase(name: "line_colored", colored: true) {
            XYPlot([Series(name: "chosen", y: [1, 2, 3]), Series(name: "rejected", y: [3, 2, 1])], options: options { $0.height = 4 })
        },
        PlotCase(name: "heatmap_colored", colored: true) { Heatmap([[0, 1], [2, 3]], options: options { _ in }) },
        PlotCase(name: "bar_with_negatives") {
            BarChart(labels: ["before", "at", "after"], values: [0.05, -1.42, -0.31], options: options { $0.title = "Δ log-prob by position" })
        },
        PlotCase(name: "bar_positive") { BarChart(labels: ["sigmoid", "dpop", "ipo"], values: [0.62, 0.91, 0.74], options: options { _ in }) },
        PlotCase(name: "heatmap") {
            Heatmap((0..<6).map { r in (0..<20).map { c in Foundation.sin(Double(r) / 2) * Double(c) / 10 } },
                    options: options { $0.title = "per-position change"; $0.xlabel = "token position"; $0.ylabel = "step" })
        },
        PlotCase(name: "heatmap_nan_and_constant") { Heatmap([[1, .nan, 1], [1, 1, .infinity]], options: options { _ in }) },
        PlotCase(name: "heatmap_pooled") { Heatmap((0..<100).map { r in (0..<300).map { c in Double((r + c) % 17) } }, options: options { _ in }) },
        PlotCase(name: "sparkline") { Sparkline([1, 5, 22, 13, 53, .nan, 40, 2], title: "loss") },
        PlotCase(name: "sparkline_constant_and_empty") { Panel([Sparkline([3, 3, 3]), Sparkline([])], width: 40) },
        PlotCase(name: "panel_side_by_side") {
            Panel(["DPO", "DPOP", "IPO"].enumerated().map { i, name in
                XYPlot([Series(name: "chosen", x: steps, y: chosen.map { $0 + Double(i) * $0 / 40 })], options: options { $0.title = name; $0.width = nil })
            }, width: 120)
        },
        // Huge values of opposite signs: every span overflows to inf unless computed by halves.
        PlotCase(name: "line_huge_opposite_signs") { XYPlot([Series(y: [1e308, -1e308, 5e307])], options: options { _ in }) },
        PlotCase(name: "scatter_huge_opposite_signs") { XYPlot([Series(y: [1.7e308, -1.7e308, 0])], style: .scatter, options: options { _ in }) },
        PlotCase(name: "stairs_huge_opposite_signs") { XYPlot([Series(y: [1e308, -1e308, 1e308])], style: .stairs, options: options { _ in }) },
        PlotCase(name: "histogram_huge_opposite_signs") { Histogram([1e308, -1e308], options: options { _ in }) },
        PlotCase(name: "bar_huge_opposite_signs") { BarChart(labels: ["a", "b"], values: [1e308, -1e308], options: options { _ in }) },
        PlotCase(name: "heatmap_huge_opposite_signs") { Heatmap([[1.7e308, -1.7e308], [0, 1e308]], options: options { _ in }) },
        PlotCase(name: "sparkline_huge_opposite_signs") { Sparkline([1e308, -1e308, 0, 5e307]) },
        PlotCase(name: "line_huge_limits_and_reference_lines") {
            XYPlot([Series(y: [1, 2])], options: options { $0.ylim = (-1e308, 1e308); $0.hlines = [-1e308, 1e308]; $0.vlines = [1.5] })
        },
        // Lines leaving the frame are clipped at its edge, not dropped.
        PlotCase(name: "line_leaving_the_frame") { XYPlot([Series(y: [1, 1e6, 1])], options: options { $0.ylim = (0, 2) }) },
        PlotCase(name: "line_far_outside_limits") { XYPlot([Series(y: [0, 1e20, 0, -1e300, 0.5])], options: options { $0.ylim = (0, 1) }) },
        PlotCase(name: "scatter_nan_inf") {
            XYPlot([Series(y: [1, .nan, 3, .infinity, 2, -.infinity, 4])], style: .scatter, options: options { _ in })
        },
        PlotCase(name: "scatter_empty") { XYPlot([Series(y: [])], style: .scatter, options: options { _ in }) },
        PlotCase(name: "scatter_constant") { XYPlot([Series(y: [7, 7, 7])], style: .scatter, options: options { _ in }) },
        PlotCase(name: "stairs_nan_inf") { XYPlot([Series(y: [1, 3, .nan, 2, 5, .infinity, 4])], style: .stairs, options: options { _ in }) },
        PlotCase(name: "stairs_empty") { XYPlot([Series(y: [])], style: .stairs, options: options { _ in }) },
        PlotCase(name: "stairs_constant") { XYPlot([Series(y: [-2, -2, -2])], style: .stairs, options: options { _ in }) },
        PlotCase(name: "scatter_block_canvas") { XYPlot([Series(x: steps, y: chosen)], style: .scatter, options: options { $0.canvas = .block }) },
        PlotCase(name: "scatter_ascii_canvas") {
            XYPlot([Series(name: "a", x: steps, y: chosen), Series(name: "b", x: steps, y: rejected)], style: .scatter,
                   options: options { $0.canvas = .ascii; $0.title = "ascii only"; $0.hlines = [-21] })
        },
        PlotCase(name: "scatter_limits") { XYPlot([Series(x: steps, y: chosen)], style: .scatter, options: options { $0.xlim = (10, 30); $0.ylim = (-19, -17) }) },
        PlotCase(name: "scatter_log_scales") {
            XYPlot([Series(x: steps.map { $0 + 1 }, y: steps.map { Foundation.pow(10, $0 / 12) })], style: .scatter,
                   options: options { $0.xscale = .log10; $0.yscale = .log10 })
        },
        PlotCase(name: "stairs_block_canvas") { XYPlot([Series(y: [1, 3, 2, 5, 4])], style: .stairs, options: options { $0.canvas = .block }) },
        PlotCase(name: "stairs_ascii_canvas") { XYPlot([Series(y: [1, 3, 2, 5, 4])], style: .stairs, options: options { $0.canvas = .ascii }) },
        PlotCase(name: "stairs_limits") { XYPlot([Series(y: [1, 3, 2, 5, 4])], style: .stairs, options: options { $0.xlim = (2, 4); $0.ylim = (1.5, 4.5) }) },
        PlotCase(name: "stairs_log_y") { XYPlot([Series(y: [1, 30, 200, 5000])], style: .stairs, options: options { $0.yscale = .log10 }) },
        // A log scale on one axis only; within a few decades the ticks are 1-2-5 values.
        PlotCase(name: "line_log_x_only") { XYPlot([Series(x: [1, 3, 10, 30, 100], y: [5, 4, 3, 2, 1])], options: options { $0.xscale = .log10 }) },
        PlotCase(name: "line_log_y_only") { XYPlot([Series(y: steps.map { 0.5 + $0 })], options: options { $0.yscale = .log10 }) },
        PlotCase(name: "line_log_within_a_decade") { XYPlot([Series(y: [2, 3, 4, 6, 9])], options: options { $0.yscale = .log10 }) },
        PlotCase(name: "histogram_ascii_canvas") {
            Histogram((0..<200).map { Foundation.sin(Double($0) * 12.9898) * 3 }, options: options { $0.canvas = .ascii; $0.title = "ascii" })
        },
        PlotCase(name: "bar_ascii_canvas") {
            BarChart(labels: ["before", "at", "after"], values: [0.05, -1.42, -0.31], options: options { $0.canvas = .ascii })
        },
        PlotCase(name: "heatmap_ascii_canvas") {
            Heatmap((0..<6).map { r in (0..<20).map { c in Foundation.sin(Double(r) / 2) * Double(c) / 10 } },
                    options: options { $0.canvas = .ascii; $0.ylabel = "step" })
        },
        PlotCase(name: "heatmap_ascii_canvas_colored", colored: true) { Heatmap([[0, 1], [2, 3]], options: options { $0.canvas = .ascii }) },
        PlotCase(name: "sparkline_ascii_canvas") { Sparkline([1, 5, 22, 13, 53, .nan, 40, 2], title: "loss", canvas: .ascii) },
        PlotCase(name: "panel_ascii_canvas") {
            Panel([XYPlot([Series(name: "chosen", y: [1, 3, 2])], options: options { $0.height = 4 }), Sparkline([1, 2, 3]),
                   Heatmap([[0, 1], [2, 3]], options: options { _ in })], width: 100, canvas: .ascii)
        },
        // The defaults, as drawn off a terminal: 80 columns, 15 rows.
        PlotCase(name: "line_default_size") { XYPlot([Series(x: steps, y: chosen)]) },
        // Unnamed series of a multi-series plot are called y1, y2, … in the legend.
        PlotCase(name: "line_default_series_names") { XYPlot([Series(x: steps, y: chosen), Series(x: steps, y: rejected)], options: options { _ in }) },
        PlotCase(name: "scatter_colored", colored: true) {
            XYPlot([Series(name: "a", y: [1, 3, 2]), Series(name: "b", y: [2, 1, 3])], style: .scatter, options: options { $0.height = 4 })
        },
        PlotCase(name: "stairs_colored", colored: true) {
            XYPlot([Series(name: "a", y: [1, 3, 2]), Series(name: "b", y: [2, 1, 3])], style: .stairs, options: options { $0.height = 4 })
        },
        PlotCase(name: "histogram_colored", colored: true) { Histogram([1, 2, 2, 3, 3, 3], options: options { _ in }) },
        PlotCase(name: "bar_colored", colored: true) { BarChart(labels: ["up", "down"], values: [2, -1], options: options { _ in }) },
        PlotCase(name: "sparkline_colored", colored: true) { Sparkline([1, 5, 2, .nan, 8], title: "loss") },
        PlotCase(name: "panel_colored", colored: true) {
            Panel([XYPlot([Series(name: "a", y: [1, 3, 2])], options: options { $0.height = 4 }), Sparkline([1, 2, 3])], width: 80)
        },
        PlotCase(name: "scatter_single_point") { XYPlot([Series(y: [3.5])], style: .scatter, options: options { _ in }) },
        PlotCase(name: "stairs_single_point") { XYPlot([Series(y: [3.5])], style: .stairs, options: options { _ in }) },
        PlotCase(name: "histogram_single_point") { Histogram([3.5], options: options { _ in }) },
        PlotCase(name: "bar_single_point") { BarChart(labels: ["only"], values: [3.5], options: options { _ in }) },
        PlotCase(name: "heatmap_single_point") { Heatmap([[3.5]], options: options { _ in }) },
        PlotCase(name: "sparkline_single_point") { Sparkline([3.5]) },
        // Values and spans of 1e-30: nothing may round them to 0 or collapse the axis.
        PlotCase(name: "line_tiny_magnitudes") { XYPlot([Series(y: tiny)], options: options { _ in }) },
        PlotCase(name: "scatter_tiny_magnitudes") { XYPlot([Series(y: tiny)], style: .scatter, options: options { _ in }) },
        PlotCase(name: "stairs_tiny_magnitudes") { XYPlot([Series(y: tiny)], style: .stairs, options: options { _ in }) },
        PlotCase(name: "histogram_tiny_magnitudes") { Histogram(tiny, options: options { _ in }) },
        PlotCase(name: "bar_tiny_magnitudes") { BarChart(labels: ["a", "b", "c", "d"], values: tiny, options: options { _ in }) },
        PlotCase(name: "heatmap_tiny_magnitudes") { Heatmap([tiny, tiny.reversed()], options: options { _ in }) },
        PlotCase(name: "sparkline_tiny_magnitudes") { Sparkline(tiny) },
        PlotCase(name: "bar_inf") { BarChart(labels: ["one", "inf", "-inf", "minus two"], values: [1, .infinity, -.infinity, -2], options: options { _ in }) },
        PlotCase(name: "sparkline_inf") { Sparkline([1, .infinity, 2, -.infinity, 3]) },
        // 16 losses: the x axis ends at step 16 and the y axis at the losses' own range.
        PlotCase(name: "line_sixteen_losses") {
            XYPlot([Series(y: (1...16).map { 0.6931 * Foundation.exp(-Double($0 - 1) / 8) })], options: options { $0.xlabel = "step" })
        },
        // Without colour, each series has its own marker on its points and in the legend.
        PlotCase(name: "line_markers_three_series") {
            XYPlot(["dpo", "dpop", "ipo"].enumerated().map { k, name in
                Series(name: name, x: steps, y: chosen.map { $0 - Double(k) * $0 / 40 })
            }, options: options { _ in })
        },
        PlotCase(name: "line_markers_ascii_canvas") {
            XYPlot([Series(name: "chosen", x: steps, y: chosen), Series(name: "rejected", x: steps, y: rejected)],
                   options: options { $0.canvas = .ascii })
        },
        PlotCase(name: "scatter_markers_block_canvas") {
            XYPlot([Series(name: "a", y: [1, 3, 2, 5, 4, 6]), Series(name: "b", y: [2, 1, 4, 3, 6, 5])], style: .scatter,
                   options: options { $0.canvas = .block })
        },
        PlotCase(name: "stairs_markers_two_series") {
            XYPlot([Series(name: "a", y: [1, 3, 2, 5, 4]), Series(name: "b", y: [2, 2, 4, 3, 1])], style: .stairs, options: options { _ in })
        },
        PlotCase(name: "panel_grid") {
            Panel([Sparkline([1, 2, 3]), BarChart(labels: ["a"], values: [1], options: options { $0.width = 30 }),
                   Sparkline([3, 2, 1]), Sparkline([1, 3, 1])], columns: 2, width: 80)
        },
    ]
}

@Suite struct PlotGoldenTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    @Test(arguments: PlotCase.all) func matchesGolden(_ golden: PlotCase) throws {
        // Drawn as off a terminal, whatever runs the tests, so default widths are 80 columns.
        let text = Terminal.$output.withValue(.notATerminal) { golden.make().render(colored: golden.colored) } + "\n"
        let url = Self.folder.appendingPathComponent(golden.name + ".txt")
        if ProcessInfo.processInfo.environment["PREFLAB_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        #expect(text == (try String(contentsOf: url, encoding: .utf8)), "\(golden.name)")
    }
}
