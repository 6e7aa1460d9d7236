/// Turns source text into tokens. Comments run from `#` to the end of the line.
struct Lexer {
    private let source: Source
    private var position = 0
    /// How deeply f-strings nest inside one another's fields, bounded as the parser bounds nesting.
    private var formatNesting = 0

    init(source: Source) { self.source = source }

    private static let unterminatedString = "unterminated string"

    /// Symbols, longest first so `..=` wins over `..` and `.`.
    private static let symbols = ["..=", "|>", "=>", "==", "!=", "<=", ">=", "..", "+", "-", "*", "/", "%", "^", "@",
                                  "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ":", ".", ";"]

    mutating func tokens() throws -> [Token] {
        var tokens: [Token] = []
        while true {
            let token = try next()
            tokens.append(token)
            if token.isEnd { return tokens }
        }
    }

    private var scalars: [Unicode.Scalar] { source.scalars }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let index = position + offset
        return index < scalars.count ? scalars[index] : nil
    }

    private mutating func next() throws -> Token {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\r" {
                position += 1
            } else if c == "#" {
                while let d = peek(), d != "\n" { position += 1 }
            } else if c == "\\" && peek(1) == "\n" {
                position += 2  // explicit line continuation
            } else {
                break
            }
        }
        let start = position
        guard let c = peek() else { return Token(kind: .end, span: Span(start, start)) }
        if c == "\n" {
            position += 1
            return Token(kind: .newline, span: Span(start, position))
        }
        if Self.isDigit(c) {
            return try number(start)
        }
        if c == "\"" { return try string(start) }
        if Self.isIdentifierStart(c) {
            while let d = peek(), Self.isIdentifierContinue(d) { position += 1 }
            let word = text(start, position)
            if word == "f", peek() == "\"" { return try formatString(start) }
            if let keyword = Keyword(rawValue: word) {
                return Token(kind: .keyword(keyword), span: Span(start, position))
            }
            return Token(kind: .identifier(word), span: Span(start, position))
        }
        for symbol in Self.symbols where matches(symbol) {
            position += symbol.unicodeScalars.count
            return Token(kind: .symbol(symbol), span: Span(start, position))
        }
        position += 1
        throw LangError(.syntax, "unexpected character '\(String(c))'", Span(start, position), source)
    }

    private func matches(_ symbol: String) -> Bool {
        for (i, scalar) in symbol.unicodeScalars.enumerated() where peek(i) != scalar { return false }
        return true
    }

    private func text(_ start: Int, _ end: Int) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[start..<end])
        return String(view)
    }

    private static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { ("0"..."9").contains($0) } ?? false }

    static func isIdentifierStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c.properties.isAlphabetic
    }

    static func isIdentifierContinue(_ c: Unicode.Scalar) -> Bool {
        isIdentifierStart(c) || ("0"..."9").contains(c) || c.properties.generalCategory == .decimalNumber
    }

    private mutating func number(_ start: Int) throws -> Token {
        while Self.isDigit(peek()) || peek() == "_" { position += 1 }
        // A '.' followed by a digit is a fraction; '..' is a range and '.name' a field.
        if peek() == ".", Self.isDigit(peek(1)) {
            position += 1
            while Self.isDigit(peek()) || peek() == "_" { position += 1 }
        } else if peek() == ".", peek(1) != ".", !(peek(1).map(Self.isIdentifierStart) ?? false) {
            position += 1  // "1." is a number, as in NumPy's output
        }
        if peek() == "e" || peek() == "E" {
            let save = position
            position += 1
            if peek() == "+" || peek() == "-" { position += 1 }
            if Self.isDigit(peek()) {
                while Self.isDigit(peek()) { position += 1 }
            } else {
                position = save
            }
        }
        let literal = String(text(start, position).filter { $0 != "_" })
        guard let value = Double(literal.hasSuffix(".") ? literal + "0" : literal) else {
            throw LangError(.syntax, "malformed number '\(literal)'", Span(start, position), source)
        }
        return Token(kind: .number(value), span: Span(start, position))
    }

    private mutating func string(_ start: Int) throws -> Token {
        position += 1
        var value = String.UnicodeScalarView()
        while true {
            guard let c = peek(), c != "\n" else {
                throw LangError(.syntax, Self.unterminatedString, Span(start, position), source)
            }
            if c == "\"" {
                position += 1
                break
            }
            value.append(try character(stringStart: start))
        }
        return Token(kind: .string(String(value)), span: Span(start, position))
    }

    /// One character of a string's text, an escape read as the character it stands for.
    private mutating func character(stringStart start: Int) throws -> Unicode.Scalar {
        let c = scalars[position]
        position += 1
        guard c == "\\" else { return c }
        guard let escaped = peek() else {
            throw LangError(.syntax, Self.unterminatedString, Span(start, position), source)
        }
        position += 1
        switch escaped {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        default:
            throw LangError(.syntax, "unknown escape '\\\(String(escaped))' (use \\n \\t \\r \\\" \\\\)",
                            Span(position - 2, position), source)
        }
    }

    // MARK: - f-strings

    /// `f"…"`: text with `{expression}` and `{expression:spec}` fields; `{{` and `}}` are braces.
    private mutating func formatString(_ start: Int) throws -> Token {
        formatNesting += 1
        defer { formatNesting -= 1 }
        guard formatNesting <= Parser.maximumNesting else {
            throw LangError(.syntax, "f-strings are nested more than \(Parser.maximumNesting) deep", Span(start, position), source)
        }
        position += 1
        let segments = try formatSegments(stringStart: start, field: nil)
        return Token(kind: .formatString(segments), span: Span(start, position))
    }

    /// The segments up to the closing quote (then just past it) or, in the spec of the field that
    /// opened at `field`, up to the field's '}' (then at it).
    private mutating func formatSegments(stringStart: Int, field: Int?) throws -> [FormatSegment] {
        var segments: [FormatSegment] = []
        var text = String.UnicodeScalarView()
        func flush() {
            if !text.isEmpty { segments.append(.text(String(text))) }
            text = String.UnicodeScalarView()
        }
        while true {
            guard let c = peek(), c != "\n" else {
                if let field { throw unclosedField(field) }
                throw LangError(.syntax, Self.unterminatedString, Span(stringStart, position), source)
            }
            switch c {
            case "\"":
                if let field { throw unclosedField(field) }
                position += 1
                flush()
                return segments
            case "}" where field != nil:
                flush()
                return segments
            case "{" where field == nil && peek(1) == "{", "}" where field == nil && peek(1) == "}":
                text.append(c)
                position += 2
            case "{":
                flush()
                segments.append(try formatField(stringStart: stringStart, takesSpec: field == nil))
            case "}":
                throw LangError(.syntax, "single '}' in an f-string; write '}}' for a brace", Span(position, position + 1), source)
            default:
                text.append(try character(stringStart: stringStart))
            }
        }
    }

    /// A field from its '{' to its '}': the expression's tokens, then the spec after a ':' that no
    /// bracket encloses.
    private mutating func formatField(stringStart: Int, takesSpec: Bool) throws -> FormatSegment {
        let open = position
        position += 1
        var tokens: [Token] = []
        var brackets: [String] = []
        while true {
            let startsString = peek() == "\""
            let token: Token
            do {
                token = try next()
            } catch let error as LangError where startsString && error.message == Self.unterminatedString {
                // The quote that closes the f-string, read as the start of a string inside the field.
                throw unclosedField(open)
            }
            tokens.append(token)
            switch token.kind {
            case .newline, .end:
                throw unclosedField(open)
            case .symbol("("): brackets.append(")")
            case .symbol("["): brackets.append("]")
            case .symbol("{"): brackets.append("}")
            case .symbol(let closer) where closer == brackets.last:
                brackets.removeLast()
            case .symbol(let end) where end == "}" || (end == ":" && brackets.isEmpty):
                guard tokens.count > 1 else {
                    throw LangError(.syntax, "empty f-string field; put an expression between the braces (or write '{{' for a brace)",
                                    Span(open, position), source)
                }
                var spec: [FormatSegment] = []
                let specStart = position
                if token.isSymbol(":") {
                    guard takesSpec else {
                        // As in Python: `{x:>{width}}` nests one level, no more.
                        throw LangError(.syntax, "a field inside a format spec takes no spec of its own", token.span, source)
                    }
                    spec = try formatSegments(stringStart: stringStart, field: open)
                    position += 1
                }
                return .field(tokens: tokens, spec: spec, specSpan: Span(specStart, Swift.max(specStart, position - 1)),
                              span: Span(open, position))
            default:
                break
            }
        }
    }

    private func unclosedField(_ open: Int) -> LangError {
        LangError(.syntax, "unclosed '{' in an f-string; close the field with '}' (or write '{{' for a brace)", Span(open, open + 1), source)
    }
}
