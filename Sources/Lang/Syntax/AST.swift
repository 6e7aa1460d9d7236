/// The syntax tree the parser produces; `Compiler` turns it into executable nodes.
indirect enum Expr {
    case number(Double, Span)
    case string(String, Span)
    case formatString([FormatPart], Span)
    case bool(Bool, Span)
    case nilLiteral(Span)
    case name(String, Span)
    case list([Expr], Span)
    case record([(key: String, value: Expr)], Span)
    case unary(String, Expr, Span)
    case binary(String, Expr, Expr, Span)
    case range(Expr, Expr, inclusive: Bool, Span)
    case call(Expr, [Argument], Span)
    /// `receiver.name(arguments)`: a record's function field, or `name(receiver, arguments)`.
    case method(Expr, String, [Argument], Span)
    case field(Expr, String, Span)
    case index(Expr, [IndexItem], Span)
    case function(FunctionDecl)
    case ifElse(Expr, Block, Block?, Span)

    var span: Span {
        switch self {
        case .number(_, let s), .string(_, let s), .formatString(_, let s), .bool(_, let s), .nilLiteral(let s), .name(_, let s),
             .list(_, let s), .record(_, let s), .unary(_, _, let s), .binary(_, _, _, let s),
             .range(_, _, _, let s), .call(_, _, let s), .method(_, _, _, let s), .field(_, _, let s),
             .index(_, _, let s), .ifElse(_, _, _, let s):
            return s
        case .function(let declaration):
            return declaration.span
        }
    }
}

/// A piece of an f-string: text, or a field with its format spec.
enum FormatPart {
    case text(String)
    case field(Expr, spec: FieldSpec, span: Span)

    var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }
}

/// A field's format spec: read when parsed, or text and fields (`{x:>{width}}`) read each time.
enum FieldSpec {
    case fixed(FormatSpec)
    case computed([FormatPart], Span)
}

struct Argument {
    /// The keyword in `f(x, beta: 0.3)`; nil for a positional argument.
    let label: String?
    let value: Expr
    let span: Span
}

enum IndexItem {
    case single(Expr)
    case slice(start: Expr?, end: Expr?, step: Expr?, Span)
}

struct Block {
    let statements: [Stmt]
    let span: Span
}

indirect enum Stmt {
    case expression(Expr)
    case letDecl(String, Expr, Span)
    case assign(Expr, Expr, Span)
    case function(FunctionDecl)
    case forLoop(String, Expr, Block, Span)
    case whileLoop(Expr, Block, Span)
    case returnStmt(Expr?, Span)
    case breakStmt(Span)
    case continueStmt(Span)

    var span: Span {
        switch self {
        case .expression(let e): return e.span
        case .letDecl(_, _, let s), .assign(_, _, let s), .forLoop(_, _, _, let s), .whileLoop(_, _, let s),
             .returnStmt(_, let s), .breakStmt(let s), .continueStmt(let s):
            return s
        case .function(let declaration): return declaration.span
        }
    }
}

struct Parameter {
    let name: String
    let defaultValue: Expr?
    let span: Span
}

final class FunctionDecl {
    /// Nil for a lambda.
    let name: String?
    let parameters: [Parameter]
    let body: Block
    let span: Span

    init(name: String?, parameters: [Parameter], body: Block, span: Span) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.span = span
    }
}

/// A parsed program: its statements, and whether the last one ended with `;` (the REPL then
/// does not print its value).
struct Program {
    let statements: [Stmt]
    let lastIsSilenced: Bool
}
