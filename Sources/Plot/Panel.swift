import Foundation

/// Several figures side by side or in a grid, e.g. DPO | DPOP | IPO at a glance.
public struct Panel: Figure {
    public var figures: [any Figure]
    /// Figures per row; nil puts them all in one row.
    public var columns: Int?
    /// Total columns the panel may use; each figure gets an equal share.
    public var width: Int?
    /// A canvas for every figure in the panel (e.g. `.ascii` for a log); nil keeps each one's own.
    public var canvas: CanvasKind?

    public init(_ figures: [any Figure], columns: Int? = nil, width: Int? = nil, canvas: CanvasKind? = nil) {
        self.figures = figures
        self.columns = columns
        self.width = width
        self.canvas = canvas
    }

    private var perRow: Int { Swift.max(1, Swift.min(columns ?? figures.count, Swift.max(1, figures.count))) }

    public func textLines(colored: Bool) -> [String] {
        let gap = "   "
        let share = ((width ?? Terminal.columns) - (perRow - 1) * gap.count) / perRow
        var lines: [String] = []
        for start in stride(from: 0, to: figures.count, by: perRow) {
            let row = figures[start..<Swift.min(figures.count, start + perRow)].map { figure -> any Figure in
                let drawn = canvas.flatMap { (figure as? CanvasSelectable)?.drawn(on: $0) } ?? figure
                guard let resizable = drawn as? Resizable else { return drawn }
                // A panel of no given width shares the terminal, each figure up to its own default maximum.
                return resizable.resized(toWidth: width == nil ? Swift.min(share, resizable.maximumDefaultWidth) : share)
            }
            let blocks = row.map { $0.textLines(colored: colored) }
            let widths = blocks.map { $0.map(displayWidth).max() ?? 0 }
            let height = blocks.map(\.count).max() ?? 0
            if !lines.isEmpty { lines.append("") }
            for i in 0..<height {
                let parts = blocks.indices.map { b in padRight(i < blocks[b].count ? blocks[b][i] : "", widths[b]) }
                lines.append(parts.joined(separator: gap).trimmingTrailingSpaces())
            }
        }
        return lines
    }

    public func svg() -> String {
        var body = ""
        var y = 0, rowHeight = 0, x = 0, totalWidth = 0
        for (index, figure) in figures.enumerated() {
            if index > 0, index % perRow == 0 {
                y += rowHeight + 10
                x = 0
                rowHeight = 0
            }
            let inner = figure.svg()
            let (w, h) = Panel.size(of: inner)
            body += inner.replacingOccurrences(of: "<svg ", with: "<svg x=\"\(x)\" y=\"\(y)\" ", options: [], range: inner.range(of: "<svg "))
            x += w + 10
            totalWidth = Swift.max(totalWidth, x - 10)
            rowHeight = Swift.max(rowHeight, h)
        }
        return svgDocument(width: totalWidth, height: y + rowHeight, body)
    }

    /// The width and height attributes of an SVG document we wrote.
    static func size(of svg: String) -> (Int, Int) {
        func attribute(_ name: String) -> Int {
            guard let range = svg.range(of: "\(name)=\"") else { return 0 }
            return Int(svg[range.upperBound...].prefix { $0.isNumber }) ?? 0
        }
        return (attribute("width"), attribute("height"))
    }
}

/// Figures drawn to a total width: their own `width:`, a panel's share, or the terminal's up to
/// their kind's default maximum.
protocol Resizable: Figure {
    /// The most columns the figure fills when no width is given (see `DefaultSize`).
    var maximumDefaultWidth: Int { get }
    var options: PlotOptions { get set }
}

extension Resizable {
    func resized(toWidth width: Int) -> any Figure {
        var copy = self
        copy.options.width = copy.options.width ?? width
        return copy
    }

    /// The columns the figure fills.
    var totalWidth: Int { options.totalWidth(atMost: maximumDefaultWidth) }
}

extension XYPlot: Resizable {
    var maximumDefaultWidth: Int { DefaultSize.maximumColumns }
}

extension Histogram: Resizable {
    var maximumDefaultWidth: Int { DefaultSize.maximumBarColumns }
}

extension BarChart: Resizable {
    var maximumDefaultWidth: Int { DefaultSize.maximumBarColumns }
}

extension Heatmap: Resizable {
    var maximumDefaultWidth: Int { DefaultSize.maximumColumns }
}

/// Figures whose canvas can be chosen after they are made (a panel applies its own to each).
protocol CanvasSelectable {
    func drawn(on canvas: CanvasKind) -> any Figure
}

extension XYPlot: CanvasSelectable {
    func drawn(on canvas: CanvasKind) -> any Figure { var copy = self; copy.options.canvas = canvas; return copy }
}

extension Histogram: CanvasSelectable {
    func drawn(on canvas: CanvasKind) -> any Figure { var copy = self; copy.options.canvas = canvas; return copy }
}

extension BarChart: CanvasSelectable {
    func drawn(on canvas: CanvasKind) -> any Figure { var copy = self; copy.options.canvas = canvas; return copy }
}

extension Heatmap: CanvasSelectable {
    func drawn(on canvas: CanvasKind) -> any Figure { var copy = self; copy.options.canvas = canvas; return copy }
}

extension Sparkline: CanvasSelectable {
    func drawn(on canvas: CanvasKind) -> any Figure { var copy = self; copy.canvas = canvas; return copy }
}

extension Panel: CanvasSelectable {
    func drawn(on canvas: CanvasKind) -> any Figure { var copy = self; copy.canvas = canvas; return copy }
}

/// Where a figure that changes as work goes on (a training run's loss) is shown: a terminal
/// (`LiveView`), or a notebook's display that the Jupyter kernel updates.
public protocol LiveDisplay: AnyObject {
    /// Whether each update replaces the one before; live figures are shown only where it does.
    var redrawsInPlace: Bool { get }
    /// The width figures shown here should fill.
    var columns: Int { get }
    func update(_ figure: any Figure)
}

/// A figure redrawn in place as it changes (training curves on a terminal); on anything else
/// each update is appended as plain text.
public final class LiveView: LiveDisplay {
    private let write: (String) -> Void
    /// Whether updates replace the previous drawing (ANSI cursor movement) rather than follow it.
    public let isTerminal: Bool
    /// Whether figures are drawn with ANSI colours.
    public let colored: Bool
    /// The width figures shown here should fill.
    public let columns: Int
    private var shownLines = 0

    public var redrawsInPlace: Bool { isTerminal }

    public init(isTerminal: Bool, colored: Bool, columns: Int = 80, write: @escaping (String) -> Void) {
        self.isTerminal = isTerminal
        self.colored = colored
        self.columns = columns
        self.write = write
    }

    /// A view writing to file descriptor `fd`. Whether it redraws in place depends only on `fd`
    /// being a terminal: NO_COLOR takes the colours away, not the redrawing.
    public convenience init(fileDescriptor fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let device = OutputDevice.of(fd)
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
        self.init(isTerminal: device.isTerminal, colored: device.colorByDefault(environment: environment),
                  columns: device.figureColumns) { handle.write(Data($0.utf8)) }
    }

    /// Shows `figure`: over the previous drawing on a terminal, after it anywhere else.
    public func update(_ figure: any Figure) {
        let lines = figure.textLines(colored: colored)
        // Move to the first line of the previous drawing and clear to the end of the screen.
        let rewind = isTerminal && shownLines > 0 ? "\u{1B}[\(shownLines)F\u{1B}[J" : ""
        write(rewind + lines.joined(separator: "\n") + "\n")
        shownLines = lines.count
    }
}
