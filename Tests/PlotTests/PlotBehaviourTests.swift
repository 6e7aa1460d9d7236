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
        let wave = XYPlot([Series(y: (0..<200).map { Double($0 % 13) })])
        let offTerminal = Terminal.$output.withValue(.notATerminal) { wave.textLines(colored: false) }
        #expect(offTerminal.map(displayWidth).max() == 80)
        let histogram = Terminal.$output.withValue(.notATerminal) { Histogram((0..<100).map(Double.init)).textLines(colored: false) }
        #expect(histogram.allSatisfy { displayWidth($0) <= 80 })
        let wide = Terminal.$output.withValue(OutputDevice(isTerminal: true, columns: 90)) { wave.textLines(colored: false) }
        #expect(wide.map(displayWidth).max() == 90)
        // A terminal that does not report its size gets the same 80 columns.
        #expect(OutputDevice(isTerminal: true, columns: nil).figureColumns == 80)
    }

    /// On a wide terminal each kind is drawn as with its default maximum for a width; an explicit
    /// width is kept.
    @Test func defaultSizesStopAtTheirMaxima() {
        func widest(_ figure: any Figure, columns: Int = 200) -> Int {
            Terminal.$output.withValue(OutputDevice(isTerminal: true, columns: columns)) { figure.textLines(colored: false) }.map(displayWidth).max() ?? 0
        }
        func options(width: Int?) -> PlotOptions {
            var options = PlotOptions()
            options.width = width
            return options
        }
        let wave = (0..<300).map { Double($0 % 13) }
        let kinds: [(maximum: Int, make: (PlotOptions) -> any Figure)] = [
            (DefaultSize.maximumColumns, { XYPlot([Series(y: wave)], options: $0) }),
            (DefaultSize.maximumColumns, { XYPlot([Series(y: wave)], style: .scatter, options: $0) }),
            (DefaultSize.maximumColumns, { Heatmap([wave, wave], options: $0) }),
            (DefaultSize.maximumBarColumns, { BarChart(labels: ["sigmoid", "dpop"], values: [0.62, 0.91], options: $0) }),
            (DefaultSize.maximumBarColumns, { Histogram(wave, options: $0) }),
        ]
        for kind in kinds {
            let capped = widest(kind.make(options(width: nil)))
            #expect(capped == widest(kind.make(options(width: kind.maximum))) && capped <= kind.maximum)
            #expect(widest(kind.make(options(width: 150))) > kind.maximum)
            // A narrower terminal is filled, as before.
            #expect(widest(kind.make(options(width: nil)), columns: 60) == widest(kind.make(options(width: 60))))
        }
        // A panel of no given width shares the terminal, each figure up to its own maximum.
        let bars = { BarChart(labels: ["a"], values: [1], options: options(width: $0)) }
        let panel = widest(Panel([bars(nil), bars(nil)]), columns: 300)
        #expect(panel == widest(Panel([bars(DefaultSize.maximumBarColumns), bars(DefaultSize.maximumBarColumns)])))
        // Heights: 15 rows of drawing for a line plot, at most 24 for a tall heatmap.
        let lineRows = XYPlot([Series(y: wave)]).textLines(colored: false).filter { $0.contains("│") || $0.contains("┤") }
        #expect(lineRows.count == DefaultSize.rows)
        let tall = Heatmap((0..<100).map { [Double($0)] }).textLines(colored: false).filter { $0.contains("│") }
        #expect(tall.count == DefaultSize.maximumHeatmapRows)
    }

    /// Limits hug the data (UnicodePlots' rule): 16 steps run from 1 to 16, not to 20.
    @Test func axesHugTheData() {
        let steps = AxisRange(values: (1...16).map(Double.init), fixed: nil, scale: .linear)
        #expect(steps.low == 1 && steps.high == 16)
        #expect(steps.ticks.allSatisfy { $0 >= 1 && $0 <= 16 } && steps.ticks.count >= 2)
        let losses = AxisRange(values: [0.6931, 0.52, 0.31, 0.2012], fixed: nil, scale: .linear)
        #expect(losses.low == 0.2 && losses.high == 0.7)
        // Ends already on the rounding digit stay, whatever float error says (0.29 × 100 = 28.999…).
        let exact = AxisRange(values: [0.29, 0.71], fixed: nil, scale: .linear)
        #expect(exact.low == 0.29 && exact.high == 0.71)
        let sixteen = Terminal.$output.withValue(.notATerminal) { XYPlot([Series(y: (1...16).map { 1 / Double($0) })]).textLines(colored: false) }
        #expect(sixteen.last?.split(separator: " ").map(String.init) == ["1", "16"])
    }

    /// Without colour each series has its own marker, in the plot and in the legend; with
    /// colour the legend's swatch is coloured and the points are left as dots.
    @Test func seriesHaveDistinctMarkersWithoutColour() {
        for style in [XYPlot.Style.line, .scatter, .stairs] {
            for canvas in CanvasKind.allCases {
                var options = PlotOptions()
                options.width = 60
                options.canvas = canvas
                let plot = XYPlot(["a", "b", "c"].enumerated().map { i, name in Series(name: name, y: (0..<20).map { Double($0 * (i + 1)) }) },
                                  style: style, options: options)
                let frame = Frame.for(canvas)
                let plain = plot.textLines(colored: false)
                let legend = plain.compactMap { line in ["a", "b", "c"].first { line.hasSuffix(" " + $0) }.map { _ in line.dropLast(2).last! } }
                #expect(legend == Array(frame.seriesMarkers.prefix(3)), "\(style) on \(canvas)")
                for marker in frame.seriesMarkers.prefix(3) {
                    #expect(plain.contains { $0.dropLast(4).contains(marker) }, "\(style) on \(canvas) draws \(marker)")
                }
                let colored = plot.textLines(colored: true).map { $0.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression) }
                let swatches = colored.compactMap { line in ["a", "b", "c"].first { line.hasSuffix(" " + $0) }.map { _ in String(line.dropLast(2).last!) } }
                #expect(swatches == Array(repeating: frame.marker, count: 3), "\(style) on \(canvas)")
                #expect(!colored.contains { $0.contains("●") || $0.contains("▲") }, "\(style) on \(canvas)")
            }
        }
        // One series needs no marker to be told apart.
        let single = XYPlot([Series(name: "loss", y: [3, 2, 1])]).textLines(colored: false).joined()
        #expect(!single.contains("●") && single.contains("■ loss"))
    }

    @Test func outputDeviceIsReadFromTheFileDescriptor() throws {
        let terminal = try PseudoTerminal(columns: 100)
        #expect(OutputDevice.of(terminal.follower) == OutputDevice(isTerminal: true, columns: 100))
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(OutputDevice.of(ends[1]) == .notATerminal)
        #expect(!OutputDevice.notATerminal.colorByDefault(environment: [:]) || Terminal.colorOverride == true)
    }

    /// A terminal's own size wins; COLUMNS counts only when the terminal does not say.
    @Test func columnsComeFromTheTerminalElseFromCOLUMNS() throws {
        let sized = try PseudoTerminal(columns: 100)
        #expect(OutputDevice.of(sized.follower, environment: ["COLUMNS": "70"]).columns == 100)
        let unsized = try PseudoTerminal(columns: 0)
        #expect(OutputDevice.of(unsized.follower, environment: ["COLUMNS": "70"]) == OutputDevice(isTerminal: true, columns: 70))
        #expect(OutputDevice.of(unsized.follower, environment: ["COLUMNS": "wide"]).figureColumns == 80)
        #expect(OutputDevice.of(unsized.follower, environment: [:]).figureColumns == 80)
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
        let range = AxisRange(values: [-1.34, 4.2], fixed: nil, scale: .linear)
        #expect(range.low == -1.4 && range.high == 4.2 && range.ticks == [0, 2, 4])
        #expect(tickLabel(1500000) == "1.5e6" && tickLabel(0.25) == "0.25" && tickLabel(2, scale: .log10) == "10²")
        #expect(AxisRange(values: [.nan, .infinity], fixed: nil, scale: .linear).low == 0)
    }

    @Test func histogramCountsWithSturgesBins() {
        let (edges, counts) = Histogram([0.5, 1.5, 1.7, 2.5, 9]).counts
        #expect(counts == [4, 0, 0, 1])  // ⌈log₂ 5⌉ + 1 = 4 bins of width 2.125 from 0.5 to 9
        #expect(edges == [0.5, 2.625, 4.75, 6.875, 9])
        let sturges = Histogram((0..<200).map { Foundation.sin(Double($0) * 12.9898) * 3 }).counts
        #expect(sturges.counts.count == 9 && sturges.counts.reduce(0, +) == 200)
        for k in [1, 3, 7, 50] {
            let asked = Histogram((0..<40).map { Double($0 % 7) }, bins: k).counts
            #expect(asked.counts.count == k && asked.counts.reduce(0, +) == 40, "bins: \(k)")
            #expect(asked.edges.first == 0 && asked.edges.last == 6, "bins: \(k)")
        }
        let given = Histogram([0, 1, 2, 3, 3], edges: [0, 2, 3]).counts
        #expect(given.counts == [2, 3])  // the last bin includes its right edge
        // Constant data: the bins surround the value, as NumPy's range (x − 0.5, x + 0.5).
        let constant = Histogram([5, 5, 5]).counts
        #expect(constant.counts == [0, 3, 0] && constant.edges.first == 4.5 && constant.edges.last == 5.5)
    }

    @Test func binEdgeLabelsAreShortButDistinct() {
        #expect(edgeLabel(-2.934_12, step: 0.58) == "-2.93" && edgeLabel(2.625, step: 2.125) == "2.6")
        #expect(edgeLabel(1e-17, step: 0.5) == "0" && edgeLabel(-0.0001, step: 0.5) == "0")
        #expect(edgeLabel(2.5e-30, step: 7.5e-31) == "2.5e-30" && edgeLabel(123_456, step: 10) == "1.23456e5")
        let labels = Histogram([1e-30, 2.5e-30, 2e-30, 4e-30], bins: 3).textLines(colored: false).filter { $0.contains("┤") }
        #expect(Set(labels.map { $0.prefix { $0 != "┤" } }).count == 3)
    }

    @Test func liveViewRedrawsInPlaceOnlyOnATerminal() {
        var written: [String] = []
        let live = LiveView(isTerminal: true, colored: false) { written.append($0) }
        live.update(Sparkline([1, 2, 3]))
        live.update(Panel([Sparkline([1, 2, 3, 4]), Sparkline([4, 3])], columns: 1))
        live.update(Sparkline([1]))
        #expect(!written[0].contains("\u{1B}"))
        // Back over the one line drawn, then over the three lines of the panel.
        #expect(written[1].hasPrefix("\u{1B}[1F\u{1B}[J") && written[2].hasPrefix("\u{1B}[3F\u{1B}[J"))
        var plain: [String] = []
        let log = LiveView(isTerminal: false, colored: false) { plain.append($0) }
        log.update(Sparkline([1]))
        log.update(Sparkline([2]))
        #expect(plain == ["▄\n", "▄\n"])
    }

    /// NO_COLOR turns colours off, never the redrawing: that depends only on the output being a terminal.
    @Test func liveViewOnATerminalRedrawsWhateverNoColorSays() throws {
        let terminal = try PseudoTerminal(columns: 70)
        let plain = LiveView(fileDescriptor: terminal.follower, environment: ["NO_COLOR": "1"])
        #expect(plain.isTerminal && plain.columns == 70)
        #expect(!plain.colored || Terminal.colorOverride == true)
        let colourful = LiveView(fileDescriptor: terminal.follower, environment: [:])
        #expect(colourful.isTerminal && (colourful.colored || Terminal.colorOverride == false))
        plain.update(Sparkline([1, 2]))
        plain.update(Sparkline([2, 1]))
        #expect(terminal.readAvailable().contains("\u{1B}[1F\u{1B}[J"))

        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let log = LiveView(fileDescriptor: ends[1], environment: [:])
        #expect(!log.isTerminal && !log.colored || Terminal.colorOverride == true)
        log.update(Sparkline([1, 2]))
        log.update(Sparkline([2, 1]))
        var bytes = [UInt8](repeating: 0, count: 256)
        let count = read(ends[0], &bytes, bytes.count)
        #expect(String(decoding: bytes.prefix(Swift.max(0, count)), as: UTF8.self) == "▁█\n█▁\n")
    }
}

/// A pseudo-terminal pair for tests: what is written to `follower` can be read back from the leader.
final class PseudoTerminal {
    let leader: Int32
    let follower: Int32

    init(columns: Int) throws {
        var (leader, follower) = (Int32(-1), Int32(-1))
        var size = winsize(ws_row: 24, ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        guard openpty(&leader, &follower, nil, nil, &size) == 0 else { throw POSIXError(.ENXIO) }
        (self.leader, self.follower) = (leader, follower)
        _ = fcntl(leader, F_SETFL, fcntl(leader, F_GETFL) | O_NONBLOCK)
    }

    /// What has been written to the follower so far (the terminal may turn "\n" into "\r\n").
    func readAvailable() -> String {
        var text = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let count = read(leader, &chunk, chunk.count), count > 0 { text += chunk.prefix(count) }
        return String(decoding: text, as: UTF8.self)
    }

    deinit {
        close(follower)
        close(leader)
    }
}
