import Foundation
import FoundationXML
import Testing
@testable import Plot

@Suite struct PlotBehaviourTests {
    private func isWellFormedXML(_ text: String) -> Bool {
        XMLParser(data: Data(text.utf8)).parse()
    }

    @Test(arguments: PlotCase.all) func everyKindWritesWellFormedSVG(_ golden: PlotCase) {
        let svg = golden.make().svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), "\(golden.name)")
        #expect(isWellFormedXML(svg), "\(golden.name)")
    }

    @Test func svgHoldsSeriesAxesLegendAndTitle() {
        var options = PlotOptions()
        options.title = "DPO & DPOP <log-probs>"
        options.xlabel = "step"
        options.ylabel = "logp"
        options.hlines = [0]
        let plot = XYPlot([Series(name: "chosen", y: [1, 2, .nan, 4]), Series(name: "rejected", y: [0, -1, -2, -3]),
                           Series(name: "margin", y: [1, 3, 5, 7])], options: options)
        let svg = plot.svg()
        // "chosen" has a NaN gap: two segments, one of them a single point drawn as a dot.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3)
        #expect(svg.contains("<circle"))
        #expect(svg.contains(">chosen</text>") && svg.contains(">rejected</text>") && svg.contains(">margin</text>"))
        #expect(svg.contains("DPO &amp; DPOP &lt;log-probs&gt;"))
        #expect(svg.contains("stroke-dasharray"))
        #expect(svg.contains(PlotColor.blue.hex) && svg.contains(PlotColor.red.hex) && svg.contains(PlotColor.green.hex))
    }

    @Test func colourIsAnsiPerCellAndOffOnRequest() {
        let plot = XYPlot([Series(name: "a", y: [1, 2, 3]), Series(name: "b", y: [3, 2, 1])])
        let colored = plot.render(colored: true)
        #expect(colored.contains(PlotColor.blue.ansi) && colored.contains(PlotColor.red.ansi) && colored.contains(PlotColor.reset))
        #expect(!plot.render(colored: false).contains("\u{1B}"))
        #expect(Heatmap([[1, 2], [3, 4]]).render(colored: true).contains("\u{1B}[48;5;"))
    }

    @Test func defaultWidthFitsEightyColumnsOffATerminal() {
        // The test runner's standard output is not a terminal.
        guard isatty(STDOUT_FILENO) == 0 else { return }
        let lines = XYPlot([Series(y: (0..<200).map { Double($0 % 13) })]).textLines(colored: false)
        #expect(lines.map(displayWidth).max() == 80)
        #expect(Histogram((0..<100).map(Double.init)).textLines(colored: false).allSatisfy { displayWidth($0) <= 80 })
    }

    @Test func brailleDotsFollowTheUnicodeNumbering() {
        var canvas = Canvas(kind: .braille, columns: 1, rows: 1)
        canvas.set(0, 0, nil)
        #expect(canvas.glyph(column: 0, row: 0) == "⠁")
        canvas.set(1, 3, nil)
        #expect(canvas.glyph(column: 0, row: 0) == "⢁")
        var full = Canvas(kind: .braille, columns: 1, rows: 1)
        for x in 0..<2 { for y in 0..<4 { full.set(x, y, nil) } }
        #expect(full.glyph(column: 0, row: 0) == "⣿")
        #expect(Canvas(kind: .braille, columns: 1, rows: 1).glyph(column: 0, row: 0) == "\u{2800}")
    }

    @Test func niceTicksAndLabels() {
        #expect(AxisRange.niceStep(0.13) == 0.2 && AxisRange.niceStep(3) == 5 && AxisRange.niceStep(7) == 10)
        let range = AxisRange(values: [-1.3, 4.2], fixed: nil, scale: .linear)
        #expect(range.low == -2 && range.high == 5 && range.ticks == [-2, 0, 2, 4])
        #expect(tickLabel(1500000) == "1.5e6" && tickLabel(0.25) == "0.25" && tickLabel(2, scale: .log10) == "10²")
        #expect(AxisRange(values: [.nan, .infinity], fixed: nil, scale: .linear).low == 0)
    }

    @Test func histogramCountsWithSturgesBins() {
        let (edges, counts) = Histogram([0.5, 1.5, 1.7, 2.5, 9]).counts
        #expect(counts.reduce(0, +) == 5)
        #expect(edges.first! <= 0.5 && edges.last! > 9)
        #expect(counts.count == 5)  // ⌈log₂ 5⌉ + 1 = 4 bins asked; the 1-2-5 step of 2 needs 5 to span [0, 10)
        let given = Histogram([0, 1, 2, 3, 3], edges: [0, 2, 3]).counts
        #expect(given.counts == [2, 3])  // the last bin includes its right edge
    }

    @Test func liveViewRedrawsInPlaceOnlyOnATerminal() {
        var written: [String] = []
        let live = LiveView(isTerminal: true) { written.append($0) }
        live.update(Sparkline([1, 2, 3]))
        live.update(Sparkline([1, 2, 3, 4]))
        #expect(!written[0].contains("\u{1B}[1F"))
        #expect(written[1].hasPrefix("\u{1B}[1F\u{1B}[J"))
        var plain: [String] = []
        let log = LiveView(isTerminal: false) { plain.append($0) }
        log.update(Sparkline([1]))
        log.update(Sparkline([2]))
        #expect(plain.allSatisfy { !$0.contains("\u{1B}") } && plain.count == 2)
    }
}
