import Base
import Tensor

/// A user function after compilation: parameters occupy the first slots of its frame.
final class CompiledFunction {
    let name: String
    let parameterNames: [String]
    /// Evaluated in the new frame, so a default may use earlier parameters.
    let defaults: [Node?]
    let body: Node
    let frameSize: Int
    /// The frame's slots a finished call clears (see `Compiler.FunctionScope.releasedAtReturn`).
    let releasedAtReturn: [Int]
    let span: Span
    let source: Source

    init(name: String, parameterNames: [String], defaults: [Node?], body: Node, frameSize: Int, releasedAtReturn: [Int],
         span: Span, source: Source) {
        self.name = name
        self.parameterNames = parameterNames
        self.defaults = defaults
        self.body = body
        self.frameSize = frameSize
        self.releasedAtReturn = releasedAtReturn
        self.span = span
        self.source = source
    }

    /// How the function reads in help and errors: `f(x, beta = …)`.
    var signature: String {
        let parameters = zip(parameterNames, defaults).map { $1 == nil ? $0 : "\($0) = …" }
        return "\(name)(\(parameters.joined(separator: ", ")))"
    }
}

/// `fn name(…) { … }` and lambdas: makes a closure over the current frame.
final class MakeClosure: Node {
    let function: CompiledFunction
    init(_ function: CompiledFunction, _ span: Span, _ source: Source) {
        self.function = function
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        .function(Closure(function: function, frame: frame))
    }
}

/// Arguments as written at a call site, evaluated.
struct CallArguments {
    var positional: [Value]
    var keywords: [(label: String, value: Value)]
}

/// The deepest user-function nesting allowed; deeper recursion is an error, not a crash.
let maximumCallDepth = 800

extension Runtime {
    /// Calls any callable value; `node` is the call site, for errors and the stack trace.
    func call(_ callee: Value, _ arguments: CallArguments, at node: Node) throws -> Value {
        switch callee {
        case .function(let closure):
            return try callClosure(closure, arguments, at: node)
        case .builtin(let builtin):
            // After an interrupted builtin (a stopped training run) nothing else of the entry runs.
            if interrupt.isSet { throw LangError.interrupted(at: node.span, in: node.source) }
            do {
                return try builtin.invoke(arguments, self, node)
            } catch let error as BuiltinError {
                throw node.fail(error.namesBuiltin ? "\(builtin.name): \(error.message)" : error.message)
            } catch let error as UserFacingError {
                // The one place where the layers' errors become located language errors.
                throw node.fail(error.namesCaller ? "\(builtin.name): \(error.description)" : error.description)
            }
        default:
            throw node.fail("cannot call a \(callee.typeName)")
        }
    }

    private func callClosure(_ closure: Closure, _ arguments: CallArguments, at node: Node) throws -> Value {
        let function = closure.function
        let count = function.parameterNames.count
        guard arguments.positional.count <= count else {
            throw node.fail("\(function.name)() takes \(count) argument\(count == 1 ? "" : "s"), got \(arguments.positional.count)")
        }
        let frame = Frame(size: function.frameSize, parent: closure.frame)
        var given = [Bool](repeating: false, count: count)
        for (i, value) in arguments.positional.enumerated() {
            frame.slots[i] = value
            given[i] = true
        }
        for (label, value) in arguments.keywords {
            guard let i = function.parameterNames.firstIndex(of: label) else {
                let suggestion = didYouMean(label, in: function.parameterNames)
                throw node.fail("\(function.name)() has no parameter '\(label)'" + (suggestion.isEmpty ? "; it takes \(function.signature)" : suggestion))
            }
            guard !given[i] else { throw node.fail("\(function.name)() got two values for '\(label)'") }
            frame.slots[i] = value
            given[i] = true
        }
        for i in 0..<count where !given[i] {
            guard let fallback = function.defaults[i] else {
                throw node.fail("\(function.name)() is missing argument '\(function.parameterNames[i])'")
            }
            frame.slots[i] = try fallback.eval(frame, self)
        }
        return try enter(function, frame, at: node)
    }

    /// Runs a function body in its prepared frame.
    @inline(__always)
    func enter(_ function: CompiledFunction, _ frame: Frame, at node: Node) throws -> Value {
        guard depth < maximumCallDepth else { throw node.fail("recursion deeper than \(maximumCallDepth) calls") }
        try tick(node.span, node.source)
        depth += 1
        defer {
            depth -= 1
            for slot in function.releasedAtReturn { frame.slots[slot] = .nil }
        }
        do {
            let value = try function.body.eval(frame, self)
            if pending == .returning {
                pending = .none
                return returnValue
            }
            pending = .none
            return value
        } catch var error as LangError where error.kind == .runtime {
            error.stack.append((function.name, node.span, node.source))
            throw error
        }
    }
}

final class Call: Node {
    let callee: Node
    let positional: [Node]
    let keywords: [(String, Node)]
    init(_ callee: Node, positional: [Node], keywords: [(String, Node)], _ span: Span, _ source: Source) {
        (self.callee, self.positional, self.keywords) = (callee, positional, keywords)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let function = try callee.eval(frame, rt)
        if keywords.isEmpty, case .function(let closure) = function,
           closure.function.parameterNames.count == positional.count {
            // The common case, every argument by position: straight into the new frame.
            let callFrame = Frame(size: closure.function.frameSize, parent: closure.frame)
            for (i, node) in positional.enumerated() { callFrame.slots[i] = try node.eval(frame, rt) }
            if rt.pending != .none { return .nil }
            return try rt.enter(closure.function, callFrame, at: self)
        }
        var arguments = CallArguments(positional: [], keywords: [])
        arguments.positional.reserveCapacity(positional.count)
        for node in positional { arguments.positional.append(try node.eval(frame, rt)) }
        for (label, node) in keywords { arguments.keywords.append((label, try node.eval(frame, rt))) }
        if rt.pending != .none { return .nil }
        return try rt.call(function, arguments, at: self)
    }
}

/// `receiver.name(arguments)`: a record's function field, else the builtin `name(receiver, arguments)`.
final class MethodCall: Node {
    let receiver: Node, name: String
    let positional: [Node]
    let keywords: [(String, Node)]
    init(_ receiver: Node, _ name: String, positional: [Node], keywords: [(String, Node)], _ span: Span, _ source: Source) {
        (self.receiver, self.name, self.positional, self.keywords) = (receiver, name, positional, keywords)
        super.init(span, source)
    }
    override func eval(_ frame: Frame, _ rt: Runtime) throws -> Value {
        let target = try receiver.eval(frame, rt)
        var arguments = CallArguments(positional: [], keywords: [])
        for node in positional { arguments.positional.append(try node.eval(frame, rt)) }
        for (label, node) in keywords { arguments.keywords.append((label, try node.eval(frame, rt))) }
        if rt.pending != .none { return .nil }
        if case .record(let fields) = target, let field = fields[name] {
            return try rt.call(field, arguments, at: self)
        }
        guard let builtin = Builtins.table[name] else {
            throw fail("a \(target.typeName) has no method '\(name)'")
        }
        if builtin.changesCopy { throw fail(valueSemanticsAdvice(target)) }
        arguments.positional.insert(target, at: 0)
        return try rt.call(.builtin(builtin), arguments, at: self)
    }
}

extension MethodCall {
    /// Why `xs.append(3)` is refused and what to write instead, in the user's own words:
    /// `xs = append(xs, 3)` for a variable, field or element, else `append([1, 2], 3)`.
    private func valueSemanticsAdvice(_ target: Value) -> String {
        let receiverText = source.text(of: receiver.span)
        let written = source.text(of: span)
        let arguments = written.firstIndex(of: "(").map { written[written.index(after: $0)...].dropLast() } ?? ""
        let call = "\(name)(\(receiverText)\(arguments.isEmpty ? "" : ", " + arguments))"
        let storable = receiver is LocalGet || receiver is GlobalGet || receiver is Field || receiver is Index
        let fix = storable ? "\(receiverText) = \(call)" : call
        return "\(target.typeName)s are values, so \(written) cannot change \(receiverText); write \(fix)"
    }
}
