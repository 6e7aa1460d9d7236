import Foundation

/// Counts of values in bins, drawn as horizontal bars (bins down the side, as UnicodePlots does).
public struct Histogram: Figure {
    public var values: [Double]
    /// Bin count; nil for Sturges' rule, ⌈log₂ n⌉ + 1.
    public var bins: Int?
    /// Explicit bin edges (increasing); overrides `bins`. The last bin includes its right edge.
    public var edges: [Double]?
    public var options: PlotOptions

    public init(_ values: [Double], bins: Int? = nil, edges: [Double]? = nil, options: PlotOptions = PlotOptions()) {
        self.values = values
        self.bins = bins
        self.edges = edges
        self.options = options
    }

    /// Bin edges and counts over the finite values.
    public var counts: (edges: [Double], counts: [Int]) {
        let finite = values.filter { $0.isFinite }
        var edges: [Double]
        if let given = self.edges, given.count >= 2 {
            edges = given
        } else if let low = finite.min(), let high = finite.max() {
            let k = Swift.max(1, bins ?? (Int(Foundation.log2(Double(Swift.max(1, finite.count))).rounded(.up)) + 1))
            if low == high {
                edges = [low - 0.5, low + 0.5]
            } else {
                // The 1-2-5 step whose bins over the data come closest to k.
                let rough = (high - low) / Double(k)
                let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
                let candidates = [0.5, 1, 2, 5, 10].map { $0 * magnitude }
                func binCount(_ step: Double) -> Int { Int((high / step).rounded(.down) - (low / step).rounded(.down)) + 1 }
                let step = candidates.min { Swift.abs(binCount($0) - k) < Swift.abs(binCount($1) - k) } ?? rough
                let start = (low / step).rounded(.down) * step
                edges = [start]
                while edges.count < 10_000, let last = edges.last, last <= high { edges.append(last + step) }
            }
        } else {
            return ([], [])
        }
        var counts = [Int](repeating: 0, count: edges.count - 1)
        let closedRight = self.edges != nil
        for value in finite {
            // Binary search for the bin whose left edge is the last one ≤ value.
            var low = 0, high = edges.count - 1
            guard value >= edges[0], value < edges[high] || (closedRight && value == edges[high]) else { continue }
            while high - low > 1 {
                let mid = (low + high) / 2
                if edges[mid] <= value { low = mid } else { high = mid }
            }
            counts[low] += 1
        }
        return (edges, counts)
    }

    private var labels: [String] {
        let (edges, counts) = self.counts
        return counts.indices.map { i in
            let close = i == counts.count - 1 && self.edges != nil ? "]" : ")"
            return "[\(tickLabel(edges[i])), \(tickLabel(edges[i + 1]))\(close)"
        }
    }

    private var bars: HorizontalBars {
        let counts = self.counts.counts
        return HorizontalBars(labels: labels, values: counts.map(Double.init), valueLabels: counts.map(String.init),
                              title: options.title, xlabel: options.xlabel ?? "frequency", width: options.totalWidth)
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
                              title: options.title, xlabel: options.xlabel, width: options.totalWidth)
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

    private static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    func textLines(colored: Bool) -> [String] {
        let labelWidth = labels.map(displayWidth).max() ?? 0
        let valueWidth = valueLabels.map(displayWidth).max() ?? 0
        let area = Swift.max(8, width - labelWidth - 3 - valueWidth - 1)
        let finite = values.filter { $0.isFinite }
        let negative = Swift.max(0, -(finite.min() ?? 0)), positive = Swift.max(0, finite.max() ?? 0)
        let total = negative + positive
        let leftArea = total == 0 ? 0 : Int((Double(area) * negative / total).rounded())
        let rightArea = area - leftArea
        var lines: [String] = []
        let indent = String(repeating: " ", count: labelWidth + 1)
        if let title { lines.append(indent + " " + centred(title, area)) }
        lines.append(indent + "┌" + String(repeating: " ", count: area) + "┐")
        for (i, value) in values.enumerated() {
            var left = String(repeating: " ", count: leftArea), right = ""
            if value.isFinite, total > 0 {
                let length = Swift.abs(value) / total * Double(area)
                if value < 0 {
                    let cells = Swift.min(leftArea, Int(length.rounded()))
                    left = String(repeating: " ", count: leftArea - cells) + String(repeating: "█", count: cells)
                } else {
                    let whole = Int(length)
                    let fraction = Int(((length - Double(whole)) * 8).rounded(.down))
                    right = String(repeating: "█", count: whole) + (fraction > 0 ? String(HorizontalBars.eighths[fraction - 1]) : "")
                    if right.isEmpty, value > 0 { right = "▏" }
                }
            }
            let bar = left + right
            let shown = colored ? PlotColor.blue.ansi + bar + PlotColor.reset : bar
            lines.append(padLeft(labels[i], labelWidth) + " ┤" + shown + padRight("", rightArea - displayWidth(right)) + " " + valueLabels[i])
        }
        lines.append(indent + "└" + String(repeating: " ", count: area) + "┘")
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
        let finite = values.filter { $0.isFinite }
        let negative = Swift.max(0, -(finite.min() ?? 0)), positive = Swift.max(0, finite.max() ?? 0)
        let total = Swift.max(negative + positive, 1e-300)
        let baseline = labelWidth + chartWidth * negative / total
        var body = ""
        for (i, value) in values.enumerated() {
            let y = top + Double(i) * rowHeight
            body += "<text x=\"\(number(labelWidth - 8))\" y=\"\(number(y + 16))\" text-anchor=\"end\">\(xml(labels[i]))</text>"
            if value.isFinite {
                let length = chartWidth * Swift.abs(value) / total
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
