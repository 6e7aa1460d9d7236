/// Arithmetic that user data cannot make trap. Data may hold anything a Double can, so a range
/// `high - low` can overflow to ±inf (1e308 − (−1e308)), and `Int(x)` traps on NaN, ±inf and
/// anything beyond Int's range; every Double → Int conversion and every span goes through here.

/// `value` rounded down and clamped into `range`; NaN gives the lower bound.
func clampedInt(_ value: Double, in range: ClosedRange<Int>) -> Int {
    guard !value.isNaN else { return range.lowerBound }
    let floored = value.rounded(.down)
    if floored <= Double(range.lowerBound) { return range.lowerBound }
    if floored >= Double(range.upperBound) { return range.upperBound }
    return Int(floored)
}

/// `high - low`, finite whenever both are finite: halves never overflow, so a difference
/// beyond Double's range comes back as the largest finite value instead of inf.
func finiteSpan(_ low: Double, _ high: Double) -> Double {
    let span = high - low
    if span.isFinite || !low.isFinite || !high.isFinite { return span }
    return span > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude
}

/// Where `value` lies between `low` (0) and `high` (1), computed by halves when the plain
/// differences overflow; 0.5 when the range is empty. NaN for NaN input.
func fraction(of value: Double, from low: Double, to high: Double) -> Double {
    let span = high - low, offset = value - low
    if span.isFinite, offset.isFinite { return span == 0 ? 0.5 : offset / span }
    let halfSpan = high / 2 - low / 2
    return halfSpan == 0 ? 0.5 : (value / 2 - low / 2) / halfSpan
}

/// `x` clamped into Double's finite range (±inf become the largest finite magnitudes).
func finite(_ x: Double) -> Double {
    Swift.min(.greatestFiniteMagnitude, Swift.max(-.greatestFiniteMagnitude, x))
}

/// The part of the segment (x0, y0)–(x1, y1) inside the rectangle [minX, maxX] × [minY, maxY],
/// or nil when none of it is (or an endpoint is not finite).
///
/// Cohen–Sutherland, with each outside end moved onto an edge along the line through the *other*
/// end: interpolating from the far end (y0 + t·Δy with y0 = 1e300) would cancel catastrophically,
/// while the slope is a ratio and keeps its precision. Slopes use halved differences, which do
/// not overflow for ends ±1.7e308 apart. Ends already inside come back exactly, so consecutive
/// clipped segments still join.
func clipSegment(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double,
                 to box: (minX: Double, minY: Double, maxX: Double, maxY: Double)) -> (Double, Double, Double, Double)? {
    guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return nil }
    func outcode(_ x: Double, _ y: Double) -> UInt8 {
        (x < box.minX ? 1 : x > box.maxX ? 2 : 0) | (y < box.minY ? 4 : y > box.maxY ? 8 : 0)
    }
    var (a, b) = ((x: x0, y: y0), (x: x1, y: y1))
    // Each pass puts one end on an edge; an end crosses at most two edges.
    for _ in 0..<4 {
        let (codeA, codeB) = (outcode(a.x, a.y), outcode(b.x, b.y))
        if codeA | codeB == 0 { return (a.x, a.y, b.x, b.y) }
        if codeA & codeB != 0 { return nil }  // both beyond the same edge
        let moveA = codeA != 0
        let (code, p, q) = moveA ? (codeA, a, b) : (codeB, b, a)
        var moved: (x: Double, y: Double)
        if code & 3 != 0 {
            // q is not beyond this side, so p.x ≠ q.x.
            let edge = code & 1 != 0 ? box.minX : box.maxX
            moved = (edge, q.y + (edge - q.x) * ((p.y / 2 - q.y / 2) / (p.x / 2 - q.x / 2)))
        } else {
            let edge = code & 4 != 0 ? box.minY : box.maxY
            moved = (q.x + (edge - q.y) * ((p.x / 2 - q.x / 2) / (p.y / 2 - q.y / 2)), edge)
        }
        guard moved.x.isFinite, moved.y.isFinite else { return nil }
        if moveA { a = moved } else { b = moved }
    }
    return outcode(a.x, a.y) | outcode(b.x, b.y) == 0 ? (a.x, a.y, b.x, b.y) : nil
}
