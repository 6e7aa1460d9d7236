/// Turns tokens into statements and expressions. Statements by recursive descent, one function
/// per tag; expressions by precedence climbing over `infixPrecedence`.
struct TemplateParser {
    private let source: TemplateSource
    private let tokens: [TemplateToken]
    private var index = 0
    /// Loops enclosing the current statement, so `break` outside one is refused when parsing.
    private var loopDepth = 0
    /// Expressions and tags being parsed inside one another; a template nesting deeper than
    /// `maximumNesting` is refused rather than overflowing the stack.
    private var nesting = 0
    private static let maximumNesting = 200

    /// Binding power of each infix operator, loosest first, in Jinja's order: `or`, `and`,
    /// (prefix `not`), comparisons and `in`, `+ -`, `~`, `* / // %`, `**`. Unary minus, then
    /// postfix access, calls, filters and tests bind tighter than all of them.
    private static let infixPrecedence: [String: Int] = [
        "or": 1, "and": 2,
        "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, "in": 4, "not": 4,
        "+": 5, "-": 5, "~": 6, "*": 7, "/": 7, "//": 7, "%": 7, "**": 8,
    ]
    private static let notPrecedence = 3
    private static let comparisonPrecedence = 4

    /// Tags Jinja has and PrefLab does not, named in the error rather than misparsed.
    private static let unsupportedTags: Set<String> = ["include", "extends", "import", "from", "block", "endblock", "call", "endcall",
                                                       "filter", "endfilter", "raw", "endraw", "with", "endwith", "autoescape",
                                                       "endautoescape", "do", "trans", "endtrans"]

    init(source: TemplateSource, tokens: [TemplateToken]) {
        self.source = source
        self.tokens = tokens
    }

    static func parse(_ source: TemplateSource) throws -> [Statement] {
        var parser = TemplateParser(source: source, tokens: try TemplateLexer.tokenize(source))
        let (body, _) = try parser.parseBody(endingAt: [], openedBy: nil)
        return body
    }

    // MARK: Tokens

    private var current: TemplateToken {
        index < tokens.count ? tokens[index] : TemplateToken(kind: .end, offset: source.scalars.count)
    }

    private func peek(_ ahead: Int = 1) -> TemplateToken.Kind {
        index + ahead < tokens.count ? tokens[index + ahead].kind : .end
    }

    private mutating func advance() { index += 1 }

    private func isSymbol(_ symbol: String) -> Bool { current.kind == .symbol(symbol) }
    private func isName(_ name: String) -> Bool { current.kind == .name(name) }

    private func describe(_ kind: TemplateToken.Kind) -> String {
        switch kind {
        case .text: "text"
        case .outputOpen: "'{{'"
        case .outputClose: "'}}'"
        case .blockOpen: "'{%'"
        case .blockClose: "'%}'"
        case .name(let n): "'\(n)'"
        case .string(let s): pythonStringRepr(s)
        case .integer(let i): "\(i)"
        case .float(let d): pythonFloat(d)
        case .symbol(let s): "'\(s)'"
        case .end: "the end of the template"
        }
    }

    private func fail(_ message: String, at offset: Int? = nil) -> TemplateError {
        source.error(.syntax, message, at: offset ?? current.offset)
    }

    private mutating func expect(_ kind: TemplateToken.Kind, _ what: String) throws {
        guard current.kind == kind else { throw fail("expected \(what), found \(describe(current.kind))") }
        advance()
    }

    private mutating func expectSymbol(_ symbol: String) throws { try expect(.symbol(symbol), "'\(symbol)'") }

    private mutating func identifier(_ what: String) throws -> String {
        guard case .name(let name) = current.kind else { throw fail("expected \(what), found \(describe(current.kind))") }
        advance()
        return name
    }

    private mutating func enterNesting() throws {
        guard nesting < Self.maximumNesting else { throw fail("the template nests more than \(Self.maximumNesting) deep") }
        nesting += 1
    }

    // MARK: Statements

    /// Statements up to one of the tags `ends`; returns which ended it, having read `{% name`.
    private mutating func parseBody(endingAt ends: Set<String>, openedBy opener: (tag: String, offset: Int)?) throws -> ([Statement], String?) {
        var body: [Statement] = []
        while true {
            let token = current
            switch token.kind {
            case .text(let text):
                body.append(.text(text))
                advance()
            case .outputOpen:
                advance()
                body.append(.output(try parseExpression()))
                try expect(.outputClose, "'}}'")
            case .blockOpen:
                guard case .name(let tag) = peek() else {
                    advance()
                    throw fail("expected a tag name after '{%', found \(describe(current.kind))")
                }
                if ends.contains(tag) {
                    index += 2
                    return (body, tag)
                }
                advance()
                body.append(try parseTag(tag, openedAt: token.offset))
            case .end:
                if let opener {
                    throw fail("'{% \(opener.tag) %}' is never closed (expected \(ends.sorted().map { "'{% \($0) %}'" }.joined(separator: " or ")))", at: opener.offset)
                }
                return (body, nil)
            default:
                throw fail("unexpected \(describe(token.kind))")
            }
        }
    }

    private mutating func parseTag(_ tag: String, openedAt offset: Int) throws -> Statement {
        try enterNesting()
        defer { nesting -= 1 }
        let nameOffset = current.offset
        advance()
        switch tag {
        case "if": return try parseIf(openedAt: offset)
        case "for": return try parseFor(openedAt: offset)
        case "set": return try parseSet()
        case "macro": return try parseMacro(openedAt: offset)
        case "break", "continue":
            guard loopDepth > 0 else { throw fail("'\(tag)' outside a for loop", at: nameOffset) }
            try expect(.blockClose, "'%}'")
            return .loopControl(breaks: tag == "break", offset: nameOffset)
        case "generation":
            try expect(.blockClose, "'%}'")
            let (body, _) = try parseBody(endingAt: ["endgeneration"], openedBy: (tag, offset))
            try expect(.blockClose, "'%}'")
            return .generation(body)
        case _ where Self.unsupportedTags.contains(tag):
            throw fail("the tag '\(tag)' is not supported in chat templates", at: nameOffset)
        default:
            throw fail("unknown or misplaced tag '\(tag)'", at: nameOffset)
        }
    }

    private mutating func parseIf(openedAt offset: Int) throws -> Statement {
        var branches: [(condition: Expression, body: [Statement])] = []
        var otherwise: [Statement] = []
        var condition = try parseExpression()
        while true {
            try expect(.blockClose, "'%}'")
            let (body, end) = try parseBody(endingAt: ["elif", "else", "endif"], openedBy: ("if", offset))
            branches.append((condition, body))
            if end == "elif" {
                condition = try parseExpression()
                continue
            }
            if end == "else" {
                try expect(.blockClose, "'%}'")
                (otherwise, _) = try parseBody(endingAt: ["endif"], openedBy: ("if", offset))
            }
            try expect(.blockClose, "'%}'")
            return .conditional(branches: branches, otherwise: otherwise)
        }
    }

    private mutating func parseFor(openedAt offset: Int) throws -> Statement {
        var targets = [try identifier("a loop variable")]
        while isSymbol(",") {
            advance()
            targets.append(try identifier("a loop variable"))
        }
        guard isName("in") else { throw fail("expected 'in' in the for loop, found \(describe(current.kind))") }
        advance()
        let iterable = try parseExpression(allowConditional: false)
        var filter: Expression?
        if isName("if") {
            advance()
            filter = try parseExpression()
        }
        if isName("recursive") { throw fail("recursive loops are not supported") }
        try expect(.blockClose, "'%}'")
        loopDepth += 1
        let (body, end) = try parseBody(endingAt: ["else", "endfor"], openedBy: ("for", offset))
        loopDepth -= 1
        var otherwise: [Statement] = []
        if end == "else" {
            try expect(.blockClose, "'%}'")
            (otherwise, _) = try parseBody(endingAt: ["endfor"], openedBy: ("for", offset))
        }
        try expect(.blockClose, "'%}'")
        return .loop(Loop(targets: targets, iterable: iterable, filter: filter, body: body, otherwise: otherwise, offset: offset))
    }

    private mutating func parseSet() throws -> Statement {
        let targetOffset = current.offset
        let name = try identifier("a variable name")
        var target = AssignTarget.name(name)
        if isSymbol(".") {
            advance()
            target = .attribute(object: name, attribute: try identifier("an attribute name"), offset: targetOffset)
        }
        if isSymbol(",") { throw fail("assigning to several names at once is not supported") }
        guard isSymbol("=") else {
            throw fail(current.kind == .blockClose ? "block assignments ('{% set x %}…{% endset %}') are not supported" : "expected '=' in the set tag, found \(describe(current.kind))")
        }
        advance()
        let value = try parseExpression()
        try expect(.blockClose, "'%}'")
        return .assign(target: target, value: value)
    }

    private mutating func parseMacro(openedAt offset: Int) throws -> Statement {
        let name = try identifier("a macro name")
        try expectSymbol("(")
        var parameters: [(name: String, defaultValue: Expression?)] = []
        while !isSymbol(")") {
            let parameter = try identifier("a parameter name")
            var defaultValue: Expression?
            if isSymbol("=") {
                advance()
                defaultValue = try parseExpression()
            }
            parameters.append((parameter, defaultValue))
            if !isSymbol(")") { try expectSymbol(",") }
        }
        advance()
        try expect(.blockClose, "'%}'")
        let enclosingLoops = loopDepth
        loopDepth = 0
        let (body, _) = try parseBody(endingAt: ["endmacro"], openedBy: ("macro", offset))
        loopDepth = enclosingLoops
        if case .name = current.kind { advance() }
        try expect(.blockClose, "'%}'")
        return .macro(Macro(name: name, parameters: parameters, body: body))
    }

    // MARK: Expressions

    /// An expression, with Jinja's `value if condition else otherwise` around it unless the
    /// context (a for loop's iterable, which may be followed by `if`) forbids it.
    private mutating func parseExpression(allowConditional: Bool = true) throws -> Expression {
        try enterNesting()
        defer { nesting -= 1 }
        var value = try parseBinary(minimum: 1)
        while allowConditional, isName("if") {
            let offset = current.offset
            advance()
            let condition = try parseBinary(minimum: 1)
            var otherwise: Expression?
            if isName("else") {
                advance()
                otherwise = try parseExpression()
            }
            value = Expression(node: .conditional(value: value, condition: condition, otherwise: otherwise), offset: offset)
        }
        return value
    }

    /// The infix operator at the current token and its precedence; `not` counts only as `not in`.
    private func infixOperator() -> (text: String, precedence: Int)? {
        let text: String
        switch current.kind {
        case .symbol(let s): text = s
        case .name(let n) where n == "not": guard peek() == .name("in") else { return nil }
                                            text = n
        case .name(let n): text = n
        default: return nil
        }
        return Self.infixPrecedence[text].map { (text, $0) }
    }

    private mutating func parseBinary(minimum: Int) throws -> Expression {
        var left: Expression
        if isName("not") {
            let offset = current.offset
            advance()
            try enterNesting()
            defer { nesting -= 1 }
            left = Expression(node: .not(try parseBinary(minimum: Self.notPrecedence)), offset: offset)
        } else {
            left = try parseUnary()
        }
        while let (text, precedence) = infixOperator(), precedence >= minimum {
            let offset = current.offset
            if precedence == Self.comparisonPrecedence {
                var chain: [(ComparisonOperator, Expression)] = []
                while let (op, p) = infixOperator(), p == Self.comparisonPrecedence {
                    advance()
                    if op == "not" { advance() }
                    let comparison = ComparisonOperator(rawValue: op == "not" ? "not in" : op)!
                    chain.append((comparison, try parseBinary(minimum: Self.comparisonPrecedence + 1)))
                }
                left = Expression(node: .comparison(left, chain), offset: offset)
                continue
            }
            advance()
            let right = try parseBinary(minimum: precedence + 1)
            if let op = ArithmeticOperator(rawValue: text) {
                left = Expression(node: .arithmetic(op, left, right), offset: offset)
            } else {
                left = Expression(node: .logical(isAnd: text == "and", left, right), offset: offset)
            }
        }
        return left
    }

    /// Unary minus or plus, then a primary with its postfix access, calls, filters and tests.
    private mutating func parseUnary() throws -> Expression {
        let offset = current.offset
        var value: Expression
        if isSymbol("-") || isSymbol("+") {
            let negative = isSymbol("-")
            advance()
            let operand = try parseUnaryOperand()
            value = negative ? Expression(node: .negate(operand), offset: offset) : operand
        } else {
            value = try parsePostfix(try parsePrimary())
        }
        return try parseFilters(value)
    }

    private mutating func parseUnaryOperand() throws -> Expression {
        try enterNesting()
        defer { nesting -= 1 }
        if isSymbol("-") || isSymbol("+") {
            let offset = current.offset
            let negative = isSymbol("-")
            advance()
            let operand = try parseUnaryOperand()
            return negative ? Expression(node: .negate(operand), offset: offset) : operand
        }
        return try parsePostfix(try parsePrimary())
    }

    private mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case .name(let name):
            advance()
            switch name {
            case "true", "True": return Expression(node: .literal(.bool(true)), offset: token.offset)
            case "false", "False": return Expression(node: .literal(.bool(false)), offset: token.offset)
            case "none", "None": return Expression(node: .literal(.none), offset: token.offset)
            default: return Expression(node: .name(name), offset: token.offset)
            }
        case .string(var text):
            advance()
            // Adjacent string literals join, as in Python.
            while case .string(let more) = current.kind {
                text += more
                advance()
            }
            return Expression(node: .literal(.string(text)), offset: token.offset)
        case .integer(let i):
            advance()
            return Expression(node: .literal(.int(i)), offset: token.offset)
        case .float(let d):
            advance()
            return Expression(node: .literal(.double(d)), offset: token.offset)
        case .symbol("("):
            advance()
            let inner = try parseExpression()
            if isSymbol(",") { throw fail("tuples are not supported; use a list [a, b]") }
            try expectSymbol(")")
            return inner
        case .symbol("["):
            advance()
            var items: [Expression] = []
            while !isSymbol("]") {
                items.append(try parseExpression())
                if !isSymbol("]") { try expectSymbol(",") }
            }
            advance()
            return Expression(node: .list(items), offset: token.offset)
        case .symbol("{"):
            advance()
            var entries: [(key: Expression, value: Expression)] = []
            while !isSymbol("}") {
                let key = try parseExpression()
                try expectSymbol(":")
                entries.append((key, try parseExpression()))
                if !isSymbol("}") { try expectSymbol(",") }
            }
            advance()
            return Expression(node: .dict(entries), offset: token.offset)
        default:
            throw fail("expected a value, found \(describe(token.kind))")
        }
    }

    /// `.name`, `.0`, `[index]`, `[start:stop:step]` and calls, left to right.
    private mutating func parsePostfix(_ base: Expression) throws -> Expression {
        var value = base
        while true {
            let offset = current.offset
            if isSymbol(".") {
                advance()
                switch current.kind {
                case .name(let name):
                    advance()
                    value = Expression(node: .attribute(value, name), offset: offset)
                case .integer(let i):
                    advance()
                    value = Expression(node: .item(value, Expression(node: .literal(.int(i)), offset: offset)), offset: offset)
                default:
                    throw fail("expected an attribute name after '.', found \(describe(current.kind))")
                }
            } else if isSymbol("[") {
                advance()
                value = try parseSubscript(value, at: offset)
            } else if isSymbol("(") {
                // A call is placed at its callee, where `raise_exception(…)` reads naturally.
                value = Expression(node: .call(value, try parseCallArguments()), offset: value.offset)
            } else {
                return value
            }
        }
    }

    private mutating func parseSubscript(_ base: Expression, at offset: Int) throws -> Expression {
        var start: Expression?
        if !isSymbol(":") { start = try parseExpression() }
        if !isSymbol(":"), let start {
            try expectSymbol("]")
            return Expression(node: .item(base, start), offset: offset)
        }
        try expectSymbol(":")
        var stop: Expression?, step: Expression?
        if !isSymbol(":"), !isSymbol("]") { stop = try parseExpression() }
        if isSymbol(":") {
            advance()
            if !isSymbol("]") { step = try parseExpression() }
        }
        try expectSymbol("]")
        return Expression(node: .slice(base, start: start, stop: stop, step: step), offset: offset)
    }

    private mutating func parseCallArguments() throws -> CallSyntax {
        try expectSymbol("(")
        var call = CallSyntax()
        while !isSymbol(")") {
            if case .name(let name) = current.kind, peek() == .symbol("=") {
                advance()
                advance()
                call.keywords.append((name, try parseExpression()))
            } else {
                guard call.keywords.isEmpty else { throw fail("a positional argument after a keyword argument") }
                call.positional.append(try parseExpression())
            }
            if !isSymbol(")") { try expectSymbol(",") }
        }
        advance()
        return call
    }

    /// `| filter(args)` and `is [not] test args`, left to right.
    private mutating func parseFilters(_ base: Expression) throws -> Expression {
        var value = base
        while true {
            let offset = current.offset
            if isSymbol("|") {
                advance()
                let nameOffset = current.offset
                let name = try identifier("a filter name")
                guard Filters.filters[name] != nil else { throw fail("the filter '\(name)' is not supported in chat templates", at: nameOffset) }
                let call = isSymbol("(") ? try parseCallArguments() : CallSyntax()
                value = Expression(node: .filter(value, name: name, call), offset: offset)
            } else if isName("is") {
                advance()
                let negated = isName("not")
                if negated { advance() }
                let nameOffset = current.offset
                let name = try identifier("a test name")
                guard Filters.tests[name] != nil else { throw fail("the test '\(name)' is not supported in chat templates", at: nameOffset) }
                var call = CallSyntax()
                if isSymbol("(") {
                    call = try parseCallArguments()
                } else if startsTestArgument() {
                    call.positional = [try parsePostfix(try parsePrimary())]
                }
                value = Expression(node: .test(value, name: name, call, negated: negated), offset: offset)
            } else if isSymbol("(") {
                value = Expression(node: .call(value, try parseCallArguments()), offset: offset)
            } else {
                return value
            }
        }
    }

    /// Whether a test is followed by an argument written without parentheses (`is divisibleby 3`).
    private func startsTestArgument() -> Bool {
        switch current.kind {
        case .name(let n): !["else", "or", "and"].contains(n)
        case .string, .integer, .float, .symbol("["), .symbol("{"): true
        default: false
        }
    }
}
