import Foundation

/// A value inside a template, with Python's types as Jinja sees them: integers and floats apart,
/// `None`, ordered string-keyed dictionaries, and Jinja's undefined value.
public enum TemplateValue {
    /// A name or attribute that does not exist; it prints as nothing and is false, and any other
    /// use is an error naming what was missing.
    case undefined(String)
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([TemplateValue])
    case dict(TemplateDictionary)
    /// `namespace(…)`: the one mutable object, shared by reference so loops can update it.
    case namespace(TemplateNamespace)
    case callable(TemplateCallable)

    /// Python's truthiness.
    var isTruthy: Bool {
        switch self {
        case .undefined, .none: false
        case .bool(let b): b
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .string(let s): !s.isEmpty
        case .list(let items): !items.isEmpty
        case .dict(let d): !d.keys.isEmpty
        case .namespace, .callable: true
        }
    }

    /// The Python type name errors use.
    var typeName: String {
        switch self {
        case .undefined: "undefined"
        case .none: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .list: "list"
        case .dict: "dict"
        case .namespace: "Namespace"
        case .callable: "function"
        }
    }

    var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    /// A number as Python would compute with it; bools count as 0 and 1.
    var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    var integer: Int? {
        switch self {
        case .int(let i): i
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }

    /// What `{{ value }}` prints: Python's `str()`, with undefined printing nothing.
    var output: String {
        switch self {
        case .undefined: ""
        case .string(let s): s
        default: repr
        }
    }

    /// Python's `repr()`: how a value prints inside a list or dict.
    var repr: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case .bool(let b): b ? "True" : "False"
        case .int(let i): String(i)
        case .double(let d): pythonFloat(d)
        case .string(let s): pythonStringRepr(s)
        case .list(let items): "[" + items.map(\.repr).joined(separator: ", ") + "]"
        case .dict(let d): "{" + d.entries.map { pythonStringRepr($0.key) + ": " + $0.value.repr }.joined(separator: ", ") + "}"
        case .namespace(let n): "<Namespace " + TemplateValue.dict(n.attributes).repr + ">"
        case .callable(let c): "<function \(c.name)>"
        }
    }
}

/// A Python dict with string keys, in insertion order.
public struct TemplateDictionary {
    public private(set) var keys: [String] = []
    private var values: [String: TemplateValue] = [:]

    public init(_ entries: [(String, TemplateValue)] = []) {
        for (key, value) in entries { self[key] = value }
    }

    public subscript(key: String) -> TemplateValue? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }

    var entries: [(key: String, value: TemplateValue)] {
        keys.map { ($0, values[$0]!) }
    }
}

public final class TemplateNamespace {
    var attributes: TemplateDictionary
    init(_ attributes: TemplateDictionary) { self.attributes = attributes }
}

/// A function a template can call: a global such as `raise_exception`, a macro, or a method
/// bound to its value (`text.strip`).
public final class TemplateCallable {
    let name: String
    let call: (TemplateArguments) throws -> TemplateValue
    init(_ name: String, _ call: @escaping (TemplateArguments) throws -> TemplateValue) {
        self.name = name
        self.call = call
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, TemplateValue)...) { self = .dict(TemplateDictionary(elements)) }
    public init(nilLiteral: ()) { self = .none }
}

/// Python's `repr(float)`: the shortest text that reads back the same number, in exponent form
/// below 1e-4 and from 1e16 on.
func pythonFloat(_ d: Double) -> String {
    if d.isNaN { return "nan" }
    if d.isInfinite { return d < 0 ? "-inf" : "inf" }
    if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
    let magnitude = abs(d)
    return magnitude >= 1e-4 && magnitude < 1e16 ? positionalForm(d) : exponentForm(d)
}

/// Shortest round-trip digits and decimal exponent of a finite, non-zero double (Swift's
/// description gives the same digits as Python's repr; only the layout differs).
private func digitsAndExponent(_ d: Double) -> (negative: Bool, digits: String, exponent: Int) {
    let text = "\(abs(d))"
    var mantissa = text
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = String(text[..<e])
        exponent = Int(text[text.index(after: e)...]) ?? 0
    }
    let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
    let whole = String(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
    var digits = whole + fraction
    var pointAfter = whole.count + exponent
    while digits.hasPrefix("0"), digits.count > 1 {
        digits.removeFirst()
        pointAfter -= 1
    }
    while digits.hasSuffix("0"), digits.count > 1 { digits.removeLast() }
    return (d < 0, digits, pointAfter - 1)
}

private func exponentForm(_ d: Double) -> String {
    let (negative, digits, exponent) = digitsAndExponent(d)
    var text = String(digits.prefix(1))
    if digits.count > 1 { text += "." + digits.dropFirst() }
    let sign = exponent < 0 ? "-" : "+"
    let power = abs(exponent) < 10 ? "0\(abs(exponent))" : "\(abs(exponent))"
    return (negative ? "-" : "") + text + "e" + sign + power
}

private func positionalForm(_ d: Double) -> String {
    let (negative, digits, exponent) = digitsAndExponent(d)
    var text: String
    if exponent < 0 {
        text = "0." + String(repeating: "0", count: -exponent - 1) + digits
    } else if digits.count > exponent + 1 {
        text = String(digits.prefix(exponent + 1)) + "." + digits.dropFirst(exponent + 1)
    } else {
        text = digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
    }
    if negative { text = "-" + text }
    return text
}

/// Python's `repr(str)`: single quotes unless the text holds one and no double quote.
func pythonStringRepr(_ s: String) -> String {
    let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
    var out = String(quote)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where Character(scalar) == quote: out += "\\" + String(quote)
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += String(format: "\\x%02x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + String(quote)
}
