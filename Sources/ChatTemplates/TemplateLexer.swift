/// One token of a template: literal text between tags, a tag's delimiters, or a piece of an
/// expression inside a tag.
struct TemplateToken: Equatable {
    enum Kind: Equatable {
        case text(String)
        case outputOpen, outputClose
        case blockOpen, blockClose
        case name(String)
        case string(String)
        case integer(Int)
        case float(Double)
        case symbol(String)
        case end
    }
    let kind: Kind
    /// Index of the token's first Unicode scalar in the template.
    let offset: Int
}

/// Splits a template into tokens, applying whitespace control as transformers' Jinja
/// environment does: `-` beside a delimiter strips all whitespace on that side,
/// `trim_blocks` drops the newline right after a block or comment tag, `lstrip_blocks` drops the
/// spaces and tabs before a block or comment tag that starts its line, and `+` disables either.
struct TemplateLexer {
    private let source: TemplateSource
    private var chars: [Unicode.Scalar] { source.scalars }
    private var position = 0
    private var tokens: [TemplateToken] = []
    /// Whether the text about to be read starts a line (the template's start, or after a newline
    /// that a tag consumed), which lets `lstrip_blocks` strip a first line's indentation.
    private var lineStarting = true
    /// Whether the last tag ended with `-`, stripping the whitespace that follows it.
    private var stripNextText = false

    /// Operators and punctuation, longest first so `**` wins over `*`.
    private static let symbols = ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "|", ".", ",", ":",
                                  "(", ")", "[", "]", "{", "}", "<", ">", "="].map { Array($0.unicodeScalars) }

    init(source: TemplateSource) {
        self.source = source
    }

    static func tokenize(_ source: TemplateSource) throws -> [TemplateToken] {
        var lexer = TemplateLexer(source: source)
        try lexer.run()
        return lexer.tokens
    }

    private mutating func run() throws {
        while position < chars.count {
            let tagStart = nextTagStart(from: position)
            var text = Array(chars[position..<(tagStart ?? chars.count)])
            let textOffset = position
            if stripNextText {
                text = Array(text.drop(while: isWhitespace))
                stripNextText = false
            }
            guard let tagStart else {
                emitText(text, at: textOffset)
                return
            }
            let kind = chars[tagStart + 1]
            let sign = tagStart + 2 < chars.count ? chars[tagStart + 2] : " "
            if sign == "-" {
                while let last = text.last, isWhitespace(last) { text.removeLast() }
            } else if sign != "+", kind != "{" {
                let lineStart = (text.lastIndex(of: "\n")).map { $0 + 1 } ?? 0
                if (lineStart > 0 || lineStarting), text[lineStart...].allSatisfy(isWhitespace) {
                    text.removeSubrange(lineStart...)
                }
            }
            emitText(text, at: textOffset)
            position = tagStart + 2 + (sign == "-" || sign == "+" ? 1 : 0)
            switch kind {
            case "#": try skipComment(openedAt: tagStart)
            case "{": try lexTag(openedAt: tagStart, block: false)
            default: try lexTag(openedAt: tagStart, block: true)
            }
        }
    }

    private func nextTagStart(from start: Int) -> Int? {
        var i = start
        while i + 1 < chars.count {
            if chars[i] == "{", chars[i + 1] == "{" || chars[i + 1] == "%" || chars[i + 1] == "#" { return i }
            i += 1
        }
        return nil
    }

    private mutating func emitText(_ text: [Unicode.Scalar], at offset: Int) {
        guard !text.isEmpty else { return }
        tokens.append(TemplateToken(kind: .text(String(String.UnicodeScalarView(text))), offset: offset))
    }

    private func isWhitespace(_ c: Unicode.Scalar) -> Bool { c.properties.isWhitespace }

    private func starts(with text: String, at index: Int) -> Bool {
        var i = index
        for c in text.unicodeScalars {
            guard i < chars.count, chars[i] == c else { return false }
            i += 1
        }
        return true
    }

    /// After a block or comment tag's closing delimiter: `-` strips what follows, otherwise
    /// `trim_blocks` drops one newline unless the delimiter was written with `+`.
    private mutating func closeTag(sign: Unicode.Scalar?, block: Bool) {
        if sign == "-" {
            stripNextText = true
        } else if block, sign != "+", position < chars.count, chars[position] == "\n" {
            position += 1
        }
        lineStarting = position > 0 && chars[position - 1] == "\n"
    }

    private mutating func skipComment(openedAt start: Int) throws {
        var i = position
        while i + 1 < chars.count, !(chars[i] == "#" && chars[i + 1] == "}") { i += 1 }
        guard i + 1 < chars.count else { throw source.error(.syntax, "this comment is never closed with '#}'", at: start) }
        let sign = i > position ? chars[i - 1] : nil
        position = i + 2
        closeTag(sign: sign == "-" || sign == "+" ? sign : nil, block: true)
    }

    /// The expression tokens of a `{{ … }}` or `{% … %}` tag, through its closing delimiter.
    private mutating func lexTag(openedAt start: Int, block: Bool) throws {
        tokens.append(TemplateToken(kind: block ? .blockOpen : .outputOpen, offset: start))
        let closer = block ? "%}" : "}}"
        // Brackets opened inside the tag: `}}` closes a dict there, not the tag.
        var depth = 0
        while true {
            while position < chars.count, isWhitespace(chars[position]) { position += 1 }
            guard position < chars.count else {
                throw source.error(.syntax, "this tag is never closed with '\(closer)'", at: start)
            }
            let c = chars[position]
            for sign in ["-", "+", ""] where depth == 0 && starts(with: sign + closer, at: position) {
                guard sign != "+" || block else { continue }
                tokens.append(TemplateToken(kind: block ? .blockClose : .outputClose, offset: position))
                position += sign.unicodeScalars.count + 2
                if block { closeTag(sign: sign.unicodeScalars.first, block: true) } else {
                    if sign == "-" { stripNextText = true }
                    lineStarting = false
                }
                return
            }
            let offset = position
            if c == "_" || c.properties.isAlphabetic {
                var end = position
                while end < chars.count, chars[end] == "_" || chars[end].properties.isAlphabetic || ("0"..."9").contains(chars[end]) { end += 1 }
                tokens.append(TemplateToken(kind: .name(String(String.UnicodeScalarView(chars[position..<end]))), offset: offset))
                position = end
            } else if ("0"..."9").contains(c) {
                tokens.append(TemplateToken(kind: try number(), offset: offset))
            } else if c == "'" || c == "\"" {
                tokens.append(TemplateToken(kind: .string(try string(quote: c)), offset: offset))
            } else if let symbol = Self.symbols.first(where: { starts(with: String(String.UnicodeScalarView($0)), at: position) }) {
                let text = String(String.UnicodeScalarView(symbol))
                if "([{".contains(text) { depth += 1 }
                if ")]}".contains(text) { depth = max(0, depth - 1) }
                tokens.append(TemplateToken(kind: .symbol(text), offset: offset))
                position += symbol.count
            } else {
                throw source.error(.syntax, "unexpected character '\(c)' in a tag", at: offset)
            }
        }
    }

    private mutating func number() throws -> TemplateToken.Kind {
        let start = position
        func digits() { while position < chars.count, ("0"..."9").contains(chars[position]) { position += 1 } }
        digits()
        var isFloat = false
        if position + 1 < chars.count, chars[position] == ".", ("0"..."9").contains(chars[position + 1]) {
            isFloat = true
            position += 1
            digits()
        }
        if position < chars.count, chars[position] == "e" || chars[position] == "E" {
            let mark = position
            position += 1
            if position < chars.count, chars[position] == "+" || chars[position] == "-" { position += 1 }
            if position < chars.count, ("0"..."9").contains(chars[position]) {
                isFloat = true
                digits()
            } else {
                position = mark
            }
        }
        let text = String(String.UnicodeScalarView(chars[start..<position]))
        if !isFloat {
            guard let value = Int(text) else { throw source.error(.syntax, "the integer \(text) does not fit in 64 bits", at: start) }
            return .integer(value)
        }
        guard let value = Double(text) else { throw source.error(.syntax, "the number '\(text)' is out of range", at: start) }
        return .float(value)
    }

    /// A quoted string with Python's escapes (`\n`, `\t`, `\\`, `\'`, `\xhh`, `\uhhhh`, …);
    /// an unknown escape keeps its backslash, as Python does.
    private mutating func string(quote: Unicode.Scalar) throws -> String {
        let start = position
        position += 1
        var result = String.UnicodeScalarView()
        while position < chars.count, chars[position] != quote {
            let c = chars[position]
            position += 1
            guard c == "\\", position < chars.count else {
                result.append(c)
                continue
            }
            let e = chars[position]
            position += 1
            switch e {
            case "n": result.append("\n")
            case "t": result.append("\t")
            case "r": result.append("\r")
            case "0": result.append("\0")
            case "a": result.append("\u{07}")
            case "b": result.append("\u{08}")
            case "f": result.append("\u{0C}")
            case "v": result.append("\u{0B}")
            case "\\", "'", "\"": result.append(e)
            case "\n": break
            case "x", "u", "U":
                let width = e == "x" ? 2 : e == "u" ? 4 : 8
                let hex = position + width <= chars.count ? String(String.UnicodeScalarView(chars[position..<position + width])) : ""
                guard let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) else {
                    throw source.error(.syntax, "the escape '\\\(e)' needs \(width) hexadecimal digits", at: position - 2)
                }
                result.append(scalar)
                position += width
            default:
                result.append("\\")
                result.append(e)
            }
        }
        guard position < chars.count else { throw source.error(.syntax, "this string is never closed", at: start) }
        position += 1
        return String(result)
    }
}
