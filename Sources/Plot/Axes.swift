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

/// An axis's range in scaled units, chosen from the finite data and widened to "nice" values.
struct AxisRange {
    let low: Double
    let high: Double
    /// Tick positions (scaled units) at 1-2-5 steps inside the range.
    let ticks: [Double]

    var span: Double { high - low }

    /// - Parameters:
    ///   - values: data in scaled units (non-finite values are ignored).
    ///   - fixed: user limits in data units, which are kept exactly.
    init(values: [Double], fixed: (Double, Double)?, scale: Scale, extra: [Double] = []) {
        if let fixed, scale.accepts(fixed.0), scale.accepts(fixed.1), fixed.0 != fixed.1 {
            (low, high) = (scale.forward(Swift.min(fixed.0, fixed.1)), scale.forward(Swift.max(fixed.0, fixed.1)))
            ticks = AxisRange.niceTicks(low, high)
            return
        }
        let finite = (values + extra).filter { $0.isFinite }
        guard var lower = finite.min(), var upper = finite.max() else {
            (low, high) = (0, 1)
            ticks = [0, 1]
            return
        }
        if lower == upper {
            // A constant series: centre it in a unit-wide window.
            let magnitude = Swift.abs(lower)
            let pad = magnitude == 0 ? 1 : Swift.max(Swift.min(1, magnitude), magnitude * 0.1)
            (lower, upper) = (lower - pad, upper + pad)
        }
        // A step of about a sixth of the range keeps the rounding outward small.
        let step = AxisRange.niceStep((upper - lower) / 6)
        let niceLow = (lower / step).rounded(.down) * step
        let niceHigh = (upper / step).rounded(.up) * step
        // Rounding outward can overflow for magnitudes near Double's limit; keep the raw range then.
        (low, high) = niceLow.isFinite && niceHigh.isFinite ? (niceLow, niceHigh) : (lower, upper)
        ticks = AxisRange.niceTicks(low, high)
    }

    /// The 1-2-5 number nearest above `rough`: …, 0.1, 0.2, 0.5, 1, 2, 5, 10, ….
    static func niceStep(_ rough: Double) -> Double {
        guard rough.isFinite, rough > 0 else { return 1 }
        let magnitude = Foundation.pow(10, Foundation.floor(Foundation.log10(rough)))
        let fraction = rough / magnitude
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * magnitude
    }

    static func niceTicks(_ low: Double, _ high: Double) -> [Double] {
        let step = niceStep((high - low) / 4)
        guard step.isFinite, step > 0, (high - low) / step < 50 else { return [low, high] }
        var ticks: [Double] = []
        var tick = (low / step).rounded(.up) * step
        while tick <= high + step * 1e-9 {
            ticks.append(Swift.abs(tick) < step * 1e-9 ? 0 : tick)
            tick += step
        }
        return ticks
    }

    /// Position of `value` (scaled units) in [0, 1] along the axis.
    func fraction(_ value: Double) -> Double { span == 0 ? 0.5 : (value - low) / span }
}

/// A tick or limit label: short, with no trailing zeros; scientific for very large or small values.
func tickLabel(_ value: Double, scale: Scale = .linear) -> String {
    if scale == .log10 {
        let exponent = value.rounded()
        if Swift.abs(value - exponent) < 1e-9 { return "10" + superscript(Int(exponent)) }
        return tickLabel(Foundation.pow(10, value))
    }
    if value == 0 { return "0" }
    let magnitude = Swift.abs(value)
    if magnitude >= 1e5 || magnitude < 1e-3 {
        var text = String(format: "%.2e", value)
        // 1.50e+06 → 1.5e6
        if let e = text.firstIndex(of: "e") {
            var mantissa = String(text[..<e])
            while mantissa.hasSuffix("0") { mantissa.removeLast() }
            if mantissa.hasSuffix(".") { mantissa.removeLast() }
            let exponent = Int(text[text.index(after: e)...]) ?? 0
            text = mantissa + "e" + String(exponent)
        }
        return text
    }
    var text = String(format: "%.4g", value)
    if text.contains("."), !text.contains("e") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text
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
