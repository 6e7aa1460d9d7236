import Foundation

/// Counts of values in bins, drawn as horizontal bars (bins down the side, as UnicodePlots does).
public struct Histogram: Figure {
    public var values: [Double]
    /// Bin count: exactly this many equal-width bins over the finite data's range; nil for
    /// Sturges' rule, ⌈log₂ n⌉ + 1 bins.
    public var bins: Int?
    /// Explicit bin edges (increasing); overrides `bins`.
    public var edges: [Double]?
    public var options: PlotOptions

    public init(_ values: [Double], bins: Int? = nil, edges: [Double]? = nil, options: PlotOptions = PlotOptions()) {
        self.values = values
        self.bins = bins
        self.edges = edges
        self.options = options
    }

    /// Bin edges and counts over the finite values. Bins are closed on the left, `[a, b)`, except
    /// the last, which also holds its right edge (as NumPy's `histogram`).
    public var counts: (edges: [Double], counts: [Int]) {
        let finite = values.filter { $0.isFinite }
        let edges: [Double]
        if let given = self.edges, given.count >= 2 {
            edges = given
        } else if let low = finite.min(), let high = finite.max() {
            edges = Histogram.equalWidthEdges(low, high, bins: bins ?? Histogram.sturgesBins(finite.count))
        } else {
            return ([], [])
        }
        var counts = [Int](repeating: 0, count: edges.count - 1)
        for value in finite {
            // Binary search for the bin whose left edge is the last one ≤ value.
            var low = 0, high = edges.count - 1
            guard value >= edges[0], value <= edges[high] else { continue }
            while high - low > 1 {
                let mid = (low + high) / 2
                if edges[mid] <= value { low = mid } else { high = mid }
            }
            counts[low] += 1
        }
        return (edges, counts)
    }

    /// Sturges' rule: ⌈log₂ n⌉ + 1 bins for n values.
    static func sturgesBins(_ n: Int) -> Int {
        Int(Foundation.log2(Double(Swift.max(1, n))).rounded(.up)) + 1
    }

    /// `k` equal-width bins from `low` to `high`, as NumPy's `histogram(bins=k)`; constant data
    /// gets a range around its value, wide enough to differ from it at any magnitude.
    static func equalWidthEdges(_ low: Double, _ high: Double, bins: Int) -> [Double] {
        let k = Swift.min(Swift.max(1, bins), 1_000_000)
        var (low, high) = (low, high)
        if low == high {
            let pad = Swift.max(0.5, Swift.abs(low) * 0.1)
            (low, high) = (finite(low - pad), finite(high + pad))
        }
        // high − low overflows for ±1e308; the weighted form never leaves [low, high].
        let span = high - low
        return (0...k).map { i in
            if i == k { return high }
            let t = Double(i) / Double(k)
            return span.isFinite ? low + span * t : low * (1 - t) + high * t
        }
    }

    private var labels: [String] {
        let (edges, counts) = self.counts
        // Labels resolve the narrowest bin, so neighbouring edges never read alike.
        let step = zip(edges, edges.dropFirst()).map { finiteSpan($0, $1) }.min() ?? 1
        return counts.indices.map { i in
            let close = i == counts.count - 1 ? "]" : ")"
            return "[\(edgeLabel(edges[i], step: step)), \(edgeLabel(edges[i + 1], step: step))\(close)"
        }
    }

    private var bars: HorizontalBars {
        let counts = self.counts.counts
        return HorizontalBars(labels: labels, values: counts.map(Double.init), valueLabels: counts.map(String.init),
                              title: options.title, xlabel: options.xlabel ?? "frequency", width: totalWidth, frame: .for(options.canvas))
    }

    public func textLines(colored: Bool) -> [String] { bars.textLines(colored: colored) }

    public func svg() -> String { bars.svg() }
}

/// A horizontal bar chart: one labelled bar per value; negative values grow left of a baseline.
public struct BarChart: Figure {
    public var labels: [String]
    public var values: [Double]
    public var options: PlotOptions

    public init(labels: [String], values: [Double], options: PlotOptions = PlotOptions()) {
        self.labels = labels
        self.values = values
        self.options = options
    }

    private var bars: HorizontalBars {
        let names = values.indices.map { $0 < labels.count ? labels[$0] : String($0 + 1) }
        return HorizontalBars(labels: names, values: values, valueLabels: values.map { tickLabel($0) },
                              title: options.title, xlabel: options.xlabel, width: totalWidth, frame: .for(options.canvas))
    }

    public func textLines(colored: Bool) -> [String] { bars.textLines(colored: colored) }
    public func svg() -> String { bars.svg() }
}

/// The drawing shared by histograms and bar charts.
struct HorizontalBars {
    let labels: [String]
    let values: [Double]
    let valueLabels: [String]
    let title: String?
    let xlabel: String?
    let width: Int
    /// ASCII draws bars of `#` in a `+ |` frame; otherwise block characters with eighths.
    let frame: Frame

    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    func textLines(colored: Bool) -> [String] {
        let labelWidth = labels.map(displayWidth).max() ?? 0
        let valueWidth = valueLabels.map(displayWidth).max() ?? 0
        let area = Swift.max(8, width - labelWidth - 3 - valueWidth - 1)
        let scale = BarScale(values)
        let leftArea = clampedInt((Double(area) * scale.share(scale.negative)).rounded(), in: 0...area)
        let rightArea = area - leftArea
        let full = frame.ascii ? "#" : "█"
        var lines: [String] = []
        let indent = String(repeating: " ", count: labelWidth + 1)
        if let title { lines.append(indent + " " + centred(title, area)) }
        lines.append(indent + frame.topLeft + String(repeating: " ", count: area) + frame.topRight)
        for (i, value) in values.enumerated() {
            var left = String(repeating: " ", count: leftArea), right = ""
            if value.isFinite, scale.total > 0 {
                let length = scale.share(Swift.abs(value)) * Double(area)
                if value < 0 {
                    let cells = clampedInt(length.rounded(), in: 0...leftArea)
                    left = String(repeating: " ", count: leftArea - cells) + String(repeating: full, count: cells)
                } else if frame.ascii {
                    right = String(repeating: full, count: clampedInt(length.rounded(), in: 0...area))
                    if right.isEmpty, value > 0 { right = "|" }
                } else {
                    let whole = clampedInt(length, in: 0...area)
                    let fraction = clampedInt((length - Double(whole)) * 8, in: 0...7)
                    right = String(repeating: full, count: whole) + (fraction > 0 ? String(HorizontalBars.eighths[fraction - 1]) : "")
                    if right.isEmpty, value > 0 { right = "▏" }
                }
            }
            let bar = left + right
            let shown = colored && bar.contains(where: { $0 != " " }) ? PlotColor.blue.ansi + bar + PlotColor.reset : bar
            lines.append(padLeft(labels[i], labelWidth) + " " + frame.tick + shown + padRight("", rightArea - displayWidth(right)) + " " + valueLabels[i])
        }
        lines.append(indent + frame.bottomLeft + String(repeating: " ", count: area) + frame.bottomRight)
        if let xlabel { lines.append(indent + " " + centred(xlabel, area)) }
        return lines.map { $0.trimmingTrailingSpaces() }
    }

    func svg() -> String {
        let labelWidth = Double((labels.map(displayWidth).max() ?? 0) * 7 + 16)
        let rowHeight = 24.0
        let top = title == nil ? 16.0 : 40.0
        let chartWidth = 420.0
        let height = Int(top + rowHeight * Double(values.count) + (xlabel == nil ? 20 : 44))
        let width = Int(labelWidth + chartWidth + 80)
        let scale = BarScale(values)
        let baseline = labelWidth + chartWidth * scale.share(scale.negative)
        var body = ""
        for (i, value) in values.enumerated() {
            let y = top + Double(i) * rowHeight
            body += "<text x=\"\(number(labelWidth - 8))\" y=\"\(number(y + 16))\" text-anchor=\"end\">\(xml(labels[i]))</text>"
            if value.isFinite {
                let length = chartWidth * scale.share(Swift.abs(value))
                let x = value < 0 ? baseline - length : baseline
                body += "<rect x=\"\(number(x))\" y=\"\(number(y + 4))\" width=\"\(number(length))\" height=\"\(number(rowHeight - 8))\" fill=\"\(PlotColor.blue.hex)\"/>"
                body += "<text x=\"\(number(Swift.max(x + length, baseline) + 6))\" y=\"\(number(y + 16))\">\(xml(valueLabels[i]))</text>"
            }
            body += "\n"
        }
        body += "<line x1=\"\(number(baseline))\" y1=\"\(number(top))\" x2=\"\(number(baseline))\" y2=\"\(number(top + rowHeight * Double(values.count)))\" stroke=\"#444\"/>\n"
        body += svgLabels(title: title, xlabel: xlabel, ylabel: nil, centre: labelWidth + chartWidth / 2, bottom: height - 12, ylabelAt: (0, 0))
        return svgDocument(width: width, height: height, body)
    }
}

/// How bar lengths share the chart: the most negative value's bar and the largest positive one
/// together fill it.
struct BarScale {
    let negative: Double
    let positive: Double

    init(_ values: [Double]) {
        let finite = values.filter { $0.isFinite }
        negative = Swift.max(0, -(finite.min() ?? 0))
        positive = Swift.max(0, finite.max() ?? 0)
    }

    /// Halved: 1e308 + 1e308 overflows, and every share would become NaN.
    var total: Double { negative / 2 + positive / 2 }

    /// The part of the chart a bar of `magnitude` takes, in [0, 1]; 0 when every value is 0.
    func share(_ magnitude: Double) -> Double { total > 0 ? Swift.min(1, magnitude / 2 / total) : 0 }
}
