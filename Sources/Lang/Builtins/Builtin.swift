import Base
import Foundation
import OrderedCollections
import Tensor

/// A function provided by PrefLab, with the signature, documentation and example `help` shows.
public final class Builtin {
    public let name: String
    let parameters: [BuiltinParameter]
    /// Groups builtins in `help()`.
    public let topic: String
    public let doc: String
    /// A line of PrefLab code; the documentation test runs every example.
    public let example: String
    /// Whether the name reads as changing its first argument in place (`append`, `sort`): the
    /// builtin returns a changed copy, as values are never changed in place, so method syntax
    /// (`xs.append(3)`), which would seem to change `xs`, is refused with the way to write it.
    let changesCopy: Bool
    let body: (Arguments) throws -> Value

    /// - Parameter signature: `name(a, b = default, *rest)`; defaults are literals
    ///   (numbers, strings, true, false, nil).
    init(_ signature: String, topic: String, changesCopy: Bool = false, doc: String, example: String, _ body: @escaping (Arguments) throws -> Value) {
        let open = signature.firstIndex(of: "(") ?? signature.endIndex
        name = String(signature[..<open])
        let inside = signature[open...].dropFirst().dropLast()
        parameters = inside.split(separator: ",").map { BuiltinParameter(String($0).trimmingCharacters(in: .whitespaces)) }
        self.topic = topic
        self.doc = doc
        self.example = example
        self.changesCopy = changesCopy
        self.body = body
    }

    public var signature: String {
        "\(name)(" + parameters.map(\.written).joined(separator: ", ") + ")"
    }

    /// How an argument error points to the parameters: the signature when it fits on a line,
    /// else `help` (pref_train's forty options would bury the one mistake).
    var usage: String {
        signature.count <= 100 ? "usage: \(signature)" : "help(\"\(name)\") lists its parameters"
    }

    /// Binds call-site arguments to parameters by position, keyword and default, then runs.
    func invoke(_ arguments: CallArguments, _ rt: Runtime, _ node: Node) throws -> Value {
        var bound = [Value?](repeating: nil, count: parameters.count)
        var rest: [Value] = []
        for (i, value) in arguments.positional.enumerated() {
            if i < parameters.count, !parameters[i].variadic {
                bound[i] = value
            } else if let last = parameters.last, last.variadic {
                rest.append(value)
            } else {
                throw BuiltinError("takes at most \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), got \(arguments.positional.count); \(usage)")
            }
        }
        for (label, value) in arguments.keywords {
            guard let i = parameters.firstIndex(where: { $0.name == label && !$0.variadic }) else {
                let suggestion = didYouMean(label, in: parameters.filter { !$0.variadic }.map(\.name))
                throw BuiltinError("has no parameter '\(label)'" + (suggestion.isEmpty ? "; \(usage)" : suggestion))
            }
            guard bound[i] == nil else { throw BuiltinError("got two values for '\(label)'") }
            bound[i] = value
        }
        var values: [Value] = []
        values.reserveCapacity(parameters.count)
        for (i, parameter) in parameters.enumerated() {
            if parameter.variadic {
                values.append(.list(rest))
            } else if let value = bound[i] ?? parameter.defaultValue {
                values.append(value)
            } else {
                throw BuiltinError("is missing argument '\(parameter.name)'; \(usage)")
            }
        }
        return try body(Arguments(values: values, builtin: self, runtime: rt, node: node))
    }
}

struct BuiltinParameter {
    let name: String
    let defaultValue: Value?
    let variadic: Bool
    let written: String

    init(_ text: String) {
        written = text
        variadic = text.hasPrefix("*")
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        name = parts[0].trimmingCharacters(in: CharacterSet(charactersIn: "*"))
        guard parts.count > 1 else {
            defaultValue = nil
            return
        }
        switch parts[1] {
        case "nil": defaultValue = .nil
        case "true": defaultValue = .bool(true)
        case "false": defaultValue = .bool(false)
        case let literal where literal.hasPrefix("\""): defaultValue = .string(String(literal.dropFirst().dropLast()))
        case let literal: defaultValue = Double(literal).map(Value.number) ?? .nil
        }
    }
}

/// A misuse of a builtin's arguments; the call site adds the builtin's name and location.
struct BuiltinError: Error {
    let message: String
    /// Whether the message is shown after the builtin's name (`sum: …`); `error()` shows it alone.
    let namesBuiltin: Bool
    init(_ message: String, namesBuiltin: Bool = true) {
        self.message = message
        self.namesBuiltin = namesBuiltin
    }
}

/// The bound arguments of one builtin call, read by parameter name, with conversions that
/// explain what went wrong.
struct Arguments {
    let values: [Value]
    let builtin: Builtin
    let runtime: Runtime
    let node: Node

    /// The argument bound to the parameter called `name`; a name the signature lacks is the
    /// builtin's own mistake, reported rather than read from another argument.
    subscript(_ name: String) -> Value {
        get throws {
            guard let i = builtin.parameters.firstIndex(where: { $0.name == name }) else {
                throw BuiltinError("reads a parameter '\(name)' its signature does not have; usage: \(builtin.signature)")
            }
            return values[i]
        }
    }

    func isNil(_ name: String) throws -> Bool {
        if case .nil = try self[name] { return true }
        return false
    }

    func number(_ name: String) throws -> Double {
        let value = try self[name]
        guard let x = value.asNumber else { throw BuiltinError("argument '\(name)' must be a number, got a \(value.typeName)") }
        return x
    }

    func int(_ name: String) throws -> Int {
        let x = try number(name)
        guard let whole = Int(exactly: x) else { throw BuiltinError("argument '\(name)' must be a whole number, got \(format(x))") }
        return whole
    }

    func optionalInt(_ name: String) throws -> Int? { try isNil(name) ? nil : try int(name) }

    func bool(_ name: String) throws -> Bool {
        guard case .bool(let b) = try self[name] else { throw BuiltinError("argument '\(name)' must be true or false, got a \(try self[name].typeName)") }
        return b
    }

    func string(_ name: String) throws -> String {
        guard case .string(let s) = try self[name] else { throw BuiltinError("argument '\(name)' must be a string, got a \(try self[name].typeName)") }
        return s
    }

    /// A file or folder path: a non-empty string, with `~` expanded to the home folder.
    func path(_ name: String) throws -> String {
        let text = try string(name)
        guard !text.isEmpty else { throw BuiltinError("argument '\(name)' is an empty path; give a file or folder path") }
        return UserPath.expanded(text)
    }

    func record(_ name: String) throws -> OrderedDictionary<String, Value> {
        guard case .record(let fields) = try self[name] else { throw BuiltinError("argument '\(name)' must be a record, got a \(try self[name].typeName)") }
        return fields
    }

    /// A number, or a string that reads as one ("3", "-2.5", "1e-5", "inf"; spaces around are
    /// ignored): how `args` become figures.
    func numberText(_ name: String) throws -> Double {
        let value = try self[name]
        if case .string(let text) = value {
            guard let x = Double(text.trimmingCharacters(in: .whitespaces)) else {
                throw BuiltinError("\(quote(text)) is not a number; write digits such as \"3\", \"3.5\" or \"1e-5\"")
            }
            return x
        }
        guard let x = value.asNumber else { throw BuiltinError("argument '\(name)' must be a number or a string of one, got a \(value.typeName)") }
        return x
    }

    func list(_ name: String) throws -> [Value] {
        guard case .list(let items) = try self[name] else { throw BuiltinError("argument '\(name)' must be a list, got a \(try self[name].typeName)") }
        return items
    }

    /// A shape: a list of whole numbers, or a single whole number for one axis.
    func shape(_ name: String) throws -> [Int] {
        let value = try self[name]
        switch value {
        case .number: return [try int(name)]
        case .list(let items):
            return try items.map { item in
                guard case .number(let x) = item, let extent = Int(exactly: x) else {
                    throw BuiltinError("argument '\(name)' must be a shape (a list of whole numbers), got \(repr(value))")
                }
                return extent
            }
        case .tensor(let t) where t.rank <= 1:
            return try t.scalars.map { x in
                guard let extent = Int(exactly: x) else { throw BuiltinError("argument '\(name)' must hold whole numbers") }
                return extent
            }
        case let other: throw BuiltinError("argument '\(name)' must be a shape (a list of whole numbers), got a \(other.typeName)")
        }
    }

    /// A tensor; numbers and nested lists of numbers convert, as NumPy's functions accept them.
    func tensor(_ name: String) throws -> Tensor {
        do {
            return try self[name].asTensor()
        } catch let error as ConversionError {
            throw BuiltinError("argument '\(name)' \(error.message)")
        }
    }

    func function(_ name: String) throws -> Value {
        let value = try self[name]
        switch value {
        case .function, .builtin: return value
        case let other: throw BuiltinError("argument '\(name)' must be a function, got a \(other.typeName)")
        }
    }

    /// After a long builtin stopped early: when only another rank was signalled (ranks agree to
    /// stop together), this one ends its entry as if the launcher's SIGTERM had reached it too, or
    /// it would run on into a collective the others never join, and exit 0 while they exit 143.
    func stopWithTheOtherRanks() {
        if !runtime.interrupt.isSet { raise(SIGTERM) }
    }

    /// Calls a language function with positional arguments.
    func call(_ function: Value, _ positional: [Value]) throws -> Value {
        try runtime.call(function, CallArguments(positional: positional, keywords: []), at: node)
    }
}

struct ConversionError: Error {
    let message: String
}

extension Value {
    /// This value where a number is wanted: a number, a bool as 1 or 0, or a one-element tensor's element.
    var asNumber: Double? {
        switch self {
        case .number(let x): return x
        case .bool(let b): return b ? 1 : 0
        case .tensor(let t) where t.count == 1: return (try? t.item()).map(Double.init)
        default: return nil
        }
    }

    /// This value as a tensor: tensors as they are, numbers as scalars, nested lists as arrays.
    func asTensor() throws -> Tensor {
        switch self {
        case .tensor(let t): return t
        case .number(let x): return Tensor(Float(x))
        case .bool(let b): return Tensor(b ? 1 : 0)
        case .list: return try nestedListTensor()
        default: throw ConversionError(message: "must be a tensor, a number or a list of numbers, got a \(typeName)")
        }
    }

    /// A rectangular nested list as a tensor, flattened straight into the tensor's buffer (lists
    /// share their items, so a few lines can describe billions of numbers; no tree is built).
    private func nestedListTensor() throws -> Tensor {
        do {
            return try Tensor(nestedTree: self, items: { value in
                if case .list(let items) = value { return items } else { return nil }
            }, scalar: { value in
                switch value {
                case .number(let x): return Float(x)
                case .bool(let b): return b ? 1 : 0
                case .tensor(let t) where t.rank == 0: return try t.item()
                default: throw ConversionError(message: "must hold only numbers, found a \(value.typeName)")
                }
            })
        } catch let error as TensorError {
            throw ConversionError(message: "cannot become a tensor: \(error.message)")
        }
    }
}
