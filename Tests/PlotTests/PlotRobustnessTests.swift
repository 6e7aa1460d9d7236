import Foundation
import Testing
@testable import Plot

/// No user input may trap: huge, tiny, non-finite values and extreme limits, for every kind.
@Suite struct PlotRobustnessTests {
    static let hostile: [[Double]] = [
        [1e308, -1e308], [1.7e308, -1.7e308, .nan], [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0],
        [5e-324, -5e-324], [0, 1e20, 0], [.infinity, -.infinity], [1e-300, 1e300, -1e300], [.nan],
    ]

    static func variants() -> [PlotOptions] {
        var variants: [PlotOptions] = []
        for canvas in CanvasKind.allCases {
            var options = PlotOptions()
            options.width = 50
            options.height = 6
            options.canvas = canvas
            variants.append(options)
            var limited = options
            limited.ylim = (-1e308, 1e308)
            limited.xlim = (-.greatestFiniteMagnitude, .greatestFiniteMagnitude)
            limited.hlines = [-1e308, 1e308]
            limited.vlines = [1.7e308]
            variants.append(limited)
            var narrow = options
            narrow.ylim = (0, 1e-300)
            narrow.xlim = (1, 1 + 1e-12)
            variants.append(narrow)
            var log = options
            log.xscale = .log10
            log.yscale = .log10
            log.ylim = (1e-300, 1e300)
            variants.append(log)
        }
        return variants
    }

    @Test(arguments: hostile) func everyKindDrawsHostileValues(_ values: [Double]) {
        for options in Self.variants() {
            let figures: [any Figure] = [
                XYPlot([Series(y: values), Series(x: values, y: values.reversed())], style: .line, options: options),
                XYPlot([Series(y: values)], style: .scatter, options: options),
                XYPlot([Series(y: values)], style: .stairs, options: options),
                Histogram(values, options: options), Histogram(values, bins: 3, options: options),
                BarChart(labels: values.map { _ in "x" }, values: values, options: options),
                Heatmap([values, values.reversed()], options: options), Sparkline(values, canvas: options.canvas),
            ]
            for figure in figures + [Panel(figures, columns: 3, width: 120, canvas: options.canvas)] {
                #expect(!figure.render(colored: true).isEmpty)
                let svg = figure.svg()
                #expect(!svg.contains("nan") && !svg.contains("inf"), "\(type(of: figure)) \(values): \(Self.around(svg, "inf"))")
            }
        }
    }

    static func around(_ text: String, _ word: String) -> String {
        guard let range = text.range(of: word) else { return "" }
        let start = text.index(range.lowerBound, offsetBy: -60, limitedBy: text.startIndex) ?? text.startIndex
        return String(text[start..<range.upperBound])
    }

    @Test func safeNumbers() {
        #expect(clampedInt(.nan, in: 0...5) == 0 && clampedInt(.infinity, in: 0...5) == 5 && clampedInt(-1e300, in: 0...5) == 0)
        #expect(clampedInt(3.7, in: 0...5) == 3)
        #expect(fraction(of: 0, from: -1e308, to: 1e308) == 0.5)
        #expect(fraction(of: 1.7e308, from: -1.7e308, to: 1.7e308) == 1)
        #expect(fraction(of: 3, from: 3, to: 3) == 0.5)
        #expect(finiteSpan(-1e308, 1e308) == .greatestFiniteMagnitude)
    }

    @Test func segmentsAreClippedToTheBox() {
        let box = (minX: 0.0, minY: 0.0, maxX: 10.0, maxY: 10.0)
        let up = clipSegment(0, 5, 10, 1e20, to: box)
        #expect(up.map { $0.0 == 0 && $0.1 == 5 && $0.3 == 10 && $0.2 < 1e-6 } == true)
        #expect(clipSegment(-5, -5, -1, 20, to: box) == nil)
        #expect(clipSegment(0, 0, 1, .nan, to: box) == nil)
        // Endpoints ±1.7e308 apart: the difference overflows unless halved.
        let across = clipSegment(-1.7e308, 5, 1.7e308, 5, to: box)
        #expect(across.map { $0.0 == 0 && $0.2 == 10 && $0.1 == 5 } == true)
    }

    /// The audit's case: the segment to 1e6 used to be skipped, leaving the frame empty above 2.
    @Test func linesLeavingTheFrameAreDrawnToTheEdge() {
        var options = PlotOptions()
        options.width = 40
        options.height = 6
        options.ylim = (0, 2)
        let lines = XYPlot([Series(y: [1, 1e6, 1])], options: options).textLines(colored: false)
        let topRow = lines[1].drop { $0 != "┤" }.dropFirst().dropLast()
        #expect(topRow.contains { $0 != "\u{2800}" }, "\(lines.joined(separator: "\n"))")
    }

    @Test func histogramOfHugeOppositeValuesCountsBoth() {
        let (edges, counts) = Histogram([1e308, -1e308]).counts
        #expect(counts.reduce(0, +) == 2 && edges.allSatisfy { $0.isFinite })
        let extreme = Histogram([.greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0]).counts
        #expect(extreme.counts.reduce(0, +) == 3)
        // Constant data: ⌈log₂ 2⌉ + 1 = 2 bins around the value, which sits on the edge between them.
        #expect(Histogram([1e308, 1e308]).counts.counts == [0, 2])
    }

    @Test func asciiCanvasMakesTheWholePlotASCII() {
        var options = PlotOptions()
        options.width = 50
        options.height = 6
        options.canvas = .ascii
        options.yscale = .log10
        var linear = options
        linear.yscale = .linear
        let figures: [any Figure] = [
            XYPlot([Series(name: "a", y: [1, 10, 100, 1000]), Series(name: "b", y: [3, 30, 300, 3000])], options: options),
            XYPlot([Series(y: [1, 2, 3])], style: .scatter, options: linear), Histogram([1, 2, 2, 3], options: linear),
            BarChart(labels: ["a", "b"], values: [1, -2], options: linear), Heatmap([[0, 1], [2, 3]], options: linear),
            Sparkline([1, 2, 3], canvas: .ascii),
        ]
        for figure in figures {
            let text = figure.render(colored: false)
            #expect(text.unicodeScalars.allSatisfy { $0.isASCII }, "\(text)")
        }
    }

    @Test func logTicksAreOneTwoFiveValues() {
        let ranges: [(Double, Double)] = [(1, 10), (2, 9), (1, 1000), (0.5, 40), (3, 3000), (1e-3, 1e6), (0.02, 0.9), (7, 7)]
        for (low, high) in ranges {
            let axis = AxisRange(values: [Foundation.log10(low), Foundation.log10(high)], fixed: nil, scale: .log10)
            #expect(axis.ticks.count >= 2, "\(low)…\(high)")
            for value in axis.ticks + [axis.low, axis.high] {
                let x = Foundation.pow(10, value)
                let mantissa = x / Foundation.pow(10, Foundation.floor(Foundation.log10(x) + 1e-9))
                #expect(Swift.abs(mantissa - mantissa.rounded()) < 1e-6, "\(low)…\(high): \(x)")
            }
        }
        let svg = XYPlot([Series(x: [1, 2, 3], y: [2, 3, 9])], options: { var o = PlotOptions(); o.xscale = .log10; o.yscale = .log10; return o }()).svg()
        #expect(!svg.contains("1.585") && !svg.contains("3.162") && !svg.contains("0.3162"))
    }
}
