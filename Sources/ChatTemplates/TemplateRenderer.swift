import Foundation

/// Variables visible at one point of a template. A for loop's body gets a fresh scope for each
/// item, so (as in Jinja) its `set`s vanish after the iteration; `if` makes no scope.
final class Scope {
    private var variables: [String: TemplateValue]
    private let parent: Scope?

    init(parent: Scope?, _ variables: [String: TemplateValue] = [:]) {
        self.parent = parent
        self.variables = variables
    }

    func lookup(_ name: String) -> TemplateValue? { variables[name] ?? parent?.lookup(name) }
    func set(_ name: String, _ value: TemplateValue) { variables[name] = value }
}

/// Walks the statements, writing text: a tree-walking interpreter over `TemplateNodes`.
final class TemplateRenderer {
    private enum Flow { case normal, breakLoop, continueLoop }

    private let source: TemplateSource
    private var output = ""
    private var macroDepth = 0
    /// Deeper macro recursion than this is an error rather than a stack overflow.
    private static let maximumMacroDepth = 100
    /// Jinja's sandbox refuses ranges longer than this.
    private static let maximumRange = 100_000

    init(source: TemplateSource) {
        self.source = source
    }

    func render(_ statements: [Statement], variables: [String: TemplateValue]) throws -> String {
        let globals = Scope(parent: nil, Self.globals)
        _ = try run(statements, Scope(parent: globals, variables))
        return output
    }

    // MARK: Statements

    private func run(_ statements: [Statement], _ scope: Scope) throws -> Flow {
        for statement in statements {
            switch statement {
            case .text(let text):
                output += text
            case .output(let expression):
                output += try evaluate(expression, scope).output
            case .conditional(let branches, let otherwise):
                let chosen = try branches.first { try evaluate($0.condition, scope).isTruthy }?.body ?? otherwise
                let flow = try run(chosen, scope)
                if flow != .normal { return flow }
            case .loop(let loop):
                try runLoop(loop, scope)
            case .assign(let target, let value):
                let result = try evaluate(value, scope)
                switch target {
                case .name(let name):
                    scope.set(name, result)
                case .attribute(let object, let attribute, let offset):
                    guard case .namespace(let namespace)? = scope.lookup(object) else {
                        throw source.error(.render, "'\(object)' is not a namespace: only a namespace() takes attribute assignments", at: offset)
                    }
                    namespace.attributes[attribute] = result
                }
            case .macro(let macro):
                scope.set(macro.name, .callable(makeMacro(macro, scope)))
            case .loopControl(let breaks, _):
                return breaks ? .breakLoop : .continueLoop
            case .generation(let body):
                let flow = try run(body, scope)
                if flow != .normal { return flow }
            }
        }
        return .normal
    }

    private func runLoop(_ loop: Loop, _ scope: Scope) throws {
        let iterable = try evaluate(loop.iterable, scope)
        var items: [TemplateValue]
        do {
            items = try Filters.items(iterable)
        } catch let failure as RenderFailure {
            throw source.error(.render, failure.message, at: loop.iterable.offset)
        }
        func bind(_ item: TemplateValue, into itemScope: Scope) throws {
            guard loop.targets.count > 1 else { return itemScope.set(loop.targets[0], item) }
            guard case .list(let parts) = item, parts.count == loop.targets.count else {
                throw source.error(.render, "cannot unpack \(item.repr) into \(loop.targets.count) loop variables", at: loop.offset)
            }
            for (name, part) in zip(loop.targets, parts) { itemScope.set(name, part) }
        }
        if let filter = loop.filter {
            items = try items.filter { item in
                let itemScope = Scope(parent: scope)
                try bind(item, into: itemScope)
                return try evaluate(filter, itemScope).isTruthy
            }
        }
        guard !items.isEmpty else {
            _ = try run(loop.otherwise, scope)
            return
        }
        for (i, item) in items.enumerated() {
            let itemScope = Scope(parent: scope)
            try bind(item, into: itemScope)
            let count = items.count
            let loopVariable: TemplateValue = [
                "index": .int(i + 1), "index0": .int(i), "revindex": .int(count - i), "revindex0": .int(count - i - 1),
                "first": .bool(i == 0), "last": .bool(i == count - 1), "length": .int(count), "depth": 1, "depth0": 0,
                "previtem": i > 0 ? items[i - 1] : .undefined("'loop.previtem' is undefined on the first iteration"),
                "nextitem": i + 1 < count ? items[i + 1] : .undefined("'loop.nextitem' is undefined on the last iteration"),
                "cycle": .callable(TemplateCallable("cycle") { arguments in
                    guard !arguments.positional.isEmpty else { throw RenderFailure("loop.cycle() needs at least one value") }
                    return arguments.positional[i % arguments.positional.count]
                }),
            ]
            itemScope.set("loop", loopVariable)
            if try run(loop.body, itemScope) == .breakLoop { break }
        }
    }

    private func makeMacro(_ macro: Macro, _ definingScope: Scope) -> TemplateCallable {
        TemplateCallable(macro.name) { [unowned self] arguments in
            guard arguments.positional.count <= macro.parameters.count else {
                throw RenderFailure("macro '\(macro.name)' takes \(macro.parameters.count) arguments, got \(arguments.positional.count)")
            }
            let macroScope = Scope(parent: definingScope)
            var given: [String: TemplateValue] = [:]
            for (parameter, value) in zip(macro.parameters, arguments.positional) { given[parameter.name] = value }
            for (name, value) in arguments.keywords {
                guard macro.parameters.contains(where: { $0.name == name }) else { throw RenderFailure("macro '\(macro.name)' has no parameter '\(name)'") }
                given[name] = value
            }
            for parameter in macro.parameters {
                let value = try given[parameter.name] ?? parameter.defaultValue.map { try evaluate($0, macroScope) }
                macroScope.set(parameter.name, value ?? .undefined("'\(parameter.name)' was not given to macro '\(macro.name)'"))
            }
            guard macroDepth < Self.maximumMacroDepth else { throw RenderFailure("macros nested more than \(Self.maximumMacroDepth) deep") }
            macroDepth += 1
            let outer = output
            output = ""
            defer {
                output = outer
                macroDepth -= 1
            }
            _ = try run(macro.body, macroScope)
            return .string(output)
        }
    }

    // MARK: Expressions

    /// The value of an expression; a failure inside it is located at the expression.
    private func evaluate(_ expression: Expression, _ scope: Scope) throws -> TemplateValue {
        do {
            return try value(of: expression.node, scope)
        } catch let failure as RenderFailure {
            throw source.error(failure.raised ? .raised : .render, failure.message, at: expression.offset)
        }
    }

    private func value(of node: ExpressionNode, _ scope: Scope) throws -> TemplateValue {
        switch node {
        case .literal(let value):
            return value
        case .name(let name):
            return scope.lookup(name) ?? .undefined("'\(name)' is undefined")
        case .list(let items):
            return .list(try items.map { try evaluate($0, scope) })
        case .dict(let entries):
            var dictionary = TemplateDictionary()
            for entry in entries {
                guard case .string(let key) = try evaluate(entry.key, scope) else { throw RenderFailure("dictionary keys must be strings here") }
                dictionary[key] = try evaluate(entry.value, scope)
            }
            return .dict(dictionary)
        case .attribute(let base, let name):
            let object = try evaluate(base, scope)
            try TemplateOperators.requireDefined(object)
            // Jinja tries the attribute before the item: `message.items` is the method even
            // when the message has an "items" key.
            if let method = Filters.boundMethod(object, name) { return method }
            if case .dict(let d) = object { return d[name] ?? .undefined("'dict object' has no attribute '\(name)'") }
            return Filters.lookupItem(object, .string(name))
        case .item(let base, let key):
            let object = try evaluate(base, scope)
            try TemplateOperators.requireDefined(object)
            return Filters.lookupItem(object, try evaluate(key, scope))
        case .slice(let base, let start, let stop, let step):
            return try slice(try evaluate(base, scope), try start.map { try sliceBound($0, scope) } ?? nil,
                             try stop.map { try sliceBound($0, scope) } ?? nil, try step.map { try sliceBound($0, scope) } ?? nil)
        case .call(let callee, let syntax):
            let function = try evaluate(callee, scope)
            try TemplateOperators.requireDefined(function)
            guard case .callable(let callable) = function else { throw RenderFailure("'\(function.typeName)' object is not callable") }
            return try callable.call(try arguments(syntax, scope))
        case .filter(let base, let name, let syntax):
            let input = try evaluate(base, scope)
            guard let filter = Filters.filters[name] else { throw RenderFailure("no filter named '\(name)'") }
            return try filter.call(name, input, try arguments(syntax, scope))
        case .test(let base, let name, let syntax, let negated):
            let input = try evaluate(base, scope)
            guard let test = Filters.tests[name] else { throw RenderFailure("no test named '\(name)'") }
            let passed = try test.call(name, input, try arguments(syntax, scope)).isTruthy
            return .bool(passed != negated)
        case .not(let operand):
            return .bool(!(try evaluate(operand, scope).isTruthy))
        case .negate(let operand):
            let value = try evaluate(operand, scope)
            try TemplateOperators.requireDefined(value)
            if let i = value.integer {
                guard i != Int.min else { throw RenderFailure("integer overflow (PrefLab's integers are 64-bit)") }
                return .int(-i)
            }
            guard case .double(let d) = value else { throw RenderFailure("bad operand type for unary -: '\(value.typeName)'") }
            return .double(-d)
        case .logical(let isAnd, let left, let right):
            let first = try evaluate(left, scope)
            return first.isTruthy == isAnd ? try evaluate(right, scope) : first
        case .arithmetic(let op, let left, let right):
            return try TemplateOperators.arithmetic(op, try evaluate(left, scope), try evaluate(right, scope))
        case .comparison(let first, let chain):
            var left = try evaluate(first, scope)
            for (op, operand) in chain {
                let right = try evaluate(operand, scope)
                let holds: Bool
                switch op {
                case .equal: holds = TemplateOperators.equal(left, right)
                case .notEqual: holds = !TemplateOperators.equal(left, right)
                case .less: holds = try TemplateOperators.compare(left, right, symbol: "<") < 0
                case .lessOrEqual: holds = try TemplateOperators.compare(left, right, symbol: "<=") <= 0
                case .greater: holds = try TemplateOperators.compare(left, right, symbol: ">") > 0
                case .greaterOrEqual: holds = try TemplateOperators.compare(left, right, symbol: ">=") >= 0
                case .in: holds = try TemplateOperators.contains(right, left)
                case .notIn: holds = try !TemplateOperators.contains(right, left)
                }
                guard holds else { return .bool(false) }
                left = right
            }
            return .bool(true)
        case .conditional(let value, let condition, let otherwise):
            if try evaluate(condition, scope).isTruthy { return try evaluate(value, scope) }
            return try otherwise.map { try evaluate($0, scope) } ?? .undefined("the conditional expression has no else branch")
        }
    }

    private func arguments(_ syntax: CallSyntax, _ scope: Scope) throws -> TemplateArguments {
        TemplateArguments(positional: try syntax.positional.map { try evaluate($0, scope) },
                          keywords: try syntax.keywords.map { ($0.name, try evaluate($0.value, scope)) })
    }

    private func sliceBound(_ expression: Expression, _ scope: Scope) throws -> Int? {
        let value = try evaluate(expression, scope)
        if value.isNone { return nil }
        guard let i = value.integer else { throw RenderFailure("slice indices must be integers or None, got \(value.typeName)") }
        return i
    }

    /// Python's `sequence[start:stop:step]`.
    private func slice(_ value: TemplateValue, _ start: Int?, _ stop: Int?, _ step: Int?) throws -> TemplateValue {
        let step = step ?? 1
        guard step != 0 else { throw RenderFailure("slice step cannot be zero") }
        func indices(_ n: Int) -> [Int] {
            func clamp(_ i: Int, low: Int, high: Int) -> Int { i < 0 ? max(low, i + n) : min(i, high) }
            if step > 0 {
                let from = start.map { clamp($0, low: 0, high: n) } ?? 0, to = stop.map { clamp($0, low: 0, high: n) } ?? n
                return Array(stride(from: from, to: to, by: step))
            }
            let from = start.map { clamp($0, low: -1, high: n - 1) } ?? n - 1, to = stop.map { clamp($0, low: -1, high: n - 1) } ?? -1
            return Array(stride(from: from, to: to, by: step))
        }
        switch value {
        case .list(let items): return .list(indices(items.count).map { items[$0] })
        case .string(let s):
            let scalars = Array(s.unicodeScalars)
            return .string(String(String.UnicodeScalarView(indices(scalars.count).map { scalars[$0] })))
        default:
            try TemplateOperators.requireDefined(value)
            throw RenderFailure("'\(value.typeName)' object is not subscriptable")
        }
    }

    // MARK: Globals

    /// The functions transformers' environment adds: `raise_exception`, `namespace`, `dict`,
    /// `strftime_now`, and Jinja's `range`.
    private static let globals: [String: TemplateValue] = [
        "raise_exception": .callable(TemplateCallable("raise_exception") { arguments in
            let bound = try arguments.bind("raise_exception", ["message"])
            throw RenderFailure(try bound.required("message").output, raised: true)
        }),
        "namespace": .callable(TemplateCallable("namespace") { arguments in .namespace(TemplateNamespace(try keywordDictionary("namespace", arguments))) }),
        "dict": .callable(TemplateCallable("dict") { arguments in .dict(try keywordDictionary("dict", arguments)) }),
        "range": .callable(TemplateCallable("range") { arguments in
            let bounds = try arguments.positional.map { value in
                guard let i = value.integer else { throw RenderFailure("range() takes integers, got \(value.typeName)") }
                return i
            }
            guard (1...3).contains(bounds.count), arguments.keywords.isEmpty else { throw RenderFailure("range() takes 1 to 3 integers") }
            let (start, stop) = bounds.count == 1 ? (0, bounds[0]) : (bounds[0], bounds[1])
            let step = bounds.count == 3 ? bounds[2] : 1
            guard step != 0 else { throw RenderFailure("range() step must not be zero") }
            // In floating point, so extreme bounds cannot overflow the count.
            let count = ((Double(stop) - Double(start)) / Double(step)).rounded(.up)
            guard count <= Double(maximumRange) else { throw RenderFailure("range() is limited to \(maximumRange) items") }
            return .list(Array(stride(from: start, to: stop, by: step)).map(TemplateValue.int))
        }),
        "strftime_now": .callable(TemplateCallable("strftime_now") { arguments in
            let format = try arguments.bind("strftime_now", ["format"]).required("format").output
            var now = time(nil)
            var parts = tm()
            localtime_r(&now, &parts)
            var buffer = [Int8](repeating: 0, count: 256)
            let length = strftime(&buffer, buffer.count, format, &parts)
            return .string(String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }),
    ]

    /// `namespace(mapping, key=value, …)` and `dict(…)`: an optional dict, then keywords.
    private static func keywordDictionary(_ function: String, _ arguments: TemplateArguments) throws -> TemplateDictionary {
        var dictionary = TemplateDictionary()
        switch arguments.positional.count {
        case 0: break
        case 1:
            guard case .dict(let given) = arguments.positional[0] else { throw RenderFailure("\(function)() takes a dict or keyword arguments") }
            dictionary = given
        default: throw RenderFailure("\(function)() takes at most one positional argument")
        }
        for (name, value) in arguments.keywords { dictionary[name] = value }
        return dictionary
    }
}
