import Foundation

/// How data values map onto an axis.
public enum Scale: String, Sendable, CaseIterable {
    case linear
    /// Base-10 logarithm; values ≤ 0 are left out.
    case log10

    func forward(_ x: Double) -> Double { self == .linear ? x : Foundation.log10(x) }
    func backward(_ x: Double) -> Double { self == .linear ? x : Foundation.pow(10, x) }
    func accepts(_ x: Double) -> Bool { x.isFinite && (self == .linear || x > 0) }
}

/// An axis's range in scaled units, chosen from the finite data: close around it on a linear
/// scale, out to decades or 1-2-5 values on a log scale.
struct AxisRange {
    let low: Double
    let high: Double
    /// Tick positions (scaled units) at 1-2-5 steps inside the range.
    let ticks: [Double]
    let scale: Scale

    /// - Parameters:
    ///   - values: data in scaled units (non-finite values are ignored).
    ///   - fixed: user limits in data units, which are kept exactly.
    init(values: [Double], fixed: (Double, Double)?, scale: Scale, extra: [Double] = []) {
        self.scale = scale
        if let fixed, scale.accepts(fixed.0), scale.accepts(fixed.1), fixed.0 != fixed.1 {
            (low, high) = (scale.forward(Swift.min(fixed.0, fixed.1)), scale.forward(Swift.max(fixed.0, fixed.1)))
            ticks = AxisRange.niceTicks(low, high, scale: scale)
            return
        }
        let finite = (values + extra).filter { $0.isFinite }
        guard let lower = finite.min(), let upper = finite.max() else {
            (low, high) = (0, 1)
            ticks = [0, 1]
            return
        }
        (low, high) = scale == .log10 ? AxisRange.logLimits(lower, upper) : AxisRange.linearLimits(lower, upper)
        ticks = AxisRange.niceTicks(low, high, scale: scale)
    }

    /// Limits that hug the data, as UnicodePlots' do: whole-number ends are kept (steps 1 to 16
    /// run from 1 to 16), and other ends are rounded outward at the digit after the span's
    /// leading one (losses from 0.2012 to 0.6931 get 0.2 to 0.7).
    private static func linearLimits(_ lower: Double, _ upper: Double) -> (Double, Double) {
        var (lower, upper) = (lower, upper)
        if lower == upper {
            // A constant series: centre it in a window about its magnitude (clamped: 1.7e308 ± 10% overflows).
            let magnitude = Swift.abs(lower)
            let pad = magnitude == 0 ? 1 : Swift.max(Swift.min(1, magnitude), magnitude * 0.1)
            (lower, upper) = (Plot.finite(lower - pad), Plot.finite(upper + pad))
        }
        if lower == lower.rounded(), upper == upper.rounded() { return (lower, upper) }
        // finiteSpan: 1e308 − (−1e308) would be inf.
        let digit = Foundation.floor(Foundation.log10(finiteSpan(lower, upper))) - 1
        return (rounded(lower, atPowerOfTen: digit, .down), rounded(upper, atPowerOfTen: digit, .up))
    }

    /// `value` rounded to a whole number of 10^`exponent`; a value already on one (up to float
    /// error: 0.29 × 100 is 28.999…) is kept, and one that cannot be rounded (overflow near
    /// Double's limit, a denormal span) is returned as it is.
    private static func rounded(_ value: Double, atPowerOfTen exponent: Double, _ rule: FloatingPointRoundingRule) -> Double {
        // Dividing by 10^k rather than multiplying by 10^-k: 7 / 10 is 0.7, 7 × 0.1 is 0.70…01.
        let power = Foundation.pow(10, Swift.abs(exponent))
        let scaled = exponent < 0 ? value * power : value / power
        guard power.isFinite, scaled.isFinite else { return value }
        let nearest = scaled.rounded()
        let whole = Swift.abs(scaled - nearest) <= 1e-9 * Swift.max(1, Swift.abs(scaled)) ? nearest : scaled.rounded(rule)
        let result = exponent < 0 ? whole / power : whole * power
        return result.isFinite ? result : value
    }

    /// Log limits (exponents): whole decades when the data span one or more, otherwise the
    /// neighbouring 1-2-5 values (2 … 5 rather than 10^0.3 … 10^0.7).
    private static func logLimits(_ lower: Double, _ upper: Double) -> (Double, Double) {
        if upper - lower >= 1 { return (lower.rounded(.down), upper.rounded(.up)) }
        let strict = lower == upper  // a constant: step out to the 1-2-5 values either side
        return (logNice(lower, below: true, strict: strict), logNice(upper, below: false, strict: strict))
    }

    /// The exponent of the nearest 1-2-5 value (…, 0.5, 1, 2, 5, 10, …) below or above 10^x.
    private static func logNice(_ x: Double, below: Bool, strict: Bool) -> Double {
        let decade = x.rounded(.down)
        let candidates = (-1...2).flatMap { d in [1.0, 2, 5].map { decade + Double(d) + Foundation.log10($0) } }
        let tolerance = strict ? -1e-9 : 1e-9
        return below ? candidates.last { $0 <= x + tolerance } ?? decade : candidates.first { $0 >= x - tolerance } ?? decade + 1
    }

    /// The 1-2-5 number nearest above `rough`: …, 0.1, 0.2, 0.5, 1, 2, 5, 10, ….
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
        let fraction = rough / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        let step = nice * magnitude
        return step.isFinite && step > 0 ? step : rough
    }

    static func niceTicks(_ low: Double, _ high: Double, scale: Scale = .linear) -> [Double] {
        scale == .log10 ? logTicks(low, high) : linearTicks(low, high)
    }

    private static func linearTicks(_ low: Double, _ high: Double) -> [Double] {
        let step = niceStep(finiteSpan(low, high) / 4)
        guard step.isFinite, step > 0, finiteSpan(low, high) / step < 50 else { return [low, high] }
        var ticks: [Double] = []
        var tick = (low / step).rounded(.up) * step
        // `tick - high`, not `high + step * 1e-9`: near Double's limit that sum rounds up to inf.
        while tick.isFinite, tick - high <= step * 1e-9, ticks.count < 60 {
            ticks.append(Swift.abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }

    /// Log ticks (exponents) at values a reader can name: decades (10⁰, 10¹, … every 1, 2, 5
    /// decades) over wide ranges, 1-2-5 values (1, 2, 5, 10, 20, …) over a few decades, and
    /// plain 1-2-5 steps of the values within a decade; never 10^0.5 = 3.162.
    private static func logTicks(_ low: Double, _ high: Double) -> [Double] {
        let decades = high - low
        guard decades.isFinite, decades > 0 else { return [low, high] }
        if decades >= 3 {
            let step = Swift.max(1, niceStep(decades / 5).rounded())
            // Exponents of finite values lie within ±324, so this stride is short.
            return Array(stride(from: (low / step).rounded(.up) * step, through: high + 1e-9, by: step))
        }
        var ticks: [Double] = []
        for decade in stride(from: low.rounded(.down), through: high.rounded(.up), by: 1) {
            for mantissa in [1.0, 2, 5] {
                let tick = decade + Foundation.log10(mantissa)
                if tick >= low - 1e-9, tick <= high + 1e-9 { ticks.append(tick) }
            }
        }
        if ticks.count >= 3 { return ticks }
        let linear = linearTicks(Foundation.pow(10, low), Foundation.pow(10, high)).filter { $0 > 0 }.map(Foundation.log10)
        return linear.count >= 2 ? linear : ticks
    }

    /// Position of `value` (scaled units) in [0, 1] along the axis; never NaN for finite input,
    /// even when the range is wider than Double's largest value.
    func fraction(_ value: Double) -> Double { Plot.fraction(of: value, from: low, to: high) }

    /// A tick label: decades as 10ⁿ, and on a log axis without decade ticks the plain values (2, 5, 20).
    func label(_ value: Double, ascii: Bool = false) -> String {
        let decadesOnly = scale == .log10 && ticks.allSatisfy { Swift.abs($0 - $0.rounded()) < 1e-9 }
        if scale == .log10, !decadesOnly { return tickLabel(Foundation.pow(10, value)) }
        return tickLabel(value, scale: scale, ascii: ascii)
    }
}

/// A tick or limit label: short, with no trailing zeros; scientific for very large or small values.
/// With `ascii`, powers of ten are written 10^2 rather than 10².
func tickLabel(_ value: Double, scale: Scale = .linear, ascii: Bool = false) -> String {
    if scale == .log10 {
        let exponent = value.rounded()
        if Swift.abs(value - exponent) < 1e-9 {
            // Exponents of finite positive values lie within ±324, so the conversion is safe.
            let n = clampedInt(exponent, in: -400...400)
            return ascii ? "10^\(n)" : "10" + superscript(n)
        }
        return tickLabel(Foundation.pow(10, value))
    }
    if value == 0 { return "0" }
    let magnitude = Swift.abs(value)
    if magnitude >= 1e5 || magnitude < 1e-3 { return scientific(value, decimals: 2) }
    var text = String(format: "%.4g", value)
    if text.contains("."), !text.contains("e") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text
}

/// A histogram's bin edge, rounded to the place of the second significant digit of `step`
/// (the bin width): short labels such as `[-2.93, -2.35)` that still tell neighbouring edges apart.
func edgeLabel(_ value: Double, step: Double) -> String {
    guard step.isFinite, step > 0, value.isFinite else { return tickLabel(value) }
    // The power of ten of the last digit shown.
    let place = Foundation.floor(Foundation.log10(step)) - 1
    let magnitude = Swift.abs(value)
    // Below that digit: rounding, or float error (1e-17 where an edge is meant to be 0).
    if magnitude < Foundation.pow(10, place) / 2 { return "0" }
    if magnitude >= 1e5 || magnitude < 1e-3 {
        return scientific(value, decimals: clampedInt(Foundation.floor(Foundation.log10(magnitude)) - place, in: 0...16))
    }
    var text = String(format: "%.\(clampedInt(-place, in: 0...16))f", value)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
}

/// `value` as a mantissa with at most `decimals` decimals and a plain exponent: 1.5e6, 2e-30.
private func scientific(_ value: Double, decimals: Int) -> String {
    let text = String(format: "%.\(decimals)e", value)
    guard let e = text.firstIndex(of: "e") else { return text }
    var mantissa = String(text[..<e])
    if mantissa.contains(".") {
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        if mantissa.hasSuffix(".") { mantissa.removeLast() }
    }
    return mantissa + "e" + String(Int(text[text.index(after: e)...]) ?? 0)
}

private func superscript(_ n: Int) -> String {
    let digits: [Character] = ["⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"]
    return (n < 0 ? "⁻" : "") + String(String(Swift.abs(n)).compactMap { $0.wholeNumberValue.map { digits[$0] } })
}

/// The width a terminal shows, counting each Unicode scalar as one column (box drawing,
/// braille and block characters are all single-width).
func displayWidth(_ text: String) -> Int {
    var width = 0
    var inEscape = false
    for scalar in text.unicodeScalars {
        if inEscape {
            if scalar == "m" { inEscape = false }
        } else if scalar == "\u{1B}" {
            inEscape = true
        } else {
            width += 1
        }
    }
    return width
}

func padRight(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: Swift.max(0, width - displayWidth(text)))
}

func padLeft(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: Swift.max(0, width - displayWidth(text))) + text
}

func centred(_ text: String, _ width: Int) -> String {
    let space = Swift.max(0, width - displayWidth(text))
    return String(repeating: " ", count: space / 2) + text + String(repeating: " ", count: space - space / 2)
}
