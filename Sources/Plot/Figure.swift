import Foundation

/// Anything PrefLab can draw: as text for the terminal and as SVG for a paper.
public protocol Figure {
    /// The figure as lines of text, with ANSI colours when `colored`.
    func textLines(colored: Bool) -> [String]
    /// A standalone SVG document.
    func svg() -> String
}

extension Figure {
    /// The figure as text; colours follow the terminal (on when standard output is a terminal
    /// and NO_COLOR is unset) unless `colored` says otherwise.
    public func render(colored: Bool? = nil) -> String {
        textLines(colored: colored ?? Terminal.colorByDefault).joined(separator: "\n")
    }
}

/// Options shared by the plot kinds; each kind uses the ones that apply to it.
public struct PlotOptions: Sendable {
    public var title: String?
    public var xlabel: String?
    public var ylabel: String?
    /// Total columns; nil fits the terminal (80 when standard output is not a terminal), up to
    /// the kind's `DefaultSize` maximum.
    public var width: Int?
    /// Rows of the drawing area; nil for the kind's `DefaultSize`.
    public var height: Int?
    public var xlim: (Double, Double)?
    public var ylim: (Double, Double)?
    public var xscale: Scale = .linear
    public var yscale: Scale = .linear
    public var canvas: CanvasKind = .braille
    /// Horizontal reference lines, e.g. y = 0 for "no change from the reference".
    public var hlines: [Double] = []
    public var vlines: [Double] = []

    public init() {}

    /// The columns to fill: `width`, or the terminal's up to `maximum`, the kind's largest default.
    func totalWidth(atMost maximum: Int) -> Int { Swift.max(24, width ?? Swift.min(Terminal.columns, maximum)) }
    var rows: Int { Swift.max(2, height ?? DefaultSize.rows) }
}

/// How large each kind of plot is drawn when no `width:` or `height:` is given. A plot fills the
/// terminal up to these maxima: on a wide terminal a line grows no easier to read past about a
/// hundred columns, and bars stop being comparable at a glance well before that.
public enum DefaultSize {
    /// Total columns of line, scatter and stairs plots and of heatmaps.
    public static let maximumColumns = 100
    /// Total columns of bar charts and histograms.
    public static let maximumBarColumns = 80
    /// Rows of a line, scatter or stairs plot's drawing area.
    public static let rows = 15
    /// Rows of a heatmap, most: taller matrices are averaged down to this many.
    public static let maximumHeatmapRows = 24
}

/// Where output goes: whether it is a terminal, and how wide that terminal is.
public struct OutputDevice: Sendable, Equatable {
    public var isTerminal: Bool
    /// The terminal's width; nil when it is not a terminal or does not say.
    public var columns: Int?

    public init(isTerminal: Bool, columns: Int? = nil) {
        self.isTerminal = isTerminal
        self.columns = columns
    }

    /// A file, pipe or log: figures are 80 columns wide and not coloured.
    public static let notATerminal = OutputDevice(isTerminal: false)

    /// What file descriptor `fd` is connected to. A terminal's width is what it says now
    /// (TIOCGWINSZ, which follows resizing), or COLUMNS when it does not say.
    public static func of(_ fd: Int32, environment: [String: String] = ProcessInfo.processInfo.environment) -> OutputDevice {
        guard isatty(fd) == 1 else { return .notATerminal }
        var size = winsize()
        if ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return OutputDevice(isTerminal: true, columns: Int(size.ws_col)) }
        let declared = environment["COLUMNS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        return OutputDevice(isTerminal: true, columns: declared)
    }

    /// The width a figure fills when none is given: the terminal's, or 80 columns.
    public var figureColumns: Int { isTerminal ? columns ?? 80 : 80 }

    /// Whether figures drawn here are coloured: only on a terminal, and never when NO_COLOR is
    /// set (no-color.org) or `Terminal.colorOverride` says otherwise.
    public func colorByDefault(environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        Terminal.colorOverride ?? (isTerminal && environment["NO_COLOR"] == nil)
    }
}

/// Facts about the terminal the figures are shown on.
public enum Terminal {
    /// The device figures are drawn for: standard output's, unless the current task sets
    /// another (tests draw as off a terminal, or on one of a given width, this way).
    @TaskLocal public static var output: OutputDevice?

    private static var currentOutput: OutputDevice { output ?? .of(STDOUT_FILENO) }

    /// Columns of standard output's terminal, or 80 when it is not a terminal.
    public static var columns: Int { currentOutput.figureColumns }

    /// Set to force colour on or off everywhere (notebooks and tests turn it off); nil decides
    /// from the terminal.
    nonisolated(unsafe) public static var colorOverride: Bool?

    /// Colour only on a terminal, and never when NO_COLOR is set (no-color.org).
    public static var colorByDefault: Bool { currentOutput.colorByDefault() }
}

/// Escapes text for SVG.
func xml(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

func svgDocument(width: Int, height: Int, _ body: String) -> String {
    """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" \
    font-family="Helvetica, Arial, sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>
    \(body)</svg>

    """
}

func number(_ x: Double) -> String { String(format: "%.2f", x) }

/// The title above, the x label below and the y label (rotated) left of a plot area centred at `centre`.
func svgLabels(title: String?, xlabel: String?, ylabel: String?, centre: Double, bottom: Int, ylabelAt: (x: Double, y: Double)) -> String {
    var text = ""
    if let title {
        text += "<text x=\"\(number(centre))\" y=\"24\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(xml(title))</text>\n"
    }
    if let xlabel {
        text += "<text x=\"\(number(centre))\" y=\"\(bottom)\" text-anchor=\"middle\">\(xml(xlabel))</text>\n"
    }
    if let ylabel {
        text += "<text transform=\"translate(\(number(ylabelAt.x)) \(number(ylabelAt.y))) rotate(-90)\" text-anchor=\"middle\">\(xml(ylabel))</text>\n"
    }
    return text
}
