/// Recursive-descent parser with precedence climbing for binary operators.
///
/// Newlines end statements, except inside parentheses and brackets and after a binary
/// operator or a comma. Running out of input where more is expected is an `.incomplete`
/// error, which the REPL answers by reading another line.
struct Parser {
    private let source: Source
    private let tokens: [Token]
    private var index = 0
    /// False while parsing the condition of `if`, `while` and `for`, where `{` opens the body
    /// rather than a trailing-closure argument.
    private var allowsTrailingBlock = true
    /// How deeply expressions and blocks nest; bounded so hostile input cannot overflow the stack
    /// of the parser, the compiler or the interpreter, which all recurse over the tree.
    private var nesting = 0
    static let maximumNesting = 200
    /// The longest run of binary operators or postfix operations in one expression (each adds a level to the tree).
    static let maximumChain = 1_000

    init(source: Source) throws {
        self.source = source
        var lexer = Lexer(source: source)
        self.tokens = try lexer.tokens()
    }

    /// A parser for the tokens of an f-string's field, nested as deep as the f-string is.
    private init(source: Source, fieldTokens: [Token], nesting: Int) {
        self.source = source
        self.tokens = fieldTokens + [Token(kind: .end, span: fieldTokens[fieldTokens.count - 1].span)]
        self.nesting = nesting
    }

    static func parse(_ source: Source) throws -> Program {
        var parser = try Parser(source: source)
        return try parser.program()
    }

    // MARK: - Token helpers

    private var current: Token { tokens[index] }
    private var previous: Token { tokens[Swift.max(0, index - 1)] }

    private func peekKind(_ offset: Int) -> TokenKind {
        let i = index + offset
        return i < tokens.count ? tokens[i].kind : .end
    }

    @discardableResult
    private mutating func advance() -> Token {
        let token = tokens[index]
        if !token.isEnd { index += 1 }
        return token
    }

    private mutating func skipNewlines() {
        while current.kind == .newline { index += 1 }
    }

    private mutating func match(_ symbol: String) -> Bool {
        guard current.isSymbol(symbol) else { return false }
        advance()
        return true
    }

    private mutating func matchKeyword(_ keyword: Keyword) -> Bool {
        guard current.isKeyword(keyword) else { return false }
        advance()
        return true
    }

    private func error(_ message: String, at token: Token) -> LangError {
        LangError(token.isEnd ? .incomplete : .syntax, message, token.span, source)
    }

    @discardableResult
    private mutating func expect(_ symbol: String, _ context: String) throws -> Token {
        guard current.isSymbol(symbol) else {
            throw error("expected '\(symbol)' \(context), found \(current.describedForError)", at: current)
        }
        return advance()
    }

    private mutating func identifier(_ context: String) throws -> (String, Span) {
        guard case .identifier(let name) = current.kind else {
            throw error("expected a name \(context), found \(current.describedForError)", at: current)
        }
        let span = advance().span
        return (name, span)
    }

    // MARK: - Statements

    private mutating func program() throws -> Program {
        var statements: [Stmt] = []
        var silenced = false
        skipSeparators()
        while !current.isEnd {
            statements.append(try statement())
            silenced = try endStatement(insideBlock: false)
        }
        return Program(statements: statements, lastIsSilenced: silenced)
    }

    private mutating func skipSeparators() {
        while current.kind == .newline || current.isSymbol(";") { index += 1 }
    }

    /// Consumes what ends a statement; returns whether that included a `;`.
    private mutating func endStatement(insideBlock: Bool) throws -> Bool {
        if current.isEnd || (insideBlock && current.isSymbol("}")) { return false }
        guard current.kind == .newline || current.isSymbol(";") else {
            throw error("expected a new line or ';' after the statement, found \(current.describedForError)", at: current)
        }
        var silenced = false
        while current.kind == .newline || current.isSymbol(";") {
            if current.isSymbol(";") { silenced = true }
            if current.kind == .newline { silenced = false }
            index += 1
        }
        return silenced
    }

    private mutating func block(_ context: String) throws -> Block {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumNesting else { throw error("blocks are nested more than \(Self.maximumNesting) deep", at: current) }
        let open = try expect("{", context)
        var statements: [Stmt] = []
        skipSeparators()
        while !current.isSymbol("}") {
            if current.isEnd { throw error("expected '}' to close the block opened here", at: current) }
            statements.append(try statement())
            _ = try endStatement(insideBlock: true)
        }
        let close = advance()
        return Block(statements: statements, span: open.span.to(close.span))
    }

    private mutating func statement() throws -> Stmt {
        let start = current
        if matchKeyword(.let) {
            let (name, _) = try identifier("after 'let'")
            try expect("=", "after the name in 'let'")
            skipNewlines()
            let value = try expression()
            return .letDecl(name, value, start.span.to(value.span))
        }
        if current.isKeyword(.fn), case .identifier = peekKind(1) {
            advance()
            return .function(try function(start: start, named: true))
        }
        if matchKeyword(.for) {
            let (name, _) = try identifier("after 'for'")
            guard matchKeyword(.in) else { throw error("expected 'in' after 'for \(name)'", at: current) }
            let sequence = try condition()
            let body = try block("to start the loop body")
            return .forLoop(name, sequence, body, start.span.to(body.span))
        }
        if matchKeyword(.while) {
            let test = try condition()
            let body = try block("to start the loop body")
            return .whileLoop(test, body, start.span.to(body.span))
        }
        if matchKeyword(.return) {
            if current.kind == .newline || current.isEnd || current.isSymbol("}") || current.isSymbol(";") {
                return .returnStmt(nil, start.span)
            }
            let value = try expression()
            return .returnStmt(value, start.span.to(value.span))
        }
        if matchKeyword(.break) { return .breakStmt(start.span) }
        if matchKeyword(.continue) { return .continueStmt(start.span) }

        let target = try expression()
        if current.isSymbol("=") {
            switch target {
            case .name, .index, .field: break
            default: throw LangError(.syntax, "cannot assign to this expression", target.span, source)
            }
            advance()
            skipNewlines()
            let value = try expression()
            return .assign(target, value, target.span.to(value.span))
        }
        return .expression(target)
    }

    private mutating func condition() throws -> Expr {
        let saved = allowsTrailingBlock
        allowsTrailingBlock = false
        defer { allowsTrailingBlock = saved }
        return try expression()
    }

    /// `name(params) { body }`, `fn(params) { body }` or `fn(params) => expression`.
    private mutating func function(start: Token, named: Bool) throws -> FunctionDecl {
        var name: String?
        if named { name = try identifier("after 'fn'").0 }
        try expect("(", "to start the parameter list")
        var parameters: [Parameter] = []
        skipNewlines()
        while !current.isSymbol(")") {
            let (parameter, span) = try identifier("for a parameter")
            if parameters.contains(where: { $0.name == parameter }) {
                throw LangError(.syntax, "parameter '\(parameter)' appears twice", span, source)
            }
            var defaultValue: Expr?
            if match("=") {
                defaultValue = try expression()
            } else if parameters.last?.defaultValue != nil {
                throw LangError(.syntax, "parameter '\(parameter)' needs a default: it follows one that has a default", span, source)
            }
            parameters.append(Parameter(name: parameter, defaultValue: defaultValue, span: span))
            skipNewlines()
            if !match(",") { break }
            skipNewlines()
        }
        try expect(")", "to close the parameter list")
        let body: Block
        if match("=>") {
            skipNewlines()
            let value = try expression()
            body = Block(statements: [.expression(value)], span: value.span)
        } else {
            let saved = allowsTrailingBlock
            allowsTrailingBlock = true
            defer { allowsTrailingBlock = saved }
            body = try block("to start the function body (or '=>' and an expression)")
        }
        return FunctionDecl(name: name, parameters: parameters, body: body, span: start.span.to(body.span))
    }

    // MARK: - Expressions

    /// Binary operators by precedence, lowest first.
    private static let levels: [[String]] = [
        ["|>"], ["or"], ["and"], ["not"], ["==", "!=", "<", "<=", ">", ">="], ["..", "..="],
        ["+", "-"], ["*", "/", "%", "@"],
    ]

    mutating func expression() throws -> Expr {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumNesting else {
            throw error("expressions are nested more than \(Self.maximumNesting) deep", at: current)
        }
        return try binary(level: 0)
    }

    private func operatorText(_ token: Token) -> String? {
        switch token.kind {
        case .symbol(let text): return text
        case .keyword(.and): return "and"
        case .keyword(.or): return "or"
        default: return nil
        }
    }

    private mutating func binary(level: Int) throws -> Expr {
        guard level < Self.levels.count else { return try unary() }
        let operators = Self.levels[level]
        if operators == ["not"] {
            if current.isKeyword(.not) {
                nesting += 1
                defer { nesting -= 1 }
                guard nesting <= Self.maximumNesting else { throw error("too many 'not's in a row", at: current) }
                let start = advance()
                let operand = try binary(level: level)
                return .unary("not", operand, start.span.to(operand.span))
            }
            return try binary(level: level + 1)
        }
        var left = try binary(level: level + 1)
        var chain = 0
        while let op = operatorText(current), operators.contains(op) {
            chain += 1
            guard chain <= Self.maximumChain else { throw error("more than \(Self.maximumChain) operators in a row", at: current) }
            advance()
            skipNewlines()
            let right = try binary(level: level + 1)
            let span = left.span.to(right.span)
            switch op {
            case "..", "..=": left = .range(left, right, inclusive: op == "..=", span)
            case "|>": left = try pipe(left, into: right)
            default: left = .binary(op, left, right, span)
            }
            // Comparisons do not chain: `a < b < c` is almost always a mistake.
            if level == 4, let next = operatorText(current), operators.contains(next) {
                throw error("comparisons do not chain; combine them with 'and'", at: current)
            }
        }
        return left
    }

    /// `x |> f(y)` is `f(x, y)`; `x |> f` is `f(x)`.
    private func pipe(_ value: Expr, into target: Expr) throws -> Expr {
        let span = value.span.to(target.span)
        let first = Argument(label: nil, value: value, span: value.span)
        switch target {
        case .call(let callee, let arguments, _): return .call(callee, [first] + arguments, span)
        case .method(let receiver, let name, let arguments, _):
            return .call(.field(receiver, name, receiver.span), [first] + arguments, span)
        default: return .call(target, [first], span)
        }
    }

    private mutating func unary() throws -> Expr {
        if current.isSymbol("-") || current.isSymbol("+") {
            nesting += 1
            defer { nesting -= 1 }
            guard nesting <= Self.maximumNesting else { throw error("too many signs in a row", at: current) }
            let start = advance()
            let operand = try unary()
            return .unary(start.isSymbol("-") ? "-" : "+", operand, start.span.to(operand.span))
        }
        return try power()
    }

    /// `^` binds tighter than unary minus and groups to the right: `-2^2` is -4, `2^3^2` is 512.
    private mutating func power() throws -> Expr {
        let base = try postfix()
        guard current.isSymbol("^") else { return base }
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maximumNesting else { throw error("more than \(Self.maximumNesting) '^' in a row", at: current) }
        advance()
        skipNewlines()
        let exponent = try unary()
        return .binary("^", base, exponent, base.span.to(exponent.span))
    }

    private mutating func postfix() throws -> Expr {
        var expr = try primary()
        var chain = 0
        while true {
            chain += 1
            guard chain <= Self.maximumChain else { throw error("more than \(Self.maximumChain) calls, indexes or fields in a row", at: current) }
            if current.isSymbol("(") {
                let (arguments, end) = try argumentList()
                expr = .call(expr, arguments, expr.span.to(end))
            } else if current.isSymbol("[") {
                expr = try indexing(expr)
            } else if current.isSymbol(".") || (current.kind == .newline && nextLineStartsWithDot()) {
                skipNewlines()
                advance()
                let (name, nameSpan) = try identifier("after '.'")
                if current.isSymbol("(") {
                    let (arguments, end) = try argumentList()
                    expr = .method(expr, name, arguments, expr.span.to(end))
                } else {
                    expr = .field(expr, name, expr.span.to(nameSpan))
                }
            } else if allowsTrailingBlock, current.isSymbol("{"), isCallable(expr) {
                // `no_grad { … }`: a block after a name is a function of no arguments passed last.
                let body = try block("")
                let closure = Expr.function(FunctionDecl(name: nil, parameters: [], body: body, span: body.span))
                let trailing = Argument(label: nil, value: closure, span: body.span)
                switch expr {
                case .call(let callee, let arguments, let span): expr = .call(callee, arguments + [trailing], span.to(body.span))
                default: expr = .call(expr, [trailing], expr.span.to(body.span))
                }
            } else {
                return expr
            }
        }
    }

    private func isCallable(_ expr: Expr) -> Bool {
        switch expr {
        case .name, .call: return true
        default: return false
        }
    }

    private func nextLineStartsWithDot() -> Bool {
        var i = index
        while i < tokens.count, tokens[i].kind == .newline { i += 1 }
        return i < tokens.count && tokens[i].isSymbol(".")
    }

    private mutating func argumentList() throws -> ([Argument], Span) {
        try expect("(", "")
        var arguments: [Argument] = []
        var seenKeyword = false
        skipNewlines()
        while !current.isSymbol(")") {
            let start = current
            var label: String?
            if case .identifier(let name) = current.kind, case .symbol(":") = peekKind(1) {
                label = name
                advance()
                advance()
                skipNewlines()
                seenKeyword = true
            } else if seenKeyword {
                throw error("positional arguments must come before keyword arguments", at: current)
            }
            let value = try expressionAllowingBlocks()
            if let label, arguments.contains(where: { $0.label == label }) {
                throw LangError(.syntax, "keyword argument '\(label)' is given twice", start.span.to(value.span), source)
            }
            arguments.append(Argument(label: label, value: value, span: start.span.to(value.span)))
            skipNewlines()
            if !match(",") { break }
            skipNewlines()
        }
        let close = try expect(")", "to close the argument list")
        return (arguments, close.span)
    }

    /// Inside brackets a `{` is always a trailing block again, whatever the enclosing condition.
    private mutating func expressionAllowingBlocks() throws -> Expr {
        let saved = allowsTrailingBlock
        allowsTrailingBlock = true
        defer { allowsTrailingBlock = saved }
        return try expression()
    }

    private mutating func indexing(_ target: Expr) throws -> Expr {
        try expect("[", "")
        var items: [IndexItem] = []
        skipNewlines()
        while !current.isSymbol("]") {
            let start = current
            var first: Expr?
            if !current.isSymbol(":") { first = try expressionAllowingBlocks() }
            if match(":") {
                var end: Expr?, step: Expr?
                if !current.isSymbol(":") && !current.isSymbol(",") && !current.isSymbol("]") { end = try expressionAllowingBlocks() }
                if match(":"), !current.isSymbol(",") && !current.isSymbol("]") { step = try expressionAllowingBlocks() }
                items.append(.slice(start: first, end: end, step: step, start.span.to(previous.span)))
            } else if let first {
                items.append(.single(first))
            }
            skipNewlines()
            if !match(",") { break }
            skipNewlines()
        }
        let close = try expect("]", "to close the index")
        if items.isEmpty { throw LangError(.syntax, "an index needs at least one position", target.span.to(close.span), source) }
        return .index(target, items, target.span.to(close.span))
    }

    private mutating func primary() throws -> Expr {
        let token = current
        switch token.kind {
        case .number(let value):
            advance()
            return .number(value, token.span)
        case .string(let value):
            advance()
            return .string(value, token.span)
        case .formatString(let segments):
            advance()
            return .formatString(try formatParts(segments), token.span)
        case .identifier(let name):
            advance()
            return .name(name, token.span)
        case .keyword(.true), .keyword(.false):
            advance()
            return .bool(token.isKeyword(.true), token.span)
        case .keyword(.nil):
            advance()
            return .nilLiteral(token.span)
        case .keyword(.nan):
            advance()
            return .number(.nan, token.span)
        case .keyword(.inf):
            advance()
            return .number(.infinity, token.span)
        case .keyword(.fn):
            advance()
            return .function(try function(start: token, named: false))
        case .keyword(.if):
            return try ifExpression()
        case .symbol("("):
            advance()
            skipNewlines()
            let inner = try expressionAllowingBlocks()
            skipNewlines()
            try expect(")", "to close the parenthesis")
            return inner
        case .symbol("["):
            advance()
            var items: [Expr] = []
            skipNewlines()
            while !current.isSymbol("]") {
                items.append(try expressionAllowingBlocks())
                skipNewlines()
                if !match(",") { break }
                skipNewlines()
            }
            let close = try expect("]", "to close the list")
            return .list(items, token.span.to(close.span))
        case .symbol("{"):
            return try record()
        default:
            throw error("expected an expression, found \(token.describedForError)", at: token)
        }
    }

    /// Parses each field's expression; a spec without fields is read here, so a bad one is a
    /// syntax error at its place.
    private func formatParts(_ segments: [FormatSegment]) throws -> [FormatPart] {
        try segments.map { segment in
            switch segment {
            case .text(let text):
                return .text(text)
            case .field(let tokens, let spec, let specSpan, let span):
                var parser = Parser(source: source, fieldTokens: tokens, nesting: nesting + 1)
                let value = try parser.expression()
                guard parser.index == tokens.count - 1 else {
                    throw LangError(.syntax, "expected '}' to close the f-string field, found \(parser.current.describedForError)",
                                    parser.current.span, source)
                }
                let parts = try formatParts(spec)
                let texts = parts.compactMap(\.text)
                guard texts.count == parts.count else { return .field(value, spec: .computed(parts, specSpan), span: span) }
                let text = texts.joined()
                do {
                    return .field(value, spec: .fixed(try FormatSpec(parsing: text)), span: span)
                } catch let error as FormatSpec.ParseError {
                    throw LangError(.syntax, error.message, specSpan, source)
                }
            }
        }
    }

    private mutating func ifExpression() throws -> Expr {
        let start = advance()
        let test = try condition()
        let then = try block("after the 'if' condition")
        var otherwise: Block?
        // `else` may start the next line.
        let save = index
        skipNewlines()
        if matchKeyword(.else) {
            if current.isKeyword(.if) {
                let nested = try ifExpression()
                otherwise = Block(statements: [.expression(nested)], span: nested.span)
            } else {
                otherwise = try block("after 'else'")
            }
        } else {
            index = save
        }
        return .ifElse(test, then, otherwise, start.span.to(otherwise?.span ?? then.span))
    }

    /// `{name: value, "any key": value}`.
    private mutating func record() throws -> Expr {
        let open = advance()
        var fields: [(key: String, value: Expr)] = []
        skipNewlines()
        while !current.isSymbol("}") {
            let key: String
            switch current.kind {
            case .identifier(let name): key = name
            case .string(let text): key = text
            case .keyword(let keyword): key = keyword.rawValue
            default: throw error("expected a field name in the record, found \(current.describedForError)", at: current)
            }
            let keyToken = advance()
            try expect(":", "after the field name '\(key)'")
            skipNewlines()
            let value = try expressionAllowingBlocks()
            if fields.contains(where: { $0.key == key }) {
                throw LangError(.syntax, "field '\(key)' appears twice", keyToken.span, source)
            }
            fields.append((key, value))
            skipNewlines()
            if !match(",") { break }
            skipNewlines()
        }
        let close = try expect("}", "to close the record")
        return .record(fields, open.span.to(close.span))
    }
}
