/// The syntax tree as nested S-expressions, one statement per line: how the golden parser
/// tests see what the parser built.
enum SyntaxDump {
    static func render(_ program: Program) -> String {
        program.statements.map(statement).joined(separator: "\n") + (program.lastIsSilenced ? "\n;" : "")
    }

    static func statement(_ s: Stmt) -> String {
        switch s {
        case .expression(let e): return expression(e)
        case .letDecl(let name, let value, _): return "(let \(name) \(expression(value)))"
        case .assign(let target, let value, _): return "(= \(expression(target)) \(expression(value)))"
        case .function(let f): return function(f)
        case .forLoop(let name, let sequence, let body, _): return "(for \(name) \(expression(sequence)) \(block(body)))"
        case .whileLoop(let test, let body, _): return "(while \(expression(test)) \(block(body)))"
        case .returnStmt(let value, _): return value.map { "(return \(expression($0)))" } ?? "(return)"
        case .breakStmt: return "(break)"
        case .continueStmt: return "(continue)"
        }
    }

    static func block(_ b: Block) -> String {
        "{" + b.statements.map(statement).joined(separator: " ") + "}"
    }

    static func function(_ f: FunctionDecl) -> String {
        let parameters = f.parameters.map { p in p.defaultValue.map { "(\(p.name) = \(expression($0)))" } ?? p.name }
        return "(fn \(f.name ?? "λ") (\(parameters.joined(separator: " "))) \(block(f.body)))"
    }

    static func expression(_ e: Expr) -> String {
        switch e {
        case .number(let x, _): return format(x)
        case .string(let s, _): return quote(s)
        case .formatString(let parts, _): return "(f" + parts.map(formatPart).joined() + ")"
        case .bool(let b, _): return b ? "true" : "false"
        case .nilLiteral: return "nil"
        case .name(let name, _): return name
        case .list(let items, _): return "[" + items.map(expression).joined(separator: " ") + "]"
        case .record(let fields, _): return "{" + fields.map { "\($0.key): \(expression($0.value))" }.joined(separator: " ") + "}"
        case .unary(let op, let operand, _): return "(\(op) \(expression(operand)))"
        case .binary(let op, let left, let right, _): return "(\(op) \(expression(left)) \(expression(right)))"
        case .range(let low, let high, let inclusive, _): return "(\(inclusive ? "..=" : "..") \(expression(low)) \(expression(high)))"
        case .call(let callee, let arguments, _): return "(call \(expression(callee))\(arguments.map(argument).joined()))"
        case .method(let receiver, let name, let arguments, _):
            return "(method \(expression(receiver)) \(name)\(arguments.map(argument).joined()))"
        case .field(let target, let name, _): return "(. \(expression(target)) \(name))"
        case .index(let target, let items, _): return "(index \(expression(target))\(items.map(index).joined()))"
        case .function(let f): return function(f)
        case .ifElse(let test, let then, let otherwise, _):
            return "(if \(expression(test)) \(block(then))\(otherwise.map { " " + block($0) } ?? ""))"
        }
    }

    private static func formatPart(_ part: FormatPart) -> String {
        switch part {
        case .text(let text): return " " + quote(text)
        case .field(let value, .fixed(let spec), _): return " {" + expression(value) + (spec.written.isEmpty ? "" : " : " + quote(spec.written)) + "}"
        case .field(let value, .computed(let spec, _), _): return " {" + expression(value) + " : (f" + spec.map(formatPart).joined() + ")" + "}"
        }
    }

    private static func argument(_ a: Argument) -> String {
        " " + (a.label.map { "\($0): " } ?? "") + expression(a.value)
    }

    private static func index(_ item: IndexItem) -> String {
        switch item {
        case .single(let e): return " " + expression(e)
        case .slice(let start, let end, let step, _):
            return " (: \(start.map(expression) ?? "_") \(end.map(expression) ?? "_") \(step.map(expression) ?? "_"))"
        }
    }
}
