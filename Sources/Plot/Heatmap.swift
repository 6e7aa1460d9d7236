import Foundation

/// A matrix as a grid of shaded cells (row 0 at the top) with a colour bar: e.g. token position
/// × training step, or an attention map. Large matrices are averaged down to fit.
public struct Heatmap: Figure {
    /// Rows of values; ragged rows are padded with NaN (blank).
    public var matrix: [[Double]]
    public var options: PlotOptions

    public init(_ matrix: [[Double]], options: PlotOptions = PlotOptions()) {
        self.matrix = matrix
        self.options = options
    }

    /// Shades from low to high when colour is off.
    private static let shades: [Character] = [" ", "░", "▒", "▓", "█"]
    /// The same in plain ASCII, for the ASCII canvas (logs and CI): more steps, as each is fainter.
    private static let asciiShades: [Character] = Array(" .:-=+*#%@")
    /// A viridis-like ramp in the xterm 256-colour cube, low to high.
    private static let ramp = [54, 55, 61, 67, 73, 72, 71, 107, 149, 191, 226]
    private static let rampHex = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725", "#fde725"]

    /// The matrix averaged into at most `rows × columns` cells (NaNs ignored in each average).
    private func pooled(rows maxRows: Int, columns maxColumns: Int) -> [[Double]] {
        let height = matrix.count
        let width = matrix.map(\.count).max() ?? 0
        guard height > 0, width > 0 else { return [] }
        let (rows, columns) = (Swift.min(height, maxRows), Swift.min(width, maxColumns))
        return (0..<rows).map { r in
            (0..<columns).map { c in
                var total = 0.0, count = 0
                for i in (r * height / rows)..<Swift.max(r * height / rows + 1, (r + 1) * height / rows) {
                    for j in (c * width / columns)..<Swift.max(c * width / columns + 1, (c + 1) * width / columns) {
                        let value = j < matrix[i].count ? matrix[i][j] : .nan
                        if value.isFinite { total += value; count += 1 }
                    }
                }
                return count == 0 ? .nan : total / Double(count)
            }
        }
    }

    private var limits: (Double, Double) {
        let finite = matrix.flatMap { $0 }.filter { $0.isFinite }
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
        return low == high ? (low - 1, high + 1) : (low, high)
    }

    /// Which of `steps` equal bands between `low` and `high` the value falls in; nil for NaN/±inf.
    private func level(_ value: Double, _ steps: Int, _ limits: (Double, Double)) -> Int? {
        guard value.isFinite else { return nil }
        // By halves when high − low overflows (±1.7e308), and clamped before it becomes an Int.
        return clampedInt(fraction(of: value, from: limits.0, to: limits.1) * Double(steps), in: 0...(steps - 1))
    }

    public func textLines(colored: Bool) -> [String] {
        let limits = self.limits
        let (low, high) = limits
        let frame = Frame.for(options.canvas)
        // The ASCII canvas is for logs: characters only, no background colours.
        let colored = colored && !frame.ascii
        let shades = frame.ascii ? Heatmap.asciiShades : Heatmap.shades
        let height = matrix.count, width = matrix.map(\.count).max() ?? 0
        let rowLabelWidth = displayWidth(String(height))
        let barLabels = [tickLabel(high), tickLabel(low)]
        let barWidth = 3 + (barLabels.map(displayWidth).max() ?? 1)
        let available = Swift.max(4, totalWidth - rowLabelWidth - 3 - barWidth)
        let cells = pooled(rows: options.height ?? Swift.min(Swift.max(height, 1), DefaultSize.maximumHeatmapRows), columns: available)
        let columns = cells.first?.count ?? 0
        var lines: [String] = []
        let indent = String(repeating: " ", count: rowLabelWidth + 1)
        if let title = options.title { lines.append(indent + " " + centred(title, Swift.max(columns, displayWidth(title)))) }
        lines.append(indent + frame.top(columns))
        for (r, row) in cells.enumerated() {
            var text = ""
            for value in row {
                if colored, let step = level(value, Heatmap.ramp.count, limits) {
                    text += "\u{1B}[48;5;\(Heatmap.ramp[step])m \u{1B}[0m"
                } else {
                    text += String(level(value, shades.count, limits).map { shades[$0] } ?? " ")
                }
            }
            let label = r == 0 ? "1" : r == cells.count - 1 ? String(height) : ""
            // The colour bar: high at the top, low at the bottom.
            let barStep = cells.count > 1 ? (cells.count - 1 - r) * (shades.count - 1) / (cells.count - 1) : shades.count - 1
            let barCell: String
            if colored {
                let colorStep = cells.count > 1 ? (cells.count - 1 - r) * (Heatmap.ramp.count - 1) / (cells.count - 1) : Heatmap.ramp.count - 1
                barCell = "\u{1B}[48;5;\(Heatmap.ramp[colorStep])m \u{1B}[0m"
            } else {
                barCell = String(shades[barStep])
            }
            let barLabel = r == 0 ? barLabels[0] : r == cells.count - 1 ? barLabels[1] : ""
            lines.append(padLeft(label, rowLabelWidth) + " " + frame.vertical + text + frame.vertical + " " + barCell + " " + barLabel)
        }
        lines.append(indent + frame.bottom(columns))
        if width == 1 {
            lines.append(indent + " 1")
        } else if width > 1 {
            let right = String(width)
            lines.append(indent + " 1" + String(repeating: " ", count: Swift.max(1, columns - 1 - displayWidth(right))) + right)
        }
        if let xlabel = options.xlabel { lines.append(indent + " " + centred(xlabel, columns)) }
        if let ylabel = options.ylabel { lines.insert(indent + " " + ylabel + " " + frame.downArrow, at: options.title == nil ? 0 : 1) }
        return lines.map { $0.trimmingTrailingSpaces() }
    }

    public func svg() -> String {
        let limits = self.limits
        let cells = pooled(rows: 200, columns: 200)
        let rows = cells.count, columns = cells.first?.count ?? 0
        // Ticks number the matrix's own rows and columns, also when the cells were averaged down.
        let (matrixRows, matrixColumns) = (matrix.count, matrix.map(\.count).max() ?? 0)
        let rowTicks = Heatmap.indexTicks(matrixRows), columnTicks = Heatmap.indexTicks(matrixColumns)
        // Cells up to 24 pixels a side, within about 480 × 320; a long matrix gets wide cells, not a thin strip.
        let cellWidth = Swift.max(2.0, Swift.min(24.0, 480.0 / Double(Swift.max(columns, 1))))
        let cellHeight = Swift.max(2.0, Swift.min(24.0, 320.0 / Double(Swift.max(rows, 1))))
        let rowLabelWidth = Double((rowTicks.map { String($0).count }.max() ?? 1) * 7)
        let left = (options.ylabel == nil ? 12.0 : 32.0) + rowLabelWidth + 10
        let top = options.title == nil ? 20.0 : 44.0
        let (gridWidth, gridHeight) = (cellWidth * Double(columns), cellHeight * Double(rows))
        let width = Int(left + gridWidth + 90), height = Int(top + gridHeight + (options.xlabel == nil ? 34 : 52))
        var body = ""
        for (r, row) in cells.enumerated() {
            for (c, value) in row.enumerated() {
                guard let step = level(value, Heatmap.rampHex.count - 1, limits) else { continue }
                body += "<rect x=\"\(number(left + Double(c) * cellWidth))\" y=\"\(number(top + Double(r) * cellHeight))\" width=\"\(number(cellWidth))\" height=\"\(number(cellHeight))\" fill=\"\(Heatmap.rampHex[step])\"/>"
            }
            body += "\n"
        }
        body += "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(gridWidth))\" height=\"\(number(gridHeight))\" fill=\"none\" stroke=\"#444\"/>\n"
        for index in rowTicks {
            let y = top + (Double(index) - 0.5) / Double(matrixRows) * gridHeight
            body += "<line x1=\"\(number(left - 4))\" y1=\"\(number(y))\" x2=\"\(number(left))\" y2=\"\(number(y))\" stroke=\"#444\"/>"
            body += "<text x=\"\(number(left - 7))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(index)</text>\n"
        }
        for index in columnTicks {
            let x = left + (Double(index) - 0.5) / Double(matrixColumns) * gridWidth
            body += "<line x1=\"\(number(x))\" y1=\"\(number(top + gridHeight))\" x2=\"\(number(x))\" y2=\"\(number(top + gridHeight + 4))\" stroke=\"#444\"/>"
            body += "<text x=\"\(number(x))\" y=\"\(number(top + gridHeight + 18))\" text-anchor=\"middle\">\(index)</text>\n"
        }
        let barX = left + gridWidth + 16
        body += "<defs><linearGradient id=\"bar\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        for (i, hex) in Heatmap.rampHex.dropLast().enumerated() {
            body += "<stop offset=\"\(number(Double(i) / Double(Heatmap.rampHex.count - 2)))\" stop-color=\"\(hex)\"/>"
        }
        body += "</linearGradient></defs>\n<rect x=\"\(number(barX))\" y=\"\(number(top))\" width=\"14\" height=\"\(number(gridHeight))\" fill=\"url(#bar)\"/>\n"
        let (low, high) = limits
        for (y, label) in [(top, tickLabel(high)), (top + gridHeight, tickLabel(low))] {
            body += "<line x1=\"\(number(barX + 14))\" y1=\"\(number(y))\" x2=\"\(number(barX + 18))\" y2=\"\(number(y))\" stroke=\"#444\"/>"
            body += "<text x=\"\(number(barX + 21))\" y=\"\(number(y + 4))\">\(xml(label))</text>\n"
        }
        body += svgLabels(title: options.title, xlabel: options.xlabel, ylabel: options.ylabel, centre: left + gridWidth / 2,
                          bottom: height - 12, ylabelAt: (16, top + gridHeight / 2))
        return svgDocument(width: width, height: height, body)
    }

    /// Row or column numbers (from 1) to label along an axis of `count` cells: the first one,
    /// then multiples of a 1-2-5 step, about five in all.
    static func indexTicks(_ count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let step = Swift.max(1, Int(AxisRange.niceStep(Double(count) / 5)))
        return [1] + stride(from: step, through: count, by: step).filter { $0 > 1 }
    }
}

/// A one-line sketch of a series: ▁▂▃▄▅▆▇█ scaled from its minimum to its maximum; NaN is a space.
public struct Sparkline: Figure {
    public var values: [Double]
    public var title: String?
    /// `.ascii` draws with ASCII characters (logs and CI); the other canvases use the blocks.
    public var canvas: CanvasKind

    public init(_ values: [Double], title: String? = nil, canvas: CanvasKind = .braille) {
        self.values = values
        self.title = title
        self.canvas = canvas
    }

    private static let ticks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
    private static let asciiTicks: [Character] = Array("_.-=+*#@")

    public func textLines(colored: Bool) -> [String] {
        let finite = values.filter { $0.isFinite }
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 0)
        let ticks = canvas == .ascii ? Sparkline.asciiTicks : Sparkline.ticks
        let line = String(values.map { value -> Character in
            guard value.isFinite else { return " " }
            guard high > low else { return ticks[3] }
            // fraction(of:) works by halves when high − low overflows (spark([1e308, -1e308])).
            return ticks[clampedInt(fraction(of: value, from: low, to: high) * 8, in: 0...7)]
        })
        // The ASCII canvas is for logs: characters only.
        let shown = colored && canvas != .ascii && !line.isEmpty ? PlotColor.blue.ansi + line + PlotColor.reset : line
        return [(title.map { $0 + " " } ?? "") + shown]
    }

    public func svg() -> String {
        let finite = values.filter { $0.isFinite }
        let (low, high) = (finite.min() ?? 0, finite.max() ?? 1)
        // The title sits before the line, as in the text form; about 7 pixels a character.
        let titleWidth = title.map { Double(displayWidth($0) * 7 + 8) } ?? 0
        let step = 200.0 / Double(Swift.max(1, values.count - 1))
        // Runs of finite values, broken where a value is NaN or infinite.
        var segments: [[(x: Double, y: Double)]] = [[]]
        for (i, value) in values.enumerated() {
            guard value.isFinite else { segments.append([]); continue }
            let y = 36 - (high > low ? fraction(of: value, from: low, to: high) : 0) * 32
            segments[segments.count - 1].append((titleWidth + Double(i) * step + 4, y))
        }
        var body = title.map { "<text x=\"4\" y=\"24\" font-weight=\"bold\">\(xml($0))</text>\n" } ?? ""
        for segment in segments where !segment.isEmpty {
            if segment.count == 1 {
                // A lone value has no line to draw: a dot shows it.
                body += "<circle cx=\"\(number(segment[0].x))\" cy=\"\(number(segment[0].y))\" r=\"1.5\" fill=\"\(PlotColor.blue.hex)\"/>\n"
            } else {
                let points = segment.map { "\(number($0.x)),\(number($0.y))" }.joined(separator: " ")
                body += "<polyline fill=\"none\" stroke=\"\(PlotColor.blue.hex)\" stroke-width=\"1.5\" points=\"\(points)\"/>\n"
            }
        }
        return svgDocument(width: Int(titleWidth) + 208, height: 40, body)
    }
}
