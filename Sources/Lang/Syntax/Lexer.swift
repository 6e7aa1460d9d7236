/// Turns source text into tokens. Comments run from `#` to the end of the line.
struct Lexer {
    private let source: Source
    private var position = 0

    init(source: Source) { self.source = source }

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
                throw LangError(.syntax, "unterminated string", Span(start, position), source)
            }
            position += 1
            if c == "\"" { break }
            if c == "\\" {
                guard let escaped = peek() else {
                    throw LangError(.syntax, "unterminated string", Span(start, position), source)
                }
                position += 1
                switch escaped {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "r": value.append("\r")
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                default:
                    throw LangError(.syntax, "unknown escape '\\\(String(escaped))' (use \\n \\t \\r \\\" \\\\)",
                                    Span(position - 2, position), source)
                }
            } else {
                value.append(c)
            }
        }
        return Token(kind: .string(String(value)), span: Span(start, position))
    }
}
