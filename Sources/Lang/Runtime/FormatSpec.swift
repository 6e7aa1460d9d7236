import Foundation

/// A format spec of an f-string field, Python's mini-language:
/// `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`, as in `f"{loss:>8.3f}"`.
struct FormatSpec {
    /// The spec as written, for the syntax dump.
    var written = ""
    var fill: Character = " "
    /// `<` left, `>` right, `^` centre, `=` padding after the sign; nil for the value's default.
    var align: Character?
    /// `-` (only negatives), `+` (every number) or a space (a space before non-negatives).
    var sign: Character = "-"
    var negativeZeroAsZero = false
    var alternate = false
    var width = 0
    var grouping: Character?
    var precision: Int?
    var type: Character?

    static let numberTypes: Set<Character> = ["d", "f", "F", "e", "E", "g", "G", "%", "x", "X", "o", "b"]
    static let types = numberTypes.union(["s"])
    /// The types that take a whole number.
    private static let wholeTypes: Set<Character> = ["d", "x", "X", "o", "b"]
    /// Digits of width or precision beyond any sensible use, refused before they allocate.
    static let maximumDigits = 1_000

    struct ParseError: Error {
        let message: String
    }

    init(parsing text: String) throws(ParseError) {
        written = text
        var rest = Substring(text)
        func fail(_ why: String) -> ParseError { ParseError(message: "bad format spec '\(text)': \(why)") }
        let aligns: Set<Character> = ["<", ">", "^", "="]
        if rest.count >= 2, aligns.contains(rest[rest.index(after: rest.startIndex)]) {
            fill = rest.removeFirst()
            align = rest.removeFirst()
        } else if let first = rest.first, aligns.contains(first) {
            align = rest.removeFirst()
        }
        if let first = rest.first, "+- ".contains(first) { sign = rest.removeFirst() }
        if rest.first == "z" { negativeZeroAsZero = true; rest.removeFirst() }
        if rest.first == "#" { alternate = true; rest.removeFirst() }
        if rest.first == "0" {
            rest.removeFirst()
            if align == nil { (fill, align) = ("0", "=") }
        }
        func digits() throws(ParseError) -> Int? {
            let run = rest.prefix(while: \.isASCII).prefix(while: \.isNumber)
            guard !run.isEmpty else { return nil }
            rest.removeFirst(run.count)
            guard let value = Int(run), value <= Self.maximumDigits else { throw fail("\(run) is more than \(Self.maximumDigits)") }
            return value
        }
        width = try digits() ?? 0
        if let first = rest.first, ",_".contains(first) { grouping = rest.removeFirst() }
        if rest.first == "." {
            rest.removeFirst()
            guard let digits = try digits() else { throw fail("'.' needs the number of digits after it, as in .3f") }
            precision = digits
        }
        if let first = rest.first {
            guard Self.types.contains(first) else {
                throw fail("unknown type '\(first)' (use d, f, e, g, %, x, o, b or s, after [[fill]align][sign][width][,][.precision])")
            }
            type = rest.removeFirst()
        }
        guard rest.isEmpty else { throw fail("'\(rest)' after the type") }
        if let type, Self.wholeTypes.contains(type), precision != nil { throw fail("'\(type)' takes no precision") }
        if grouping == ",", let type, "xXob".contains(type) { throw fail("',' does not group '\(type)' digits; use '_'") }
    }

    /// The value as this spec writes it: numbers by the type (a one-element tensor counts as its
    /// number), other values as they read inside text (`inlineDisplay`).
    func apply(to value: Value) throws(ParseError) -> String {
        let body: String
        let isNumber: Bool
        if let type, Self.numberTypes.contains(type) {
            guard let x = value.asNumber else { throw ParseError(message: "format type '\(type)' needs a number, got a \(value.typeName)") }
            (body, isNumber) = (try number(x, type: type), true)
        } else if case .number(let x) = value, type == nil {
            // With a precision and no type, as Python's float: general format.
            (body, isNumber) = (try number(x, type: precision == nil ? nil : "g"), true)
        } else {
            guard sign == "-", grouping == nil, align != "=" else {
                throw ParseError(message: "a sign, grouping or '=' alignment needs a number, got a \(value.typeName)")
            }
            let text = inlineDisplay(value)
            (body, isNumber) = (precision.map { String(text.prefix($0)) } ?? text, false)
        }
        return padded(body, isNumber: isNumber)
    }

    private func number(_ x: Double, type: Character?) throws(ParseError) -> String {
        let negative = x < 0 || (x == 0 && x.sign == .minus && !negativeZeroAsZero)
        let magnitude = Swift.abs(x)
        let signText = negative ? "-" : (sign == "-" ? "" : String(sign))
        guard magnitude.isFinite else {
            let text = magnitude.isNaN ? "nan" : "inf"
            return signText + (type.map { $0.isUppercase } == true ? text.uppercased() : text) + (type == "%" ? "%" : "")
        }
        var digits: String
        switch type {
        case nil:
            digits = format(magnitude)
        case "d", "x", "X", "o", "b":
            guard magnitude == magnitude.rounded() else { throw ParseError(message: "format type '\(type!)' needs a whole number, got \(format(x)) (.0f rounds)") }
            if type == "d" {
                digits = String(format: "%.0f", magnitude)
            } else {
                guard let whole = UInt64(exactly: magnitude) else { throw ParseError(message: "\(format(x)) is too large for format type '\(type!)'") }
                let radix = type == "o" ? 8 : type == "b" ? 2 : 16
                digits = String(whole, radix: radix, uppercase: type == "X")
                if grouping == "_" { digits = grouped(digits, size: 4, separator: "_") }
                let prefix = alternate ? "0" + (type == "o" ? "o" : type == "b" ? "b" : String(type!)) : ""
                return signText + prefix + digits
            }
        case "%":
            digits = String(format: printfFormat("f"), magnitude * 100) + "%"
        case let type?:
            digits = String(format: printfFormat(type == "F" ? "f" : type), magnitude)
        }
        if let grouping {
            let end = digits.firstIndex(where: { !$0.isNumber }) ?? digits.endIndex
            digits = grouped(String(digits[..<end]), size: 3, separator: grouping) + digits[end...]
        }
        return signText + digits
    }

    /// C's format for a conversion with this spec's precision (6 unless given, as in Python).
    private func printfFormat(_ conversion: Character) -> String {
        "%\(alternate ? "#" : "").\(precision ?? 6)\(conversion)"
    }

    private func grouped(_ digits: String, size: Int, separator: Character) -> String {
        var out = ""
        for (i, digit) in digits.enumerated() {
            if i > 0, (digits.count - i) % size == 0 { out.append(separator) }
            out.append(digit)
        }
        return out
    }

    private func padded(_ body: String, isNumber: Bool) -> String {
        let padding = width - body.count
        guard padding > 0 else { return body }
        let fillText = { (count: Int) in String(repeating: fill, count: count) }
        switch align ?? (isNumber ? ">" : "<") {
        case "<": return body + fillText(padding)
        case "^": return fillText(padding / 2) + body + fillText(padding - padding / 2)
        case "=":
            let signLength = body.prefix(while: { "+- ".contains($0) }).count
            return body.prefix(signLength) + fillText(padding) + body.dropFirst(signLength)
        default: return fillText(padding) + body
        }
    }
}
