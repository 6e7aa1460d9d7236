/// The cell grids plots draw on. Each cell packs a few sub-cell dots into one character.
public enum CanvasKind: String, Sendable, CaseIterable {
    /// 2×4 dots per cell (Unicode braille, U+2800 + dot bits): the finest; the default.
    case braille
    /// 2×2 quadrant blocks (▘▝▖▗ …).
    case block
    /// 1×2 dots per cell in plain ASCII (' . : '), for logs and CI output; the frame, ticks,
    /// legend and labels of a plot on this canvas are ASCII too (see Frame).
    case ascii

    var dotsAcross: Int { self == .ascii ? 1 : 2 }
    var dotsDown: Int { self == .braille ? 4 : 2 }
}

/// A grid of `columns × rows` cells with a colour per cell (the last series drawn wins).
struct Canvas {
    let kind: CanvasKind
    let columns: Int
    let rows: Int
    private var bits: [UInt8]
    private var colors: [PlotColor?]
    /// Glyphs drawn in place of a cell's dots (series markers).
    private var marks: [Character?]

    init(kind: CanvasKind, columns: Int, rows: Int) {
        self.kind = kind
        self.columns = max(1, columns)
        self.rows = max(1, rows)
        bits = [UInt8](repeating: 0, count: self.columns * self.rows)
        colors = [PlotColor?](repeating: nil, count: self.columns * self.rows)
        marks = [Character?](repeating: nil, count: self.columns * self.rows)
    }

    /// Dots across and down the whole canvas.
    var width: Int { columns * kind.dotsAcross }
    var height: Int { rows * kind.dotsDown }

    /// Sets the dot at (x, y), y counted from the top; dots outside the canvas are ignored.
    mutating func set(_ x: Int, _ y: Int, _ color: PlotColor?) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let (column, row) = (x / kind.dotsAcross, y / kind.dotsDown)
        let (dx, dy) = (x % kind.dotsAcross, y % kind.dotsDown)
        let bit: Int
        switch kind {
        // Braille dot numbering: left column 1,2,3,7 and right 4,5,6,8 (bits 0,1,2,6 / 3,4,5,7).
        case .braille: bit = dx == 0 ? [0, 1, 2, 6][dy] : [3, 4, 5, 7][dy]
        case .block: bit = dy * 2 + dx
        case .ascii: bit = dy
        }
        bits[row * columns + column] |= UInt8(1 << bit)
        if let color { colors[row * columns + column] = color }
    }

    /// Sets the dot nearest (x, y), for positions computed from data: NaN, ±inf and positions
    /// far off the canvas are ignored rather than converted to Int (which would trap).
    mutating func set(_ x: Double, _ y: Double, _ color: PlotColor?) {
        let (x, y) = (x.rounded(), y.rounded())
        guard x >= 0, y >= 0, x < Double(width), y < Double(height) else { return }
        set(Int(x), Int(y), color)
    }

    /// A straight segment between two dots (a DDA: one dot per step of the longer side). The
    /// segment is first clipped to the canvas, so a line leaving the frame (a value far above
    /// ylim) is drawn up to the edge and the step count stays bounded by the canvas size.
    mutating func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ color: PlotColor?) {
        // Just inside the outer half-dot, so clipped ends still round onto the canvas.
        let box = (minX: -0.499, minY: -0.499, maxX: Double(width) - 0.501, maxY: Double(height) - 0.501)
        guard let (x0, y0, x1, y1) = clipSegment(x0, y0, x1, y1, to: box) else { return }
        let steps = clampedInt(Swift.max(abs(x1 - x0), abs(y1 - y0)).rounded(.up), in: 0...(width + height + 2))
        guard steps > 0 else {
            set(x0, y0, color)
            return
        }
        for i in 0...steps {
            let t = Double(i) / Double(steps)
            set(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, color)
        }
    }

    /// The cell holding the dot nearest (x, y); nil off the canvas (and for NaN or ±inf).
    func cell(_ x: Double, _ y: Double) -> (column: Int, row: Int)? {
        let (x, y) = (x.rounded(), y.rounded())
        guard x >= 0, y >= 0, x < Double(width), y < Double(height) else { return nil }
        return (Int(x) / kind.dotsAcross, Int(y) / kind.dotsDown)
    }

    /// Draws `glyph` in place of the dots of `cell`.
    mutating func mark(_ cell: (column: Int, row: Int), _ glyph: Character, _ color: PlotColor?) {
        marks[cell.row * columns + cell.column] = glyph
        if let color { colors[cell.row * columns + cell.column] = color }
    }

    func isEmpty(column: Int, row: Int) -> Bool { bits[row * columns + column] == 0 && marks[row * columns + column] == nil }

    /// The character of one cell.
    func glyph(column: Int, row: Int) -> Character {
        if let mark = marks[row * columns + column] { return mark }
        let value = bits[row * columns + column]
        switch kind {
        case .braille:
            return Character(Unicode.Scalar(0x2800 + UInt32(value))!)
        case .block:
            return Array(" ▘▝▀▖▌▞▛▗▚▐▜▄▙▟█")[Int(value)]
        case .ascii:
            return Array(" '.:")[Int(value)]
        }
    }

    func color(column: Int, row: Int) -> PlotColor? { colors[row * columns + column] }

    /// One row of cells as text, each cell wrapped in its colour's escape when `colored`.
    func render(row: Int, colored: Bool) -> String {
        var text = ""
        for column in 0..<columns {
            let glyph = String(glyph(column: column, row: row))
            if colored, let color = color(column: column, row: row), !isEmpty(column: column, row: row) {
                text += color.ansi + glyph + PlotColor.reset
            } else {
                text += glyph
            }
        }
        return text
    }
}

/// The colours series take, in order, and how they are written to a terminal and to SVG.
public enum PlotColor: String, Sendable, CaseIterable {
    case blue, red, green, yellow, magenta, cyan

    var ansi: String {
        switch self {
        case .red: "\u{1B}[31m"
        case .green: "\u{1B}[32m"
        case .yellow: "\u{1B}[33m"
        case .blue: "\u{1B}[34m"
        case .magenta: "\u{1B}[35m"
        case .cyan: "\u{1B}[36m"
        }
    }

    static let reset = "\u{1B}[0m"

    var hex: String {
        switch self {
        case .blue: "#1f77b4"
        case .red: "#d62728"
        case .green: "#2ca02c"
        case .yellow: "#bcbd22"
        case .magenta: "#9467bd"
        case .cyan: "#17becf"
        }
    }

    static func cycle(_ index: Int) -> PlotColor { allCases[index % allCases.count] }
}
