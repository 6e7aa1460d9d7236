import Tensor

/// Turns the syntax tree into executable nodes, resolving each name to a local slot (by frame
/// depth) or a global slot, and checking what can be checked before running: `return` outside
/// a function, `break` outside a loop, assignment to a non-variable.
struct Compiler {
    private let source: Source
    private let rt: Runtime

    /// One function being compiled: its block scopes (innermost last) and slots used.
    private struct FunctionScope {
        var blocks: [[String: Int]]
        var size: Int
        var loops = 0
        /// Whether a function is defined inside this one: its closures hold this frame.
        var definesFunctions = false
        /// The slots that functions defined inside this one read or write.
        var captured: Set<Int> = []

        /// The slots a call may clear when it returns: none when no closure can hold the frame;
        /// else those no inner function uses. A closure stored in its own defining frame (`let f =
        /// fn…` inside a function) makes a reference cycle; clearing the slots it does not read
        /// breaks it, so the values of a finished call (a training run, a model) are freed.
        var releasedAtReturn: [Int] {
            definesFunctions ? (0..<size).filter { !captured.contains($0) } : []
        }
    }
    private var functions: [FunctionScope] = []
    private var topLevelLoops = 0
    /// Depth of the expression being compiled. Evaluation recurses as deep as the tree, so a
    /// deeper tree is refused here rather than allowed to overflow the stack at run time.
    private var depth = 0
    static let maximumDepth = 1_500

    init(source: Source, runtime: Runtime) {
        self.source = source
        self.rt = runtime
    }

    private func error(_ message: String, _ span: Span) -> LangError { LangError(.syntax, message, span, source) }

    // MARK: - Names

    private enum Resolved {
        case local(depth: Int, slot: Int)
        case global(Int)
    }

    private mutating func resolve(_ name: String) -> Resolved {
        for (depth, function) in functions.reversed().enumerated() {
            for block in function.blocks.reversed() {
                if let slot = block[name] {
                    if depth > 0 { functions[functions.count - 1 - depth].captured.insert(slot) }
                    return .local(depth: depth, slot: slot)
                }
            }
        }
        return .global(rt.globalSlot(name))
    }

    private mutating func declare(_ name: String) -> Resolved {
        guard !functions.isEmpty else { return .global(rt.globalSlot(name)) }
        let slot = functions[functions.count - 1].size
        functions[functions.count - 1].size += 1
        functions[functions.count - 1].blocks[functions[functions.count - 1].blocks.count - 1][name] = slot
        return .local(depth: 0, slot: slot)
    }

    private mutating func withBlockScope<T>(_ body: (inout Compiler) throws -> T) rethrows -> T {
        if !functions.isEmpty { functions[functions.count - 1].blocks.append([:]) }
        defer { if !functions.isEmpty { functions[functions.count - 1].blocks.removeLast() } }
        return try body(&self)
    }

    /// - Parameter calling: whether the name is called (`name(…)`), so an undefined one is an
    ///   undefined function.
    private mutating func read(_ name: String, _ span: Span, calling: Bool = false) -> Node {
        switch resolve(name) {
        case .local(let depth, let slot): return LocalGet(depth: depth, slot: slot, span, source)
        case .global(let slot):
            let locals = functions.flatMap { $0.blocks.flatMap(\.keys) }
            return GlobalGet(slot: slot, name: name, fallback: Builtins.table[name].map(Value.builtin), noun: calling ? "function" : "variable",
                             localNames: locals, span, source)
        }
    }

    private func write(_ resolved: Resolved, name: String, _ value: Node, declares: Bool, _ span: Span) -> Node {
        switch resolved {
        case .local(let depth, let slot): return LocalSet(depth: depth, slot: slot, value: value, span, source)
        case .global(let slot): return GlobalSet(slot: slot, name: name, value: value, declares: declares, span, source)
        }
    }

    // MARK: - Statements

    mutating func compileTopLevel(_ statements: [Stmt]) throws -> [Node] {
        try statements.map { try statement($0) }
    }

    private mutating func statement(_ statement: Stmt) throws -> Node {
        switch statement {
        case .expression(let e):
            return try expression(e)
        case .letDecl(let name, let value, let span):
            let node = try expression(value)
            return write(declare(name), name: name, node, declares: true, span)
        case .assign(let target, let value, let span):
            let node = try expression(value)
            return Assign(value: node, store: try store(into: target), span, source)
        case .function(let declaration):
            let slot = declare(declaration.name ?? "")
            let closure = MakeClosure(try function(declaration), declaration.span, source)
            return write(slot, name: declaration.name ?? "", closure, declares: true, declaration.span)
        case .forLoop(let name, let sequence, let body, let span):
            let sequenceNode = try expression(sequence)
            return try withBlockScope { compiler in
                let variable = compiler.declare(name)
                let target: Node & Assignable
                switch variable {
                case .local(let depth, let slot): target = LocalGet(depth: depth, slot: slot, span, compiler.source)
                case .global(let slot): target = GlobalGet(slot: slot, name: name, fallback: nil, span, compiler.source)
                }
                let bodyNode = try compiler.loopBody(body)
                return ForLoop(target, sequenceNode, bodyNode, span, compiler.source)
            }
        case .whileLoop(let test, let body, let span):
            return WhileLoop(try expression(test), try loopBody(body), span, source)
        case .returnStmt(let value, let span):
            guard !functions.isEmpty else { throw error("'return' outside a function", span) }
            return Jump(.returning, value: try value.map { try expression($0) }, span, source)
        case .breakStmt(let span), .continueStmt(let span):
            let inLoop = functions.isEmpty ? topLevelLoops > 0 : functions[functions.count - 1].loops > 0
            let isBreak: Bool
            if case .breakStmt = statement { isBreak = true } else { isBreak = false }
            guard inLoop else { throw error("'\(isBreak ? "break" : "continue")' outside a loop", span) }
            return Jump(isBreak ? .breakLoop : .continueLoop, value: nil, span, source)
        }
    }

    private mutating func loopBody(_ body: Block) throws -> Node {
        if functions.isEmpty { topLevelLoops += 1 } else { functions[functions.count - 1].loops += 1 }
        defer { if functions.isEmpty { topLevelLoops -= 1 } else { functions[functions.count - 1].loops -= 1 } }
        return try block(body)
    }

    private mutating func block(_ block: Block) throws -> Node {
        try withBlockScope { compiler in
            let nodes = try block.statements.map { try compiler.statement($0) }
            var lastIsExpression = false
            if case .expression? = block.statements.last { lastIsExpression = true }
            return Sequence(nodes, lastIsExpression: lastIsExpression, block.span, compiler.source)
        }
    }

    /// The code that stores a value into an assignment target.
    private mutating func store(into target: Expr) throws -> (Value, Frame, Runtime) throws -> Void {
        switch target {
        case .name(let name, let span):
            let setter = write(resolve(name), name: name, Constant(.nil, span, source), declares: false, span)
            switch setter {
            case let local as LocalSet:
                return { value, frame, _ in
                    if local.depth == 0 { frame.slots[local.slot] = value } else { frame.ancestor(local.depth).slots[local.slot] = value }
                }
            case let global as GlobalSet:
                return { value, _, rt in
                    guard rt.globals[global.slot] != nil else {
                        throw global.fail("'\(name)' is not defined yet; declare it with 'let \(name) = …'")
                    }
                    rt.globals[global.slot] = value
                }
            default:
                throw error("cannot assign to '\(name)'", span)
            }
        case .field(let container, _, _):
            guard let field = try expression(target) as? Field else { throw error("cannot assign to this expression", target.span) }
            let outer = try store(into: container)
            return { value, frame, rt in try outer(try field.updated(with: value, frame, rt), frame, rt) }
        case .index(let container, _, _):
            guard let index = try expression(target) as? Index else { throw error("cannot assign to this expression", target.span) }
            let outer = try store(into: container)
            return { value, frame, rt in try outer(try index.updated(with: value, frame, rt), frame, rt) }
        default:
            throw error("cannot assign to this expression", target.span)
        }
    }

    private mutating func function(_ declaration: FunctionDecl) throws -> CompiledFunction {
        if !functions.isEmpty { functions[functions.count - 1].definesFunctions = true }
        var scope = FunctionScope(blocks: [[:]], size: 0)
        for (i, parameter) in declaration.parameters.enumerated() { scope.blocks[0][parameter.name] = i }
        scope.size = declaration.parameters.count
        functions.append(scope)
        defer { functions.removeLast() }
        let defaults = try declaration.parameters.map { parameter in try parameter.defaultValue.map { try expression($0) } }
        let body = try block(declaration.body)
        return CompiledFunction(name: declaration.name ?? "<lambda>", parameterNames: declaration.parameters.map(\.name),
                                defaults: defaults, body: body, frameSize: functions[functions.count - 1].size,
                                releasedAtReturn: functions[functions.count - 1].releasedAtReturn,
                                span: declaration.span, source: source)
    }

    // MARK: - Expressions

    private mutating func expression(_ expr: Expr) throws -> Node {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maximumDepth else {
            throw error("expression nested more than \(Self.maximumDepth) levels deep; split it with let", expr.span)
        }
        switch expr {
        case .number(let x, let span): return Constant(.number(x), span, source)
        case .string(let s, let span): return Constant(.string(s), span, source)
        case .formatString(let parts, let span): return try formatString(parts, span)
        case .bool(let b, let span): return Constant(.bool(b), span, source)
        case .nilLiteral(let span): return Constant(.nil, span, source)
        case .name(let name, let span): return read(name, span)
        case .list(let items, let span): return ListLiteral(try items.map { try expression($0) }, span, source)
        case .record(let fields, let span):
            return RecordLiteral(try fields.map { ($0.key, try expression($0.value)) }, span, source)
        case .unary(let op, .number(let x, _), let span) where op == "-":
            return Constant(.number(-x), span, source)
        case .unary(let op, let operand, let span):
            return Unary(op, try expression(operand), span, source)
        case .binary(let op, let left, let right, let span):
            if op == "and" || op == "or" {
                return Logical(isAnd: op == "and", try expression(left), try expression(right), span, source)
            }
            guard let binary = BinaryOperator(rawValue: op) else { throw error("unknown operator '\(op)'", span) }
            return Binary(binary, try expression(left), try expression(right), span, source)
        case .range(let low, let high, let inclusive, let span):
            return RangeLiteral(try expression(low), try expression(high), inclusive: inclusive, span, source)
        case .call(let callee, let arguments, let span):
            let (positional, keywords) = try self.arguments(arguments)
            let function: Node
            if case .name(let name, let nameSpan) = callee { function = read(name, nameSpan, calling: true) } else { function = try expression(callee) }
            return Call(function, positional: positional, keywords: keywords, span, source)
        case .method(let receiver, let name, let arguments, let span):
            let (positional, keywords) = try self.arguments(arguments)
            return MethodCall(try expression(receiver), name, positional: positional, keywords: keywords, span, source)
        case .field(let target, let name, let span):
            return Field(try expression(target), name, span, source)
        case .index(let target, let items, let span):
            let nodes: [IndexNode] = try items.map { item in
                switch item {
                case .single(let e): return .single(try expression(e))
                case .slice(let start, let end, let step, _):
                    return .slice(start: try start.map { try expression($0) }, end: try end.map { try expression($0) },
                                  step: try step.map { try expression($0) })
                }
            }
            return Index(try expression(target), nodes, span, source)
        case .function(let declaration):
            return MakeClosure(try function(declaration), declaration.span, source)
        case .ifElse(let test, let then, let otherwise, let span):
            return IfElse(try expression(test), try block(then), try otherwise.map { try block($0) }, span, source)
        }
    }

    private mutating func formatString(_ parts: [FormatPart], _ span: Span) throws -> FormatString {
        FormatString(try parts.map { part in
            switch part {
            case .text(let text):
                return Constant(.string(text), span, source)
            case .field(let value, let spec, let fieldSpan):
                let specNode: FormatField.Spec = switch spec {
                case .fixed(let spec): .fixed(spec)
                case .computed(let parts, let specSpan): .computed(try formatString(parts, specSpan))
                }
                return FormatField(try expression(value), spec: specNode, fieldSpan, source)
            }
        }, span, source)
    }

    private mutating func arguments(_ arguments: [Argument]) throws -> ([Node], [(String, Node)]) {
        var positional: [Node] = []
        var keywords: [(String, Node)] = []
        for argument in arguments {
            let node = try expression(argument.value)
            if let label = argument.label { keywords.append((label, node)) } else { positional.append(node) }
        }
        return (positional, keywords)
    }
}
