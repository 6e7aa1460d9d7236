import Foundation

/// NumPy-style text for tensors: `np.array2string(a, separator=", ")` with NumPy 2's defaults
/// for float32 (at most 8 fractional digits, shortest round-trip digits, scientific notation
/// when the non-zero magnitudes span more than 10³ or reach 10⁶, summarised above 1000 elements
/// with 3 edge items, lines of 75 characters), followed by a footer with the shape.
extension Tensor: CustomStringConvertible {
    public var description: String { formatted() }

    /// Above this many elements a print shows only the edges (NumPy's default); the language's
    /// lists follow it too.
    public static let printThreshold = 1000
    /// How many leading and trailing entries of each axis a summarised print keeps.
    public static let printEdgeItems = 3

    /// The tensor as NumPy would print it, then a footer line with the shape.
    /// - Parameters:
    ///   - precision: most fractional digits per number.
    ///   - threshold: element count above which only `edgeItems` per axis edge are shown.
    ///   - edgeItems: how many leading and trailing entries of each axis a summary keeps.
    ///   - lineWidth: where rows wrap.
    /// Out-of-range options are clamped as `formattedValues` describes.
    public func formatted(precision: Int = 8, threshold: Int = printThreshold, edgeItems: Int = printEdgeItems, lineWidth: Int = 75) -> String {
        let footer = "[Float32 tensor of shape \(shape)\(requiresGrad ? ", requires grad" : "")]"
        return formattedValues(precision: precision, threshold: threshold, edgeItems: edgeItems, lineWidth: lineWidth) + "\n" + footer
    }

    /// The values without the footer, e.g. `[[1., 2.],\n [3., 4.]]`.
    ///
    /// Options out of range are clamped instead of trapping, because printing must never crash:
    /// a negative `precision` or `edgeItems` acts as 0 (NumPy would raise), and a `lineWidth`
    /// below 1 puts every element on its own line.
    public func formattedValues(precision: Int = 8, threshold: Int = printThreshold, edgeItems: Int = printEdgeItems, lineWidth: Int = 75) -> String {
        guard count > 0 else { return "[]" }
        let precision = Swift.max(0, precision)
        let edgeItems = Swift.min(Swift.max(0, edgeItems), count)
        let lineWidth = Swift.max(0, lineWidth)
        let summarise = count > threshold
        // Elements are read through this view's own strides, so summarising a huge or broadcast
        // tensor touches only the edges instead of copying every element first.
        let source = base
        let shown = summarise && rank > 0 ? edgeValues(edgeItems: edgeItems) : scalars
        let format = NumberFormat(shown, precision: precision)
        guard rank > 0 else { return format.string(source.pointee) }
        let separator = ", "

        func render(axis: Int, offset: Int, indent: String, width: Int) -> String {
            let extent = shape[axis]
            let elided = summarise && 2 * edgeItems < extent
            if extent == 1 && !elided && axis < rank - 1 {
                // A run of unit axes only adds brackets and indentation. Taking it in one step keeps
                // the recursion as deep as the number of longer axes (at most ~40 for any tensor
                // that fits in memory), so a tensor of rank 100 000 cannot overflow the stack.
                var next = axis + 1
                while next < rank - 1 && shape[next] == 1 { next += 1 }
                let run = next - axis
                let inner = render(axis: next, offset: offset, indent: indent + String(repeating: " ", count: run), width: width - run)
                return String(repeating: "[", count: run) + inner + String(repeating: "]", count: run)
            }
            let positions = elided ? Array(0..<edgeItems) + [-1] + Array((extent - edgeItems)..<extent) : Array(0..<extent)
            let step = strides[axis]
            var text = ""
            if axis == rank - 1 {
                let elementWidth = width - Swift.max(separator.trimmingCharacters(in: .whitespaces).count, 1)
                // Lengths in UTF-8 units (all ASCII here) are O(1), unlike Character counts.
                let indentLength = indent.utf8.count
                var line = indent
                for (n, position) in positions.enumerated() {
                    let word = position < 0 ? "..." : format.string(source[offset + position * step])
                    if line.utf8.count + word.utf8.count > elementWidth && line.utf8.count > indentLength {
                        text += line.trimmingTrailingSpaces() + "\n"
                        line = indent
                    }
                    line += word
                    if n < positions.count - 1 { line += separator }
                }
                text += line
            } else {
                let deeper = indent + " "
                let lineSeparator = separator.trimmingCharacters(in: .whitespaces) + String(repeating: "\n", count: rank - 1 - axis)
                for (n, position) in positions.enumerated() {
                    let nested = position < 0 ? "..." : render(axis: axis + 1, offset: offset + position * step,
                                                               indent: deeper, width: width - 1)
                    text += indent + nested
                    if n < positions.count - 1 { text += lineSeparator }
                }
            }
            return "[" + text.dropFirst(indent.count) + "]"
        }
        return render(axis: 0, offset: 0, indent: " ", width: lineWidth)
    }

    /// The values a summarised print shows: the first and last `edgeItems` along every axis.
    private func edgeValues(edgeItems: Int) -> [Float] {
        // With no edge items the first axis is elided entirely and no number is printed.
        guard edgeItems > 0 else { return [] }
        let source = base
        var picked: [Float] = []
        func visit(axis: Int, offset: Int) {
            var axis = axis
            // Unit axes have one element to pick; skipping them keeps the recursion shallow.
            while axis < rank && shape[axis] == 1 { axis += 1 }
            guard axis < rank else {
                picked.append(source[offset])
                return
            }
            let extent = shape[axis]
            let positions = 2 * edgeItems < extent ? Array(0..<edgeItems) + Array((extent - edgeItems)..<extent) : Array(0..<extent)
            for p in positions { visit(axis: axis + 1, offset: offset + p * strides[axis]) }
        }
        visit(axis: 0, offset: 0)
        return picked
    }
}

/// One number format shared by every element of a printed tensor, chosen as NumPy's
/// `FloatingFormat` chooses it, so columns line up.
private struct NumberFormat {
    let scientific: Bool
    var padLeft: Int
    let padRight: Int
    /// Fractional digits of every mantissa in scientific mode.
    let mantissaDigits: Int
    /// Exponent digits in scientific mode (at least 2).
    let exponentDigits: Int
    let precision: Int

    init(_ values: [Float], precision: Int) {
        self.precision = precision
        let finite = values.filter { $0.isFinite }
        let magnitudes = finite.filter { $0 != 0 }.map { Swift.abs($0) }
        var scientific = false
        if let largest = magnitudes.max(), let smallest = magnitudes.min() {
            // NumPy 2.3 switches float32 to scientific at 10^min(8, 6 significant digits).
            scientific = largest >= 1e6 || smallest < 1e-4 || largest / smallest > 1e3
        }
        self.scientific = scientific
        if finite.isEmpty {
            (padLeft, padRight, mantissaDigits, exponentDigits) = (0, 0, 0, 2)
        } else if scientific {
            let parts = finite.map { Decimal10(of: $0).scientific(maximumDigits: precision) }
            let digits = parts.map(\.fraction.count).max() ?? 0
            let exponentDigits = Swift.max(2, parts.map { String(Swift.abs($0.exponent)).count }.max() ?? 2)
            self.mantissaDigits = digits
            self.exponentDigits = exponentDigits
            self.padLeft = parts.map(\.integer.count).max() ?? 1
            self.padRight = exponentDigits + 2 + digits
        } else {
            let parts = finite.map { Decimal10(of: $0).positional(maximumDigits: precision) }
            self.padLeft = parts.map(\.integer.count).max() ?? 1
            self.padRight = parts.map(\.fraction.count).max() ?? 0
            self.mantissaDigits = 0
            self.exponentDigits = 2
        }
        if finite.count < values.count {
            // Widen so "nan" and "-inf" fit in the column, as NumPy does.
            let negativeInfinity = values.contains { $0 == -.infinity } ? 1 : 0
            padLeft = Swift.max(padLeft, 3 - (padRight + 1), 3 + negativeInfinity - (padRight + 1))
        }
    }

    func string(_ value: Float) -> String {
        guard value.isFinite else {
            let word = value.isNaN ? "nan" : value < 0 ? "-inf" : "inf"
            return word.leftPadded(to: padLeft + padRight + 1)
        }
        let decimal = Decimal10(of: value)
        if scientific {
            var part = decimal.scientific(maximumDigits: precision)
            if part.fraction.count < mantissaDigits {
                // NumPy fills the shared width with further exact digits of the value, not zeros.
                part = decimal.scientific(exactDigits: mantissaDigits)
            }
            let fraction = part.fraction
            let exponent = String(Swift.abs(part.exponent)).leftPadded(to: exponentDigits, with: "0")
            return part.integer.leftPadded(to: padLeft) + "." + fraction + "e" + (part.exponent < 0 ? "-" : "+") + exponent
        }
        let part = decimal.positional(maximumDigits: precision)
        return part.integer.leftPadded(to: padLeft) + "." + part.fraction.padding(toLength: padRight, withPad: " ", startingAt: 0)
    }
}

/// A finite Float as its shortest round-trip decimal digits: value = 0.digits × 10^point.
private struct Decimal10 {
    let value: Float
    let negative: Bool
    let digits: [Character]
    let point: Int

    init(of value: Float) {
        self.value = value
        negative = value.sign == .minus
        // Swift's description is the shortest string that reads back as the same Float.
        let text = Swift.abs(value).description
        let pieces = text.split(separator: "e")
        let mantissa = pieces[0]
        let exponent = pieces.count > 1 ? Int(pieces[1]) ?? 0 : 0
        let dot = mantissa.firstIndex(of: ".").map { mantissa.distance(from: mantissa.startIndex, to: $0) } ?? mantissa.count
        var digits = Array(mantissa.filter { $0 != "." })
        var point = dot + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        self.digits = digits
        self.point = digits.isEmpty ? 1 : point
    }

    private var sign: String { negative ? "-" : "" }

    /// Integer and fractional digits, the fraction cut to `maximumDigits` with correct rounding.
    func positional(maximumDigits: Int) -> (integer: String, fraction: String) {
        let fractionCount = Swift.max(0, digits.count - point)
        if fractionCount > maximumDigits {
            let rounded = String(format: "%.\(maximumDigits)f", Swift.abs(Double(value)))
            let halves = rounded.split(separator: ".", omittingEmptySubsequences: false)
            let fraction = String(halves.count > 1 ? halves[1] : "").trimmingTrailing("0")
            return (sign + halves[0], fraction)
        }
        let integer = point <= 0 ? "0" : String(digits.prefix(point)) + String(repeating: "0", count: Swift.max(0, point - digits.count))
        let fraction = point < 0 ? String(repeating: "0", count: -point) + String(digits) : String(digits.dropFirst(Swift.max(0, point)))
        return (sign + integer, fraction)
    }

    /// One leading digit, the fractional digits (at most `maximumDigits`) and the exponent.
    func scientific(maximumDigits: Int) -> (integer: String, fraction: String, exponent: Int) {
        guard let first = digits.first else { return (sign + "0", "", 0) }
        if digits.count - 1 > maximumDigits {
            let part = scientific(exactDigits: maximumDigits)
            return (part.integer, part.fraction.trimmingTrailing("0"), part.exponent)
        }
        return (sign + String(first), String(digits.dropFirst()), point - 1)
    }

    /// The exact binary value rounded to `count` fractional mantissa digits.
    func scientific(exactDigits count: Int) -> (integer: String, fraction: String, exponent: Int) {
        let rounded = String(format: "%.\(count)e", Swift.abs(Double(value)))
        let halves = rounded.split(separator: "e")
        let mantissa = halves[0].split(separator: ".", omittingEmptySubsequences: false)
        let exponent = halves.count > 1 ? Int(halves[1]) ?? 0 : 0
        return (sign + mantissa[0], String(mantissa.count > 1 ? mantissa[1] : ""), exponent)
    }
}

private extension String {
    func leftPadded(to width: Int, with pad: Character = " ") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }

    func trimmingTrailing(_ character: Character) -> String {
        var text = self
        while text.last == character { text.removeLast() }
        return text
    }

    func trimmingTrailingSpaces() -> String { trimmingTrailing(" ") }
}
