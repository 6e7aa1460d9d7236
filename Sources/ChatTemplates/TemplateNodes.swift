/// An expression and where it starts in the template, for error messages.
struct Expression {
    let node: ExpressionNode
    let offset: Int
}

indirect enum ExpressionNode {
    case literal(TemplateValue)
    case name(String)
    case list([Expression])
    case dict([(key: Expression, value: Expression)])
    case attribute(Expression, String)
    case item(Expression, Expression)
    case slice(Expression, start: Expression?, stop: Expression?, step: Expression?)
    case call(Expression, CallSyntax)
    case filter(Expression, name: String, CallSyntax)
    case test(Expression, name: String, CallSyntax, negated: Bool)
    case not(Expression)
    case negate(Expression)
    /// `and` / `or`: Python's, returning an operand and evaluating the right one only if needed.
    case logical(isAnd: Bool, Expression, Expression)
    case arithmetic(ArithmeticOperator, Expression, Expression)
    /// `a < b <= c`: Python's chained comparison, each operand evaluated once.
    case comparison(Expression, [(ComparisonOperator, Expression)])
    /// `value if condition else otherwise`; without `else` the result is undefined.
    case conditional(value: Expression, condition: Expression, otherwise: Expression?)
}

struct CallSyntax {
    var positional: [Expression] = []
    var keywords: [(name: String, value: Expression)] = []
}

enum ArithmeticOperator: String {
    case add = "+", subtract = "-", concatenate = "~", multiply = "*", divide = "/", floorDivide = "//", modulo = "%", power = "**"
}

enum ComparisonOperator: String {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    case `in` = "in", notIn = "not in"
}

/// A statement of the template body.
indirect enum Statement {
    case text(String)
    case output(Expression)
    case conditional(branches: [(condition: Expression, body: [Statement])], otherwise: [Statement])
    case loop(Loop)
    case assign(target: AssignTarget, value: Expression)
    case macro(Macro)
    case loopControl(breaks: Bool, offset: Int)
    /// transformers' `{% generation %}` marks assistant text for its token mask; the text renders as is.
    case generation([Statement])
}

struct Loop {
    /// One name, or several unpacked from each item (`for key, value in d.items()`).
    let targets: [String]
    let iterable: Expression
    let filter: Expression?
    let body: [Statement]
    let otherwise: [Statement]
    let offset: Int
}

enum AssignTarget {
    case name(String)
    /// `ns.attribute` on a namespace.
    case attribute(object: String, attribute: String, offset: Int)
}

struct Macro {
    let name: String
    let parameters: [(name: String, defaultValue: Expression?)]
    let body: [Statement]
}
