/// The kinds of token the lexer produces.
enum TokenKind: Equatable {
    case number(Double)
    case string(String)
    /// `f"…"`: its text and fields, each field's expression still as tokens for the parser.
    case formatString([FormatSegment])
    case identifier(String)
    case keyword(Keyword)
    case symbol(String)
    case newline
    case end
}

enum Keyword: String, CaseIterable {
    case `let`, fn, `if`, `else`, `for`, `in`, `while`, `return`, `break`, `continue`
    case `true`, `false`, `nil`, and, or, not, nan, inf
}

/// A piece of an f-string as the lexer finds it.
enum FormatSegment: Equatable {
    case text(String)
    /// `{expression}` or `{expression:spec}`. `tokens` ends with the '}' or ':' that ends the
    /// expression; `span` runs from '{' to '}'. The spec is segments too, as it may hold fields
    /// of its own (`{x:>{width}}`).
    case field(tokens: [Token], spec: [FormatSegment], specSpan: Span, span: Span)
}

struct Token: Equatable {
    let kind: TokenKind
    let span: Span

    var isEnd: Bool { kind == .end }

    func isSymbol(_ text: String) -> Bool { kind == .symbol(text) }
    func isKeyword(_ keyword: Keyword) -> Bool { kind == .keyword(keyword) }

    /// How the token reads in an error message.
    var describedForError: String {
        switch kind {
        case .number(let value): return "number \(value)"
        case .string: return "string"
        case .formatString: return "f-string"
        case .identifier(let name): return "'\(name)'"
        case .keyword(let keyword): return "'\(keyword.rawValue)'"
        case .symbol(let text): return "'\(text)'"
        case .newline: return "end of line"
        case .end: return "end of input"
        }
    }
}
