import Foundation
import OrderedCollections
import Tensor

/// A number as PrefLab prints it: whole numbers without a fraction, others in their shortest form.
func format(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x < 0 ? "-inf" : "inf" }
    if x == x.rounded(), Swift.abs(x) < 1e16 { return String(Int(x)) }
    return x.description
}

/// How a value reads inside other values and at the REPL: strings quoted, and a string longer
/// than a tensor's print threshold as its two ends and its length.
func repr(_ value: Value) -> String {
    switch value {
    case .string(let s):
        guard s.count > Tensor.printThreshold else { return quote(s) }
        return "\(quote(String(s.prefix(stringEdgeCharacters)))) ... \(quote(String(s.suffix(stringEdgeCharacters)))) (\(s.count) characters)"
    default: return display(value)
    }
}

/// How many characters of each end a summarised string shows: a line or two of text, enough to
/// recognise it.
private let stringEdgeCharacters = 100

/// A list longer than a tensor's print threshold shows its first and last items, as a tensor
/// does, and its length.
private func listText(_ items: [Value]) -> String {
    guard items.count > Tensor.printThreshold else { return "[" + items.map(nestedRepr).joined(separator: ", ") + "]" }
    let edges = items.prefix(Tensor.printEdgeItems).map(nestedRepr) + ["..."] + items.suffix(Tensor.printEdgeItems).map(nestedRepr)
    return "[" + edges.joined(separator: ", ") + "] (\(items.count) items)"
}

/// Inside a list or record a tensor shows as `tensor([…])`, without the shape footer.
private func nestedRepr(_ value: Value) -> String {
    if case .tensor(let t) = value { return inlineTensor(t) }
    return repr(value)
}

/// How a value reads inside text (an f-string's field): as `print` shows it, but a tensor as
/// inside a list, without the shape footer.
func inlineDisplay(_ value: Value) -> String {
    if case .tensor(let t) = value { return inlineTensor(t) }
    return display(value)
}

private func inlineTensor(_ t: Tensor) -> String { "tensor(" + t.formattedValues() + ")" }

/// How `print` shows a value: strings as they are (whole, however long), everything else as `repr`.
func display(_ value: Value) -> String {
    switch value {
    case .number(let x): return format(x)
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return s
    case .nil: return "nil"
    case .list(let items): return listText(items)
    case .record(let fields):
        if fields.isEmpty { return "{}" }
        return "{" + fields.map { "\(fieldName($0.key)): \(nestedRepr($0.value))" }.joined(separator: ", ") + "}"
    case .tensor(let t): return t.description
    case .function(let closure): return "<fn \(closure.function.signature)>"
    case .builtin(let builtin): return "<builtin \(builtin.signature)>"
    case .handle(let handle): return handle.summary
    }
}

private func fieldName(_ key: String) -> String {
    let scalars = Array(key.unicodeScalars)
    let plain = !scalars.isEmpty && Lexer.isIdentifierStart(scalars[0]) && scalars.allSatisfy(Lexer.isIdentifierContinue)
        && Keyword(rawValue: key) == nil
    return plain ? key : quote(key)
}

/// A string literal that reads back as `s`.
func quote(_ s: String) -> String { escaped(s, control: { _ in nil }) }

/// `s` in double quotes with `\n \t \r \" \\` escaped; `control` may spell other control characters.
private func escaped(_ s: String, control: (Unicode.Scalar) -> String?) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        switch c {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if c.value < 0x20, let spelled = control(c) { out += spelled } else { out.unicodeScalars.append(c) }
        }
    }
    return out + "\""
}

/// The value as JSON, the stable form external tools read from `preflab --json`:
/// numbers (non-finite ones as null), strings, booleans, null, lists, records as objects,
/// tensors as `{"shape": [...], "data": [...]}` with data flat and row-major.
public func json(_ value: Value) -> String {
    switch value {
    case .number(let x): return jsonNumber(x)
    case .bool(let b): return b ? "true" : "false"
    case .string(let s): return jsonString(s)
    case .nil: return "null"
    case .list(let items): return "[" + items.map(json).joined(separator: ", ") + "]"
    case .record(let fields):
        return "{" + fields.map { "\(jsonString($0.key)): \(json($0.value))" }.joined(separator: ", ") + "}"
    case .tensor(let t):
        let shape = t.shape.map(String.init).joined(separator: ", ")
        let data = t.scalars.map(jsonFloat).joined(separator: ", ")
        return "{\"shape\": [\(shape)], \"data\": [\(data)]}"
    case .function, .builtin, .handle: return jsonString(display(value))
    }
}

private func jsonNumber(_ x: Double) -> String {
    guard x.isFinite else { return "null" }
    if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int(x)) }
    return x.description
}

/// Float32 elements in their shortest Float form, so 0.1 stays 0.1 rather than 0.10000000149.
private func jsonFloat(_ x: Float) -> String {
    guard x.isFinite else { return "null" }
    if x == x.rounded(), Swift.abs(x) < 1e15 { return String(Int(x)) }
    return x.description
}

private func jsonString(_ s: String) -> String {
    escaped(s, control: { String(format: "\\u%04x", $0.value) })
}
