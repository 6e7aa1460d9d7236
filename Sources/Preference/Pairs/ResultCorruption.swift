/// A number written in a text, located by Unicode-scalar offsets so that replacing it leaves
/// every other scalar of the text exactly as it was.
struct NumberLiteral: Equatable {
    /// Scalar offsets of the number's own characters (sign, digits, commas, decimal point).
    let range: Range<Int>
    let negative: Bool
    /// Digits before the decimal point, commas removed.
    let integerDigits: String
    let fractionDigits: String
    let groupedWithCommas: Bool

    /// The value written canonically ("047.50" → "47.5"), to compare numbers written differently.
    var canonical: String {
        let whole = String(integerDigits.drop { $0 == "0" })
        var fraction = fractionDigits
        while fraction.hasSuffix("0") { fraction.removeLast() }
        let body = (whole.isEmpty ? "0" : whole) + (fraction.isEmpty ? "" : "." + fraction)
        return negative && body != "0" ? "-" + body : body
    }
}

/// The MetaMath corruption rule of the DPOP paper's datasets, written down (the paper's datasheet
/// gives the outcome — one intermediate number changed, everything else, including later uses of
/// the correct value, unchanged — but not the procedure; this is PrefLab's procedure):
///
/// 1. **Candidates** are numbers written right after an `=` (spaces and a `$` or `\$` allowed in
///    between): the result of a calculation step. `==`, `<=`, `>=`, `!=` are not steps. A number
///    followed by a letter, `/`, `^`, `_` or `(` is part of an expression (`= 2x`, `= 3/4`), not a
///    result, and is skipped.
/// 2. **The final answer is excluded**: numbers after the answer marker (`The answer is:` in
///    MetaMath, `####` in GSM8K) are not candidates, nor is any candidate equal to the final
///    answer's value (the step that computes it). Without a marker, the last `=` result is taken
///    to be the final answer.
/// 3. **One candidate is picked** uniformly with the seeded generator and its value moved by a
///    nonzero offset d, |d| ≤ max(2, 20 % of the value), counted in units of its last written
///    decimal place (15.20 moves in cents): close enough to be a plausible slip, never equal. A
///    non-negative value stays non-negative. Decimal places, sign and thousands commas are kept.
/// 4. Only that number's characters are replaced; every other character is unchanged.
enum ResultCorruption {
    /// Step results of `text` (rule 1), in order, before `answerMarker` (rule 2) and not equal to
    /// the final answer's value.
    static func candidates(in scalars: [Unicode.Scalar], answerMarker: String?) -> [NumberLiteral] {
        var results: [NumberLiteral] = []
        var i = 0
        while i < scalars.count {
            defer { i += 1 }
            guard scalars[i] == "=" else { continue }
            let before = i > 0 ? scalars[i - 1] : " ", after = i + 1 < scalars.count ? scalars[i + 1] : " "
            guard !"<>!=".unicodeScalars.contains(before), after != "=" else { continue }
            var j = i + 1
            skipSpaces(scalars, &j)
            if j < scalars.count, scalars[j] == "\\", j + 1 < scalars.count, scalars[j + 1] == "$" { j += 2 } else if j < scalars.count, scalars[j] == "$" { j += 1 }
            skipSpaces(scalars, &j)
            if let literal = number(in: scalars, at: j), isResult(scalars, after: literal.range.upperBound) { results.append(literal) }
        }
        let final: String?
        if let answerMarker, let markerStart = lastOffset(of: answerMarker, in: scalars) {
            results = results.filter { $0.range.upperBound <= markerStart }
            var j = markerStart + answerMarker.unicodeScalars.count
            skipSpaces(scalars, &j)
            if j < scalars.count, scalars[j] == "$" { j += 1 }
            final = number(in: scalars, at: j)?.canonical
        } else {
            final = results.last?.canonical
        }
        guard let final else { return results }
        return results.filter { $0.canonical != final }
    }

    /// A new text for `literal`: its value moved as rule 3 says, or nil when the number is too
    /// large to move exactly in an `Int`.
    static func perturbed(_ literal: NumberLiteral, random: inout PairRandom) -> String? {
        guard let units = Int(literal.integerDigits + literal.fractionDigits), units < Int.max / 4 else { return nil }
        let value = literal.negative ? -units : units
        let spread = Swift.max(2, units / 5)
        var offset = random.within(1...spread)
        if random.below(2) == 0 { offset = -offset }
        if value >= 0, value + offset < 0 { offset = -offset }
        return format(value + offset, fractionPlaces: literal.fractionDigits.count, commas: literal.groupedWithCommas)
    }

    /// `scalars` with each literal's characters replaced by the matching text; the literals
    /// must not overlap.
    static func replacing(_ scalars: [Unicode.Scalar], _ replacements: [(NumberLiteral, String)]) -> String {
        var out = String.UnicodeScalarView()
        var position = 0
        for (literal, text) in replacements.sorted(by: { $0.0.range.lowerBound < $1.0.range.lowerBound }) where literal.range.lowerBound >= position {
            out.append(contentsOf: scalars[position..<literal.range.lowerBound])
            out.append(contentsOf: text.unicodeScalars)
            position = literal.range.upperBound
        }
        out.append(contentsOf: scalars[Swift.min(position, scalars.count)...])
        return String(out)
    }

    /// Every number written in `text` (not only step results), for checking what changed.
    static func numbers(in text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        var found: [String] = []
        var i = 0
        while i < scalars.count {
            // Numbers are consumed whole, so a digit not preceded by a digit starts one.
            let startsNumber = isDigit(scalars[i]) && (i == 0 || !isDigit(scalars[i - 1]))
            if startsNumber, let literal = number(in: scalars, at: i) {
                found.append(literal.canonical)
                i = literal.range.upperBound
            } else {
                i += 1
            }
        }
        return found
    }

    // MARK: - Scanning

    static func isDigit(_ s: Unicode.Scalar) -> Bool { s.value >= 0x30 && s.value <= 0x39 }

    private static func skipSpaces(_ scalars: [Unicode.Scalar], _ j: inout Int) {
        while j < scalars.count, scalars[j] == " " || scalars[j] == "\t" { j += 1 }
    }

    /// The number starting at `start`: `-`? digits (`,ddd` groups)* (`.` digits)?.
    static func number(in scalars: [Unicode.Scalar], at start: Int) -> NumberLiteral? {
        var j = start
        let negative = j + 1 < scalars.count && scalars[j] == "-" && isDigit(scalars[j + 1])
        if negative { j += 1 }
        guard j < scalars.count, isDigit(scalars[j]) else { return nil }
        var whole = String.UnicodeScalarView(), fraction = String.UnicodeScalarView()
        var commas = false
        while j < scalars.count {
            if isDigit(scalars[j]) {
                whole.append(scalars[j])
                j += 1
            } else if scalars[j] == ",", (1...3).allSatisfy({ j + $0 < scalars.count && isDigit(scalars[j + $0]) }),
                      j + 4 >= scalars.count || !isDigit(scalars[j + 4]) {
                // A thousands separator: a comma followed by exactly three digits ("1,234"), not a list ("1,2").
                commas = true
                j += 1
            } else {
                break
            }
        }
        if j + 1 < scalars.count, scalars[j] == ".", isDigit(scalars[j + 1]) {
            j += 1
            while j < scalars.count, isDigit(scalars[j]) {
                fraction.append(scalars[j])
                j += 1
            }
        }
        return NumberLiteral(range: start..<j, negative: negative, integerDigits: String(whole), fractionDigits: String(fraction),
                             groupedWithCommas: commas)
    }

    /// Whether what follows a number ends it as a result rather than continuing an expression.
    private static func isResult(_ scalars: [Unicode.Scalar], after end: Int) -> Bool {
        guard end < scalars.count else { return true }
        let next = scalars[end]
        if next.properties.isAlphabetic || "/^_(".unicodeScalars.contains(next) { return false }
        return true
    }

    private static func lastOffset(of marker: String, in scalars: [Unicode.Scalar]) -> Int? {
        let pattern = Array(marker.unicodeScalars)
        guard !pattern.isEmpty, pattern.count <= scalars.count else { return nil }
        var start = scalars.count - pattern.count
        while start >= 0 {
            if Array(scalars[start..<(start + pattern.count)]) == pattern { return start }
            start -= 1
        }
        return nil
    }

    private static func format(_ value: Int, fractionPlaces: Int, commas: Bool) -> String {
        var digits = String(value.magnitude)
        if digits.count <= fractionPlaces { digits = String(repeating: "0", count: fractionPlaces + 1 - digits.count) + digits }
        var whole = String(digits.dropLast(fractionPlaces))
        let fraction = String(digits.suffix(fractionPlaces))
        if commas, whole.count > 3 {
            var grouped: [Character] = []
            for (n, c) in whole.reversed().enumerated() {
                if n > 0, n % 3 == 0 { grouped.append(",") }
                grouped.append(c)
            }
            whole = String(grouped.reversed())
        }
        return (value < 0 ? "-" : "") + whole + (fractionPlaces > 0 ? "." + fraction : "")
    }
}
