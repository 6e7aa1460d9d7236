import Base
import OrderedCollections
import Tensor

/// An executable syntax node. `Compiler` builds these from the syntax tree with every variable
/// resolved to a slot, so running a program does no name lookups.
class Node {
    let span: Span
    let source: Source

    init(_ span: Span, _ source: Source) {
        self.span = span
        self.source = source
    }

    func eval(_ frame: Frame, _ rt: Runtime) throws -> Value { .nil }

    func fail(_ message: String) -> LangError { LangError(.runtime, message, span, source) }
}

final class Constant: Node {
    let value: Value
    init(_ value: Value, _ span: Span, _ source: Source) {
        self.value = value
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value { value }
}

final class LocalGet: Node {
    let depth: Int, slot: Int
    init(depth: Int, slot: Int, _ span: Span, _ source: Source) {
        (self.depth, self.slot) = (depth, slot)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        depth == 0 ? frame.slots[slot] : frame.ancestor(depth).slots[slot]
    }
}

final class LocalSet: Node {
    let depth: Int, slot: Int, value: Node
    init(depth: Int, slot: Int, value: Node, _ span: Span, _ source: Source) {
        (self.depth, self.slot, self.value) = (depth, slot, value)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let v = try value.eval(frame, rt)
        if depth == 0 { frame.slots[slot] = v } else { frame.ancestor(depth).slots[slot] = v }
        return .nil
    }
}

final class GlobalGet: Node {
    let slot: Int, name: String
    /// A builtin of the same name, used until a global of that name is defined.
    let fallback: Value?
    /// What an undefined name is called in the error: "function" where it is called, else "variable".
    let noun: String
    /// The local variables in scope where the name is read, which an error may suggest.
    let localNames: [String]
    init(slot: Int, name: String, fallback: Value?, noun: String = "variable", localNames: [String] = [], _ span: Span, _ source: Source) {
        (self.slot, self.name, self.fallback, self.noun, self.localNames) = (slot, name, fallback, noun, localNames)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        if let value = rt.globals[slot] { return value }
        if let fallback { return fallback }
        let globals = rt.globalNames.filter { rt.globals[$0.value] != nil }.map(\.key).sorted()
        throw fail("undefined \(noun) '\(name)'" + didYouMean(name, in: localNames + globals + Builtins.table.keys.sorted()))
    }
}

final class GlobalSet: Node {
    let slot: Int, value: Node, declares: Bool, name: String
    init(slot: Int, name: String, value: Node, declares: Bool, _ span: Span, _ source: Source) {
        (self.slot, self.name, self.value, self.declares) = (slot, name, value, declares)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let v = try value.eval(frame, rt)
        if !declares, rt.globals[slot] == nil {
            throw fail("'\(name)' is not defined yet; declare it with 'let \(name) = …'")
        }
        rt.globals[slot] = v
        return .nil
    }
}

final class ListLiteral: Node {
    let items: [Node]
    init(_ items: [Node], _ span: Span, _ source: Source) {
        self.items = items
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        .list(try items.map { try $0.eval(frame, rt) })
    }
}

/// `f"…"`: the text with each field's value written in.
final class FormatString: Node {
    let parts: [Node]
    init(_ parts: [Node], _ span: Span, _ source: Source) {
        self.parts = parts
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        var text = ""
        for part in parts {
            guard case .string(let piece) = try part.eval(frame, rt) else { continue }
            text += piece
            guard text.utf8.count <= maximumCollectionCount else { throw fail("string longer than \(maximumCollectionCount) bytes") }
        }
        return .string(text)
    }
}

/// One `{value:spec}` of an f-string, as text. A spec with fields of its own is computed each time.
final class FormatField: Node {
    enum Spec {
        case fixed(FormatSpec)
        case computed(FormatString)
    }
    let value: Node, spec: Spec
    init(_ value: Node, spec: Spec, _ span: Span, _ source: Source) {
        (self.value, self.spec) = (value, spec)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let value = try value.eval(frame, rt)
        do {
            switch spec {
            case .fixed(let spec):
                return .string(try spec.apply(to: value))
            case .computed(let text):
                guard case .string(let written) = try text.eval(frame, rt) else { return .nil }
                return .string(try FormatSpec(parsing: written).apply(to: value))
            }
        } catch let error as FormatSpec.ParseError {
            throw fail(error.message)
        }
    }
}

final class RecordLiteral: Node {
    let fields: [(String, Node)]
    init(_ fields: [(String, Node)], _ span: Span, _ source: Source) {
        self.fields = fields
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        var record = OrderedDictionary<String, Value>()
        for (key, node) in fields { record[key] = try node.eval(frame, rt) }
        return .record(record)
    }
}

final class RangeLiteral: Node {
    let start: Node, end: Node, inclusive: Bool
    init(_ start: Node, _ end: Node, inclusive: Bool, _ span: Span, _ source: Source) {
        (self.start, self.end, self.inclusive) = (start, end, inclusive)
        super.init(span, source)
    }
    func bounds(_ frame: Frame, _ rt: Runtime) throws -> (Int, Int) {
        let lower = try bound(start.eval(frame, rt), "start")
        let upper = try bound(end.eval(frame, rt), "end")
        return (lower, inclusive ? upper + 1 : upper)
    }

    /// One bound as a whole number, or an error saying which bound is not one and why.
    private func bound(_ value: Value, _ which: String) throws -> Int {
        guard case .number(let x) = value else { throw fail("a range's \(which) must be a whole number, got a \(value.typeName)") }
        if x.isNaN { throw fail("a range's \(which) is nan; it must be a whole number") }
        if x.isInfinite { throw fail("a range's \(which) is \(format(x)); it must be finite (loop without an end with 'while true { … }')") }
        guard let whole = Int(exactly: x) else { throw fail("a range's \(which) must be a whole number, got \(format(x))") }
        return whole
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let (lower, upper) = try bounds(frame, rt)
        let count = wholeNumberCount(from: lower, to: upper, by: 1)
        guard count <= maximumCollectionCount else {
            let written = inclusive ? "\(lower)..=\(upper - 1)" : "\(lower)..\(upper)"
            throw fail("range \(written) has \(count) numbers, more than a list holds (\(maximumCollectionCount))")
        }
        return .list(lower < upper ? (lower..<upper).map { .number(Double($0)) } : [])
    }
}

final class Unary: Node {
    let op: String, operand: Node
    init(_ op: String, _ operand: Node, _ span: Span, _ source: Source) {
        (self.op, self.operand) = (op, operand)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let value = try operand.eval(frame, rt)
        switch (op, value) {
        case ("not", _): return .bool(!value.isTruthy)
        case ("-", .number(let x)): return .number(-x)
        case ("-", .tensor(let t)): return .tensor(-t)
        case ("+", .number), ("+", .tensor): return value
        default: throw fail("cannot apply '\(op)' to a \(value.typeName)")
        }
    }
}

final class Logical: Node {
    let isAnd: Bool, left: Node, right: Node
    init(isAnd: Bool, _ left: Node, _ right: Node, _ span: Span, _ source: Source) {
        (self.isAnd, self.left, self.right) = (isAnd, left, right)
        super.init(span, source)
    }
    /// Python's rule: the deciding operand itself, so `x or default` works.
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let first = try left.eval(frame, rt)
        if first.isTruthy != isAnd { return first }
        return try right.eval(frame, rt)
    }
}

final class Binary: Node {
    let op: BinaryOperator, left: Node, right: Node
    init(_ op: BinaryOperator, _ left: Node, _ right: Node, _ span: Span, _ source: Source) {
        (self.op, self.left, self.right) = (op, left, right)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let a = try left.eval(frame, rt)
        let b = try right.eval(frame, rt)
        if case .number(let x) = a, case .number(let y) = b, let result = op.numbers(x, y) { return result }
        do {
            return try op.apply(a, b)
        } catch let error as OperatorError {
            throw fail(error.message)
        } catch let error as TensorError {
            throw fail(error.description)
        }
    }
}

final class IfElse: Node {
    let test: Node, then: Node, otherwise: Node?
    init(_ test: Node, _ then: Node, _ otherwise: Node?, _ span: Span, _ source: Source) {
        (self.test, self.then, self.otherwise) = (test, then, otherwise)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        if try test.eval(frame, rt).isTruthy { return try then.eval(frame, rt) }
        return try otherwise?.eval(frame, rt) ?? .nil
    }
}

/// Statements in order; its value is the last statement's when that is an expression.
final class Sequence: Node {
    let statements: [Node]
    let lastIsExpression: Bool
    init(_ statements: [Node], lastIsExpression: Bool, _ span: Span, _ source: Source) {
        (self.statements, self.lastIsExpression) = (statements, lastIsExpression)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        var last: Value = .nil
        for statement in statements {
            last = try statement.eval(frame, rt)
            if rt.pending != .none { return .nil }
        }
        return lastIsExpression ? last : .nil
    }
}

final class WhileLoop: Node {
    let test: Node, body: Node
    init(_ test: Node, _ body: Node, _ span: Span, _ source: Source) {
        (self.test, self.body) = (test, body)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        while try test.eval(frame, rt).isTruthy {
            try rt.tick(span, source)
            _ = try body.eval(frame, rt)
            if rt.loopMustStop() { break }
        }
        return .nil
    }
}

final class ForLoop: Node {
    let variable: Node & Assignable, sequence: Node, body: Node
    init(_ variable: Node & Assignable, _ sequence: Node, _ body: Node, _ span: Span, _ source: Source) {
        (self.variable, self.sequence, self.body) = (variable, sequence, body)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        if let range = sequence as? RangeLiteral {
            // Counting loops run without building the list.
            let (lower, upper) = try range.bounds(frame, rt)
            var i = lower
            while i < upper {
                if try step(.number(Double(i)), frame, rt) { break }
                i += 1
            }
            return .nil
        }
        let items: [Value]
        switch try sequence.eval(frame, rt) {
        case .list(let values): items = values
        case .string(let text): items = text.map { .string(String($0)) }
        case .record(let fields): items = fields.keys.map { .string($0) }
        case .tensor(let t):
            guard t.rank > 0 else { throw fail("cannot loop over a scalar tensor") }
            // Row by row, so that a tensor of millions of (possibly empty) rows starts at once
            // and the step budget and Ctrl-C apply from the first row.
            for row in 0..<t.shape[0] where try step(.tensor(try t.select(axis: 0, index: row)), frame, rt) { break }
            return .nil
        case let other: throw fail("cannot loop over a \(other.typeName)")
        }
        for item in items where try step(item, frame, rt) { break }
        return .nil
    }

    /// Runs the body once; true when the loop must stop.
    @inline(__always)
    private func step(_ item: Value, _ frame: Frame, _ rt: Runtime) throws -> Bool {
        try rt.tick(span, source)
        variable.store(item, frame, rt)
        _ = try body.eval(frame, rt)
        return rt.loopMustStop()
    }
}

extension Runtime {
    /// After a loop body: consumes a `break` or `continue`, leaves a `return` for the enclosing
    /// call; true when the loop must end.
    @inline(__always)
    func loopMustStop() -> Bool {
        switch pending {
        case .none: return false
        case .returning: return true
        case .breakLoop:
            pending = .none
            return true
        case .continueLoop:
            pending = .none
            return false
        }
    }
}

/// A loop variable: a local or global slot written directly.
protocol Assignable {
    func store(_ value: Value, _ frame: Frame, _ rt: Runtime)
}

extension LocalGet: Assignable {
    func store(_ value: Value, _ frame: Frame, _ rt: Runtime) {
        if depth == 0 { frame.slots[slot] = value } else { frame.ancestor(depth).slots[slot] = value }
    }
}

extension GlobalGet: Assignable {
    func store(_ value: Value, _ frame: Frame, _ rt: Runtime) { rt.globals[slot] = value }
}

final class Jump: Node {
    let kind: Pending, value: Node?
    init(_ kind: Pending, value: Node?, _ span: Span, _ source: Source) {
        (self.kind, self.value) = (kind, value)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        if kind == .returning { rt.returnValue = try value?.eval(frame, rt) ?? .nil }
        rt.pending = kind
        return .nil
    }
}
