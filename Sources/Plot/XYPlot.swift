import Foundation

/// One named series of points.
public struct Series: Sendable {
    public var name: String?
    public var x: [Double]
    public var y: [Double]

    public init(name: String? = nil, x: [Double], y: [Double]) {
        self.name = name
        self.x = x
        self.y = y
    }

    /// y against 1, 2, 3, ….
    public init(name: String? = nil, y: [Double]) {
        self.init(name: name, x: y.indices.map { Double($0 + 1) }, y: y)
    }
}

/// Line plots, scatter plots and stairs: series of (x, y) points on shared axes.
public struct XYPlot: Figure {
    public enum Style: String, Sendable {
        case line, scatter
        /// Steps that hold each value until the next x ("post" steps).
        case stairs
    }

    public var series: [Series]
    public var style: Style
    public var options: PlotOptions

    /// Columns at least between the markers of a line or stairs series drawn without colour:
    /// enough to tell the series apart, few enough to leave the line itself in view.
    static let markerSpacing = 5

    public init(_ series: [Series], style: Style = .line, options: PlotOptions = PlotOptions()) {
        self.series = series
        self.style = style
        self.options = options
    }

    /// Points in scaled units, with pairs a scale cannot show (log of ≤ 0) or that are not finite as NaN gaps.
    private func scaled(_ s: Series) -> [(Double, Double)] {
        zip(s.x, s.y).map { x, y in
            guard options.xscale.accepts(x), options.yscale.accepts(y) else { return (.nan, .nan) }
            return (options.xscale.forward(x), options.yscale.forward(y))
        }
    }

    private var ranges: (x: AxisRange, y: AxisRange) {
        let points = series.flatMap(scaled)
        let x = AxisRange(values: points.map(\.0), fixed: options.xlim, scale: options.xscale,
                          extra: options.vlines.filter(options.xscale.accepts).map(options.xscale.forward))
        let y = AxisRange(values: points.map(\.1), fixed: options.ylim, scale: options.yscale,
                          extra: options.hlines.filter(options.yscale.accepts).map(options.yscale.forward))
        return (x, y)
    }

    private var legend: [String] {
        series.count > 1 || series.first?.name != nil ? series.enumerated().map { $0.element.name ?? "y\($0.offset + 1)" } : []
    }

    public func textLines(colored: Bool) -> [String] {
        let (xRange, yRange) = ranges
        let rows = options.rows
        let dotsDown = options.canvas.dotsDown
        // Tick labels sit on the rows their values are drawn in; the top and bottom rows carry the limits.
        let frame = Frame.for(options.canvas)
        var rowLabels = [String?](repeating: nil, count: rows)
        for tick in yRange.ticks {
            let dot = clampedInt(((1 - yRange.fraction(tick)) * Double(rows * dotsDown - 1)).rounded(), in: -1...(rows * dotsDown))
            let row = dot / dotsDown
            if dot >= 0, row < rows, rowLabels[row] == nil { rowLabels[row] = yRange.label(tick, ascii: frame.ascii) }
        }
        rowLabels[0] = yRange.label(yRange.high, ascii: frame.ascii)
        rowLabels[rows - 1] = yRange.label(yRange.low, ascii: frame.ascii)
        let labelWidth = rowLabels.compactMap { $0.map(displayWidth) }.max() ?? 1
        let ylabel = options.ylabel ?? ""
        let ylabelWidth = ylabel.isEmpty ? 0 : displayWidth(ylabel) + 1
        let legendWidth = legend.isEmpty ? 0 : (legend.map(displayWidth).max() ?? 0) + 3
        let margin = ylabelWidth + labelWidth + 2
        let columns = Swift.max(8, totalWidth - margin - 1 - legendWidth)

        var canvas = Canvas(kind: options.canvas, columns: columns, rows: rows)
        func dot(_ x: Double, _ y: Double) -> (Double, Double) {
            (xRange.fraction(x) * Double(canvas.width - 1), (1 - yRange.fraction(y)) * Double(canvas.height - 1))
        }
        for value in options.hlines where options.yscale.accepts(value) {
            let (_, y) = dot(xRange.low, options.yscale.forward(value))
            for x in stride(from: 0, to: canvas.width, by: 2) { canvas.set(Double(x), y, nil) }
        }
        for value in options.vlines where options.xscale.accepts(value) {
            let (x, _) = dot(options.xscale.forward(value), yRange.low)
            for y in stride(from: 0, to: canvas.height, by: 2) { canvas.set(x, Double(y), nil) }
        }
        for (index, s) in series.enumerated() {
            let color = PlotColor.cycle(index)
            let points = scaled(s).map { $0.0.isFinite && $0.1.isFinite ? dot($0.0, $0.1) : (Double.nan, Double.nan) }
            for (i, p) in points.enumerated() where p.0.isFinite {
                switch style {
                case .scatter:
                    canvas.set(p.0, p.1, color)
                case .line:
                    if i + 1 < points.count, points[i + 1].0.isFinite {
                        canvas.line(p.0, p.1, points[i + 1].0, points[i + 1].1, color)
                    } else {
                        canvas.set(p.0, p.1, color)
                    }
                case .stairs:
                    if i + 1 < points.count, points[i + 1].0.isFinite {
                        canvas.line(p.0, p.1, points[i + 1].0, p.1, color)
                        canvas.line(points[i + 1].0, p.1, points[i + 1].0, points[i + 1].1, color)
                    } else {
                        canvas.set(p.0, p.1, color)
                    }
                }
            }
        }

        // Without colour, several series would look alike: each gets its own marker on its
        // points (every point of a scatter, one every few columns of a line) and in the legend.
        let marked = !colored && series.count > 1
        if marked {
            for (index, s) in series.enumerated() {
                var lastColumn: Int?
                for (x, y) in scaled(s) where x.isFinite && y.isFinite {
                    let (px, py) = dot(x, y)
                    guard let cell = canvas.cell(px, py) else { continue }
                    if style != .scatter, let lastColumn, Swift.abs(cell.column - lastColumn) < XYPlot.markerSpacing { continue }
                    canvas.mark(cell, frame.seriesMarker(index), nil)
                    lastColumn = cell.column
                }
            }
        }

        var lines: [String] = []
        let indent = String(repeating: " ", count: margin - 1)
        if let title = options.title { lines.append(indent + " " + centred(title, columns)) }
        lines.append(indent + frame.top(columns))
        for row in 0..<rows {
            let side = row == rows / 2 && !ylabel.isEmpty ? padRight(ylabel, ylabelWidth) : String(repeating: " ", count: ylabelWidth)
            let label = rowLabels[row] ?? ""
            let axis = rowLabels[row] == nil ? frame.vertical : frame.tick
            var line = side + padLeft(label, labelWidth) + " " + axis + canvas.render(row: row, colored: colored) + frame.vertical
            if row < legend.count {
                let entry = (marked ? String(frame.seriesMarker(row)) : frame.marker) + " " + legend[row]
                line += " " + (colored ? PlotColor.cycle(row).ansi + entry + PlotColor.reset : entry)
            }
            lines.append(line)
        }
        lines.append(indent + frame.bottom(columns))
        let low = xRange.label(xRange.low, ascii: frame.ascii), high = xRange.label(xRange.high, ascii: frame.ascii)
        lines.append(indent + " " + low + String(repeating: " ", count: Swift.max(1, columns - displayWidth(low) - displayWidth(high))) + high)
        if let xlabel = options.xlabel { lines.append(indent + " " + centred(xlabel, columns)) }
        return lines.map { $0.trimmingTrailingSpaces() }
    }

    public func svg() -> String {
        let (xRange, yRange) = ranges
        let (width, height) = (640, 420)
        let (left, right, top, bottom) = (70.0, legend.isEmpty ? 20.0 : 130.0, options.title == nil ? 20.0 : 40.0, 50.0)
        let plotWidth = Double(width) - left - right, plotHeight = Double(height) - top - bottom
        func px(_ x: Double) -> Double { left + xRange.fraction(x) * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - yRange.fraction(y)) * plotHeight }
        var body = "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
        for tick in yRange.ticks {
            body += "<line x1=\"\(number(left - 4))\" y1=\"\(number(py(tick)))\" x2=\"\(number(left))\" y2=\"\(number(py(tick)))\" stroke=\"#444\"/>"
            body += "<text x=\"\(number(left - 7))\" y=\"\(number(py(tick) + 4))\" text-anchor=\"end\">\(xml(yRange.label(tick)))</text>\n"
        }
        for tick in xRange.ticks {
            body += "<line x1=\"\(number(px(tick)))\" y1=\"\(number(top + plotHeight))\" x2=\"\(number(px(tick)))\" y2=\"\(number(top + plotHeight + 4))\" stroke=\"#444\"/>"
            body += "<text x=\"\(number(px(tick)))\" y=\"\(number(top + plotHeight + 18))\" text-anchor=\"middle\">\(xml(xRange.label(tick)))</text>\n"
        }
        // Reference lines outside fixed limits are left out, not drawn at huge coordinates.
        let inside = { (x: Double, y: Double) in
            x >= left - 0.01 && x <= left + plotWidth + 0.01 && y >= top - 0.01 && y <= top + plotHeight + 0.01
        }
        for value in options.hlines where options.yscale.accepts(value) {
            let y = py(options.yscale.forward(value))
            guard inside(left, y) else { continue }
            body += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(left + plotWidth))\" y2=\"\(number(y))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
        }
        for value in options.vlines where options.xscale.accepts(value) {
            let x = px(options.xscale.forward(value))
            guard inside(x, top) else { continue }
            body += "<line x1=\"\(number(x))\" y1=\"\(number(top))\" x2=\"\(number(x))\" y2=\"\(number(top + plotHeight))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
        }
        var dots = ""
        body += "<g clip-path=\"url(#area)\"><clipPath id=\"area\"><rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\"/></clipPath>\n"
        // Lines are clipped a little outside the area (the clip path trims the stroke), so a
        // value far beyond ylim gives a line to the edge rather than coordinates like 1e22.
        let box = (minX: left - 2, minY: top - 2, maxX: left + plotWidth + 2, maxY: top + plotHeight + 2)
        for (index, s) in series.enumerated() {
            let color = PlotColor.cycle(index).hex
            // Runs of finite points in pixels (NaN breaks a line); stairs add each step's corner.
            var runs: [[(Double, Double)]] = [[]]
            var previous: (Double, Double)?
            for (x, y) in scaled(s) {
                guard x.isFinite, y.isFinite else {
                    runs.append([])
                    previous = nil
                    continue
                }
                if style == .stairs, let (_, lastY) = previous { runs[runs.count - 1].append((px(x), py(lastY))) }
                runs[runs.count - 1].append((px(x), py(y)))
                previous = (x, y)
            }
            for run in runs where !run.isEmpty {
                if style == .scatter || run.count == 1 {
                    // Dots are drawn whole, also on the frame; only those outside it are left out.
                    for (x, y) in run where inside(x, y) {
                        dots += "<circle cx=\"\(number(x))\" cy=\"\(number(y))\" r=\"2.5\" fill=\"\(color)\"/>\n"
                    }
                } else {
                    for line in visiblePolylines(run, box) {
                        let points = line.map { "\(number($0.0)),\(number($0.1))" }.joined(separator: " ")
                        body += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" points=\"\(points)\"/>\n"
                    }
                }
            }
        }
        body += "</g>\n" + dots
        for (index, name) in legend.enumerated() {
            let y = top + 14 + Double(index) * 18
            body += "<rect x=\"\(number(left + plotWidth + 12))\" y=\"\(number(y - 9))\" width=\"12\" height=\"10\" fill=\"\(PlotColor.cycle(index).hex)\"/>"
            body += "<text x=\"\(number(left + plotWidth + 30))\" y=\"\(number(y))\">\(xml(name))</text>\n"
        }
        body += svgLabels(title: options.title, xlabel: options.xlabel, ylabel: options.ylabel, centre: left + plotWidth / 2,
                          bottom: height - 12, ylabelAt: (16, top + plotHeight / 2))
        return svgDocument(width: width, height: height, body)
    }
}

/// The parts of a polyline inside `box`: each segment clipped, joined again where one clipped
/// segment ends exactly where the next begins (clipping leaves inside points unchanged).
func visiblePolylines(_ points: [(Double, Double)], _ box: (minX: Double, minY: Double, maxX: Double, maxY: Double)) -> [[(Double, Double)]] {
    var lines: [[(Double, Double)]] = []
    for (a, b) in zip(points, points.dropFirst()) {
        guard let (x0, y0, x1, y1) = clipSegment(a.0, a.1, b.0, b.1, to: box) else { continue }
        if let last = lines.last?.last, last == (x0, y0) {
            lines[lines.count - 1].append((x1, y1))
        } else {
            lines.append([(x0, y0), (x1, y1)])
        }
    }
    return lines
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
