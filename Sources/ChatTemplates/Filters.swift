import Base
import Foundation

/// Arguments bound to a function's declared parameter names, as Python binds them: positional
/// ones in order, then keywords by name; a trailing `*name` parameter collects the rest.
struct TemplateArguments {
    let positional: [TemplateValue]
    let keywords: [(name: String, value: TemplateValue)]

    func bind(_ function: String, _ parameters: [String]) throws -> BoundArguments {
        var bound: [String: TemplateValue] = [:]
        var rest: [TemplateValue] = []
        let fixed = parameters.filter { !$0.hasPrefix("*") }
        for (i, value) in positional.enumerated() {
            if i < fixed.count {
                bound[fixed[i]] = value
            } else if parameters.last?.hasPrefix("*") == true {
                rest.append(value)
            } else {
                throw RenderFailure("\(function)() takes at most \(fixed.count) argument\(fixed.count == 1 ? "" : "s"), got \(positional.count)")
            }
        }
        for (name, value) in keywords {
            guard fixed.contains(name) else { throw RenderFailure("\(function)() has no parameter '\(name)'") }
            guard bound[name] == nil else { throw RenderFailure("\(function)() got two values for '\(name)'") }
            bound[name] = value
        }
        return BoundArguments(function: function, values: bound, rest: rest)
    }
}

struct BoundArguments {
    let function: String
    let values: [String: TemplateValue]
    let rest: [TemplateValue]

    subscript(_ name: String) -> TemplateValue? { values[name] }

    func string(_ name: String) throws -> String? {
        guard let value = values[name], !(value.isNone) else { return nil }
        guard case .string(let s) = value else { throw RenderFailure("\(function)(): '\(name)' must be a string, got \(value.typeName)") }
        return s
    }

    func int(_ name: String) throws -> Int? {
        guard let value = values[name], !(value.isNone) else { return nil }
        guard let i = value.integer else { throw RenderFailure("\(function)(): '\(name)' must be an integer, got \(value.typeName)") }
        return i
    }

    func required(_ name: String) throws -> TemplateValue {
        guard let value = values[name] else { throw RenderFailure("\(function)() is missing the argument '\(name)'") }
        return value
    }
}

extension TemplateValue {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}

/// A filter, test or method: its parameters after the value it applies to, and what it does.
struct TemplateFunction {
    let parameters: [String]
    let apply: (TemplateValue, BoundArguments) throws -> TemplateValue

    init(_ parameters: [String] = [], _ apply: @escaping (TemplateValue, BoundArguments) throws -> TemplateValue) {
        self.parameters = parameters
        self.apply = apply
    }

    func call(_ name: String, _ value: TemplateValue, _ arguments: TemplateArguments) throws -> TemplateValue {
        try apply(value, try arguments.bind(name, parameters))
    }
}

/// The filters, tests and methods chat templates use, with Jinja's and Python's behaviour.
enum Filters {
    /// Jinja's built-in filters that chat templates use, plus transformers' `tojson`.
    static let filters: [String: TemplateFunction] = [
        "length": TemplateFunction { value, _ in .int(try length(value)) },
        "count": TemplateFunction { value, _ in .int(try length(value)) },
        "trim": TemplateFunction(["chars"]) { value, a in .string(strip(value.output, try a.string("chars"), leading: true, trailing: true)) },
        "upper": TemplateFunction { value, _ in .string(value.output.uppercased()) },
        "lower": TemplateFunction { value, _ in .string(value.output.lowercased()) },
        "title": TemplateFunction { value, _ in .string(jinjaTitle(value.output)) },
        "capitalize": TemplateFunction { value, _ in .string(capitalize(value.output)) },
        "string": TemplateFunction { value, _ in .string(value.output) },
        "safe": TemplateFunction { value, _ in value },
        "default": TemplateFunction(["default_value", "boolean"], defaultValue),
        "d": TemplateFunction(["default_value", "boolean"], defaultValue),
        "first": TemplateFunction { value, _ in try items(value).first ?? .undefined("the sequence is empty: it has no first item") },
        "last": TemplateFunction { value, _ in try items(value).last ?? .undefined("the sequence is empty: it has no last item") },
        "list": TemplateFunction { value, _ in .list(try items(value)) },
        "reverse": TemplateFunction { value, _ in
            if case .string(let s) = value { return .string(String(s.reversed())) }
            return .list(try items(value).reversed())
        },
        "join": TemplateFunction(["d", "attribute"]) { value, a in
            var parts = try items(value)
            if let attribute = try a.string("attribute") { parts = parts.map { lookupItem($0, .string(attribute)) } }
            return .string(parts.map(\.output).joined(separator: try a.string("d") ?? ""))
        },
        "replace": TemplateFunction(["old", "new", "count"]) { value, a in
            .string(replace(value.output, try a.string("old") ?? "", try a.string("new") ?? "", count: try a.int("count")))
        },
        "items": TemplateFunction { value, _ in
            if value.isUndefined { return .list([]) }
            guard case .dict(let d) = value else { throw RenderFailure("items: expected a mapping, got \(value.typeName)") }
            return .list(d.entries.map { .list([.string($0.key), $0.value]) })
        },
        "tojson": TemplateFunction(["ensure_ascii", "indent", "separators", "sort_keys"]) { value, a in
            if let ascii = a["ensure_ascii"], ascii.isTruthy { throw RenderFailure("tojson: ensure_ascii=True is not supported") }
            var indent: String?
            switch a["indent"] {
            case .int(let n)?: indent = String(repeating: " ", count: max(0, n))
            case .string(let s)?: indent = s
            case nil, .none?: indent = nil
            case let other?: throw RenderFailure("tojson: indent must be an integer or a string, got \(other.typeName)")
            }
            var separators = (item: indent == nil ? ", " : ",", key: ": ")
            if let given = a["separators"], !given.isNone {
                guard case .list(let pair) = given, pair.count == 2, case .string(let item) = pair[0], case .string(let key) = pair[1] else {
                    throw RenderFailure("tojson: separators must be a pair of strings")
                }
                separators = (item, key)
            }
            return .string(try json(value, indent: indent, separators: separators, sortKeys: a["sort_keys"]?.isTruthy ?? false, level: 0))
        },
        "int": TemplateFunction(["default", "base"]) { value, a in
            switch value {
            case .int, .bool: return .int(value.integer!)
            case .double(let d) where d.isFinite && abs(d) < 9.2e18: return .int(Int(d))
            case .string(let s):
                let text = s.trimmingCharacters(in: .whitespacesAndNewlines)
                if let i = Int(text, radix: try a.int("base") ?? 10) { return .int(i) }
                if let d = Double(text), d.isFinite, abs(d) < 9.2e18 { return .int(Int(d)) }
                return a["default"] ?? .int(0)
            default: return a["default"] ?? .int(0)
            }
        },
        "float": TemplateFunction(["default"]) { value, a in
            if let d = value.number { return .double(d) }
            if case .string(let s) = value, let d = Double(s.trimmingCharacters(in: .whitespacesAndNewlines)) { return .double(d) }
            return a["default"] ?? .double(0)
        },
        "abs": TemplateFunction { value, _ in
            if let i = value.integer {
                guard i != Int.min else { throw RenderFailure("integer overflow (PrefLab's integers are 64-bit)") }
                return .int(abs(i))
            }
            guard let d = value.number else { throw RenderFailure("abs: bad operand type '\(value.typeName)'") }
            return .double(abs(d))
        },
        "selectattr": TemplateFunction(["attribute", "*test"]) { value, a in
            try selectAttribute(value, a, keep: true)
        },
        "rejectattr": TemplateFunction(["attribute", "*test"]) { value, a in
            try selectAttribute(value, a, keep: false)
        },
        "select": TemplateFunction(["*test"]) { value, a in
            .list(try items(value).filter { try passes($0, a.rest) })
        },
        "reject": TemplateFunction(["*test"]) { value, a in
            .list(try items(value).filter { try !passes($0, a.rest) })
        },
        "map": TemplateFunction(["*filter", "attribute", "default"]) { value, a in
            let list = try items(value)
            if let attribute = try a.string("attribute") {
                return .list(list.map { item in
                    let found = lookupItem(item, .string(attribute))
                    return found.isUndefined ? (a["default"] ?? found) : found
                })
            }
            guard case .string(let name)? = a.rest.first, let filter = filters[name] else {
                throw RenderFailure("map: give attribute=… or the name of a supported filter")
            }
            let arguments = TemplateArguments(positional: Array(a.rest.dropFirst()), keywords: [])
            return .list(try list.map { try filter.call(name, $0, arguments) })
        },
        "unique": TemplateFunction { value, _ in
            var seen: [TemplateValue] = []
            for item in try items(value) where !seen.contains(where: { TemplateOperators.equal($0, item) }) { seen.append(item) }
            return .list(seen)
        },
    ]

    /// Jinja's tests (`value is name`).
    static let tests: [String: TemplateFunction] = {
        func test(_ parameters: [String] = [], _ body: @escaping (TemplateValue, BoundArguments) throws -> Bool) -> TemplateFunction {
            TemplateFunction(parameters) { .bool(try body($0, $1)) }
        }
        func comparison(_ accept: @escaping (Int) -> Bool, _ symbol: String) -> TemplateFunction {
            test(["other"]) { value, a in accept(try TemplateOperators.compare(value, try a.required("other"), symbol: symbol)) }
        }
        let equal = test(["other"]) { value, a in TemplateOperators.equal(value, try a.required("other")) }
        let notEqual = test(["other"]) { value, a in !TemplateOperators.equal(value, try a.required("other")) }
        let less = comparison({ $0 < 0 }, "<"), lessOrEqual = comparison({ $0 <= 0 }, "<=")
        let greater = comparison({ $0 > 0 }, ">"), greaterOrEqual = comparison({ $0 >= 0 }, ">=")
        return [
            "defined": test { value, _ in !value.isUndefined },
            "undefined": test { value, _ in value.isUndefined },
            "none": test { value, _ in value.isNone },
            "boolean": test { value, _ in if case .bool = value { true } else { false } },
            "true": test { value, _ in if case .bool(true) = value { true } else { false } },
            "false": test { value, _ in if case .bool(false) = value { true } else { false } },
            "integer": test { value, _ in if case .int = value { true } else { false } },
            "float": test { value, _ in if case .double = value { true } else { false } },
            // Python counts bools as numbers.
            "number": test { value, _ in value.number != nil },
            "string": test { value, _ in if case .string = value { true } else { false } },
            "mapping": test { value, _ in if case .dict = value { true } else { false } },
            // Jinja's undefined value iterates as empty, so it passes these two.
            "iterable": test { value, _ in
                switch value { case .string, .list, .dict, .undefined: true; default: false }
            },
            "sequence": test { value, _ in
                switch value { case .string, .list, .dict, .undefined: true; default: false }
            },
            "callable": test { value, _ in if case .callable = value { true } else { false } },
            "odd": test { value, _ in try integerOperand(value, "odd") % 2 != 0 },
            "even": test { value, _ in try integerOperand(value, "even") % 2 == 0 },
            "divisibleby": test(["num"]) { value, a in
                let divisor = try integerOperand(try a.required("num"), "divisibleby")
                let dividend = try integerOperand(value, "divisibleby")
                return divisor != 0 && dividend % divisor == 0
            },
            "lower": test { value, _ in value.output == value.output.lowercased() && value.output != value.output.uppercased() },
            "upper": test { value, _ in value.output == value.output.uppercased() && value.output != value.output.lowercased() },
            "in": test(["seq"]) { value, a in try TemplateOperators.contains(try a.required("seq"), value) },
            "sameas": test(["other"]) { value, a in
                switch (value, try a.required("other")) {
                case (.none, .none): true
                case (.bool(let x), .bool(let y)): x == y
                case (.namespace(let x), .namespace(let y)): x === y
                default: false
                }
            },
            "eq": equal, "equalto": equal, "==": equal,
            "ne": notEqual, "!=": notEqual,
            "lt": less, "lessthan": less, "<": less, "le": lessOrEqual, "<=": lessOrEqual,
            "gt": greater, "greaterthan": greater, ">": greater, "ge": greaterOrEqual, ">=": greaterOrEqual,
        ]
    }()

    /// Python's string methods that chat templates call (`message.content.strip()`).
    static let stringMethods: [String: TemplateFunction] = [
        "strip": TemplateFunction(["chars"]) { value, a in .string(strip(value.output, try a.string("chars"), leading: true, trailing: true)) },
        "lstrip": TemplateFunction(["chars"]) { value, a in .string(strip(value.output, try a.string("chars"), leading: true, trailing: false)) },
        "rstrip": TemplateFunction(["chars"]) { value, a in .string(strip(value.output, try a.string("chars"), leading: false, trailing: true)) },
        "upper": TemplateFunction { value, _ in .string(value.output.uppercased()) },
        "lower": TemplateFunction { value, _ in .string(value.output.lowercased()) },
        "title": TemplateFunction { value, _ in .string(pythonTitle(value.output)) },
        "capitalize": TemplateFunction { value, _ in .string(capitalize(value.output)) },
        "split": TemplateFunction(["sep", "maxsplit"]) { value, a in
            .list(try split(value.output, try a.string("sep"), maxSplit: try a.int("maxsplit") ?? -1).map(TemplateValue.string))
        },
        "splitlines": TemplateFunction { value, _ in
            .list(value.output.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { .string(String($0)) }.dropLast(value.output.last?.isNewline == true ? 1 : 0))
        },
        "startswith": TemplateFunction(["prefix"]) { value, a in
            .bool(value.output.unicodeScalars.starts(with: try affix(try a.required("prefix"), "startswith").unicodeScalars))
        },
        "endswith": TemplateFunction(["suffix"]) { value, a in
            .bool(value.output.unicodeScalars.reversed().starts(with: try affix(try a.required("suffix"), "endswith").unicodeScalars.reversed()))
        },
        "replace": TemplateFunction(["old", "new", "count"]) { value, a in
            .string(replace(value.output, try a.string("old") ?? "", try a.string("new") ?? "", count: try a.int("count")))
        },
        "find": TemplateFunction(["sub"]) { value, a in
            let text = Array(value.output.unicodeScalars), part = Array((try a.string("sub") ?? "").unicodeScalars)
            guard part.count <= text.count else { return .int(-1) }
            return .int((0...(text.count - part.count)).first { Array(text[$0..<$0 + part.count]) == part } ?? -1)
        },
        "count": TemplateFunction(["sub"]) { value, a in
            let part = try a.string("sub") ?? ""
            return .int(part.isEmpty ? value.output.unicodeScalars.count + 1 : value.output.components(separatedBy: part).count - 1)
        },
        "join": TemplateFunction(["iterable"]) { value, a in
            .string(try items(try a.required("iterable")).map { item in
                guard case .string(let s) = item else { throw RenderFailure("join: sequence item: expected str, got \(item.typeName)") }
                return s
            }.joined(separator: value.output))
        },
        "isdigit": TemplateFunction { value, _ in .bool(!value.output.isEmpty && value.output.allSatisfy(\.isNumber)) },
        "isspace": TemplateFunction { value, _ in .bool(!value.output.isEmpty && value.output.allSatisfy(\.isWhitespace)) },
    ]

    /// Python's dict methods.
    static let dictMethods: [String: TemplateFunction] = [
        "items": TemplateFunction { value, _ in .list(dictionary(value).entries.map { .list([.string($0.key), $0.value]) }) },
        "keys": TemplateFunction { value, _ in .list(dictionary(value).keys.map(TemplateValue.string)) },
        "values": TemplateFunction { value, _ in .list(dictionary(value).entries.map(\.value)) },
        "get": TemplateFunction(["key", "default"]) { value, a in
            guard case .string(let key) = try a.required("key") else { return a["default"] ?? .none }
            return dictionary(value)[key] ?? a["default"] ?? .none
        },
    ]

    // MARK: Helpers

    private static func dictionary(_ value: TemplateValue) -> TemplateDictionary {
        if case .dict(let d) = value { return d }
        return TemplateDictionary()
    }

    private static func defaultValue(_ value: TemplateValue, _ a: BoundArguments) throws -> TemplateValue {
        let fallback = a["default_value"] ?? .string("")
        if value.isUndefined { return fallback }
        if a["boolean"]?.isTruthy == true, !value.isTruthy { return fallback }
        return value
    }

    static func length(_ value: TemplateValue) throws -> Int {
        switch value {
        case .undefined: 0
        case .string(let s): s.unicodeScalars.count
        case .list(let items): items.count
        case .dict(let d): d.keys.count
        default: throw RenderFailure("object of type '\(value.typeName)' has no len()")
        }
    }

    /// What iterating over a value yields: a list's items, a dict's keys, a string's characters.
    static func items(_ value: TemplateValue) throws -> [TemplateValue] {
        switch value {
        case .undefined: []
        case .list(let items): items
        case .dict(let d): d.keys.map(TemplateValue.string)
        case .string(let s): s.unicodeScalars.map { .string(String($0)) }
        default: throw RenderFailure("'\(value.typeName)' object is not iterable")
        }
    }

    /// Jinja's item lookup: `value[key]`, falling back to the attribute of that name.
    static func lookupItem(_ value: TemplateValue, _ key: TemplateValue) -> TemplateValue {
        switch (value, key) {
        case (.dict(let d), .string(let k)):
            if let found = d[k] { return found }
        case (.list(let items), _):
            if let i = key.integer, let found = items[safe: i < 0 ? items.count + i : i] { return found }
        case (.string(let s), _):
            let scalars = Array(s.unicodeScalars)
            if let i = key.integer, let found = scalars[safe: i < 0 ? scalars.count + i : i] { return .string(String(found)) }
        case (.namespace(let n), .string(let k)):
            if let found = n.attributes[k] { return found }
        default: break
        }
        if case .string(let name) = key, let method = boundMethod(value, name) { return method }
        return .undefined("'\(value.typeName) object' has no attribute or item \(key.repr)")
    }

    /// A method bound to its value, such as `text.strip` or `message.items`.
    static func boundMethod(_ value: TemplateValue, _ name: String) -> TemplateValue? {
        let table: [String: TemplateFunction]
        switch value {
        case .string: table = stringMethods
        case .dict: table = dictMethods
        default: return nil
        }
        guard let method = table[name] else { return nil }
        return .callable(TemplateCallable(name) { try method.call(name, value, $0) })
    }

    private static func selectAttribute(_ value: TemplateValue, _ a: BoundArguments, keep: Bool) throws -> TemplateValue {
        guard let attribute = try a.string("attribute") else { throw RenderFailure("\(a.function): give the attribute to test") }
        return .list(try items(value).filter { item in
            var found = item
            for part in attribute.split(separator: ".") { found = lookupItem(found, .string(String(part))) }
            return try passes(found, a.rest) == keep
        })
    }

    /// Whether a value passes a test named by the first of `test` (truthiness when none is named).
    private static func passes(_ value: TemplateValue, _ test: [TemplateValue]) throws -> Bool {
        guard case .string(let name)? = test.first else {
            if test.isEmpty { return value.isTruthy }
            throw RenderFailure("the test must be given by name")
        }
        guard let function = tests[name] else { throw RenderFailure("no test named '\(name)'") }
        return try function.call(name, value, TemplateArguments(positional: Array(test.dropFirst()), keywords: [])).isTruthy
    }

    private static func integerOperand(_ value: TemplateValue, _ test: String) throws -> Int {
        guard let i = value.integer else { throw RenderFailure("the test '\(test)' needs an integer, got \(value.typeName)") }
        return i
    }

    /// The prefix or suffix to look for; Python's tuples of them are not supported.
    private static func affix(_ value: TemplateValue, _ method: String) throws -> String {
        guard case .string(let s) = value else { throw RenderFailure("\(method) first arg must be str, not \(value.typeName)") }
        return s
    }

    /// Python's `str.strip(chars)`: whitespace when `chars` is None.
    static func strip(_ text: String, _ chars: String?, leading: Bool, trailing: Bool) -> String {
        let remove: (Unicode.Scalar) -> Bool = chars.map { set in { set.unicodeScalars.contains($0) } } ?? { $0.properties.isWhitespace }
        var scalars = Substring(text).unicodeScalars[...]
        if leading { scalars = scalars.drop(while: remove) }
        if trailing { while let last = scalars.last, remove(last) { scalars = scalars.dropLast() } }
        return String(String.UnicodeScalarView(scalars))
    }

    /// Python's `str.split`: on runs of whitespace (dropping empty pieces) when `sep` is None.
    private static func split(_ text: String, _ separator: String?, maxSplit: Int) throws -> [String] {
        guard let separator else {
            var pieces: [String] = []
            var rest = Substring(text).unicodeScalars.drop(while: { $0.properties.isWhitespace })
            while !rest.isEmpty {
                if maxSplit >= 0, pieces.count == maxSplit {
                    var tail = rest
                    while let last = tail.last, last.properties.isWhitespace { tail = tail.dropLast() }
                    pieces.append(String(String.UnicodeScalarView(tail)))
                    break
                }
                let word = rest.prefix(while: { !$0.properties.isWhitespace })
                pieces.append(String(String.UnicodeScalarView(word)))
                rest = rest.dropFirst(word.count).drop(while: { $0.properties.isWhitespace })
            }
            return pieces
        }
        guard !separator.isEmpty else { throw RenderFailure("split: empty separator") }
        var pieces = text.components(separatedBy: separator)
        if maxSplit >= 0, pieces.count > maxSplit + 1 {
            pieces = Array(pieces[..<maxSplit]) + [pieces[maxSplit...].joined(separator: separator)]
        }
        return pieces
    }

    private static func replace(_ text: String, _ old: String, _ new: String, count: Int?) -> String {
        guard let count, count >= 0 else { return old.isEmpty ? text : text.replacingOccurrences(of: old, with: new) }
        guard !old.isEmpty else { return text }
        var pieces = text.components(separatedBy: old)
        guard pieces.count > count + 1 else { return pieces.joined(separator: new) }
        let head = pieces[...count].joined(separator: new)
        pieces = Array(pieces[(count + 1)...])
        return ([head] + pieces).joined(separator: old)
    }

    private static func capitalize(_ text: String) -> String {
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst().lowercased()
    }

    /// Python's `str.title`: a letter after a letter is lowered, any other letter raised.
    private static func pythonTitle(_ text: String) -> String {
        var out = "", previousCased = false
        for c in text {
            let cased = c.isUppercase || c.isLowercase
            out += cased ? (previousCased ? c.lowercased() : c.uppercased()) : String(c)
            previousCased = cased
        }
        return out
    }

    /// Jinja's `title` filter: each word after whitespace, `-` or an opening bracket gets its
    /// first character raised and the rest lowered.
    private static func jinjaTitle(_ text: String) -> String {
        var out = "", wordStart = true
        for c in text {
            let boundary = c.isWhitespace || "-([{<".contains(c)
            out += boundary ? String(c) : (wordStart ? c.uppercased() : c.lowercased())
            wordStart = boundary
        }
        return out
    }

    /// Python's `json.dumps` with `ensure_ascii=False`, as transformers' `tojson` filter calls it.
    static func json(_ value: TemplateValue, indent: String?, separators: (item: String, key: String), sortKeys: Bool, level: Int) throws -> String {
        func layout(_ parts: [String], _ open: String, _ close: String) -> String {
            guard !parts.isEmpty else { return open + close }
            guard let indent else { return open + parts.joined(separator: separators.item) + close }
            let inner = "\n" + String(repeating: indent, count: level + 1)
            let outer = "\n" + String(repeating: indent, count: level)
            return open + inner + parts.joined(separator: separators.item + inner) + outer + close
        }
        switch value {
        case .none: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d.isNaN ? "NaN" : d.isInfinite ? (d < 0 ? "-Infinity" : "Infinity") : pythonFloat(d)
        case .string(let s): return jsonQuoted(s)
        case .list(let items):
            return layout(try items.map { try json($0, indent: indent, separators: separators, sortKeys: sortKeys, level: level + 1) }, "[", "]")
        case .dict(let d):
            var entries = d.entries
            if sortKeys { entries.sort { $0.key.unicodeScalars.map(\.value).lexicographicallyPrecedes($1.key.unicodeScalars.map(\.value)) } }
            return layout(try entries.map {
                jsonQuoted($0.key) + separators.key + (try json($0.value, indent: indent, separators: separators, sortKeys: sortKeys, level: level + 1))
            }, "{", "}")
        case .undefined(let what): throw RenderFailure("tojson: \(what)")
        case .namespace, .callable: throw RenderFailure("tojson: Object of type \(value.typeName) is not JSON serializable")
        }
    }

}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
