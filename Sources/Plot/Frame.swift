/// The characters drawn around a plot's canvas: box drawing normally, and plain ASCII with the
/// ASCII canvas so that the whole plot (not only the dots) survives logs and CI output.
struct Frame {
    let topLeft: String, topRight: String, bottomLeft: String, bottomRight: String
    let horizontal: String, vertical: String
    /// A vertical edge with a tick mark, where a y label sits.
    let tick: String
    /// The legend's colour swatch.
    let marker: String
    /// Each series' own glyph, in order (cycling), drawn on its points and shown in the legend
    /// when there is no colour to tell series apart.
    let seriesMarkers: [Character]
    /// Marks the direction rows run in (a heatmap's ylabel).
    let downArrow: String
    let ascii: Bool

    static let unicode = Frame(topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘", horizontal: "─", vertical: "│",
                               tick: "┤", marker: "■", seriesMarkers: ["●", "▲", "■", "◆", "▼", "○"], downArrow: "↓", ascii: false)
    static let plain = Frame(topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+", horizontal: "-", vertical: "|",
                             tick: "+", marker: "#", seriesMarkers: ["*", "o", "x", "#", "%", "@"], downArrow: "v", ascii: true)

    static func `for`(_ canvas: CanvasKind) -> Frame { canvas == .ascii ? plain : unicode }

    func seriesMarker(_ index: Int) -> Character { seriesMarkers[index % seriesMarkers.count] }

    func top(_ width: Int) -> String { topLeft + String(repeating: horizontal, count: width) + topRight }
    func bottom(_ width: Int) -> String { bottomLeft + String(repeating: horizontal, count: width) + bottomRight }
}
