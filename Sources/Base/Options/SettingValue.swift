/// A setting's value in a form every layer can carry: what the language binds from an argument,
/// what a run record stores, and what a typed setting converts to and from.
public enum SettingValue: Equatable, Sendable, Codable, CustomStringConvertible {
    case whole(Int)
    case number(Double)
    case text(String)
    case texts([String])
    case numbers([Double])
    case flag(Bool)
    /// Not given: the setting's own meaning of "none" (the data's batching, a run directory made
    /// from the time, …).
    case none

    /// As an error message quotes a refused value.
    public var description: String {
        switch self {
        case .whole(let value): String(value)
        case .number(let value): String(value)
        case .text(let value): "'\(value)'"
        case .texts(let values): "[" + values.map { "'\($0)'" }.joined(separator: ", ") + "]"
        case .numbers(let values): "\(values)"
        case .flag(let value): String(value)
        case .none: "nil"
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .none
        } else if let flag = try? container.decode(Bool.self) {
            self = .flag(flag)
        } else if let whole = try? container.decode(Int.self) {
            self = .whole(whole)
        } else if let number = try? container.decode(Double.self) {
            self = .number(number)
        } else if let text = try? container.decode(String.self) {
            self = .text(text)
        } else if let texts = try? container.decode([String].self) {
            self = .texts(texts)
        } else {
            self = .numbers(try container.decode([Double].self))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .whole(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .text(let value): try container.encode(value)
        case .texts(let value): try container.encode(value)
        case .numbers(let value): try container.encode(value)
        case .flag(let value): try container.encode(value)
        case .none: try container.encodeNil()
        }
    }
}

/// A Swift type a setting can have. `init(setting:)` returns nil for a value of the wrong kind;
/// `kind` says in an error what the setting takes ("a whole number", "constant, linear or cosine").
public protocol SettingType: Equatable, Sendable {
    init?(setting: SettingValue)
    var setting: SettingValue { get }
    static var kind: String { get }
}

extension Int: SettingType {
    public init?(setting: SettingValue) {
        switch setting {
        case .whole(let value): self = value
        case .number(let value): guard let whole = Int(exactly: value) else { return nil }; self = whole
        default: return nil
        }
    }
    public var setting: SettingValue { .whole(self) }
    public static var kind: String { "a whole number" }
}

extension UInt64: SettingType {
    public init?(setting: SettingValue) {
        guard let whole = Int(setting: setting), whole >= 0 else { return nil }
        self = UInt64(whole)
    }
    public var setting: SettingValue { .whole(Int(truncatingIfNeeded: self)) }
    public static var kind: String { "a whole number ≥ 0" }
}

extension Double: SettingType {
    public init?(setting: SettingValue) {
        switch setting {
        case .whole(let value): self = Double(value)
        case .number(let value): self = value
        default: return nil
        }
    }
    public var setting: SettingValue { .number(self) }
    public static var kind: String { "a number" }
}

extension Bool: SettingType {
    public init?(setting: SettingValue) {
        guard case .flag(let value) = setting else { return nil }
        self = value
    }
    public var setting: SettingValue { .flag(self) }
    public static var kind: String { "true or false" }
}

extension String: SettingType {
    public init?(setting: SettingValue) {
        guard case .text(let value) = setting else { return nil }
        self = value
    }
    public var setting: SettingValue { .text(self) }
    public static var kind: String { "a string" }
}

extension Array: SettingType where Element == String {
    public init?(setting: SettingValue) {
        switch setting {
        case .texts(let values): self = values
        case .text(let value): self = [value]
        default: return nil
        }
    }
    public var setting: SettingValue { .texts(self) }
    public static var kind: String { "a list of strings" }
}

extension Optional: SettingType where Wrapped: SettingType {
    public init?(setting: SettingValue) {
        if case .none = setting {
            self = .none
        } else if let value = Wrapped(setting: setting) {
            self = .some(value)
        } else {
            return nil
        }
    }
    public var setting: SettingValue { map(\.setting) ?? .none }
    public static var kind: String { Wrapped.kind + " or nil" }
}

/// A list of numbers (the weights of a sum of losses).
public struct NumberList: SettingType {
    public var numbers: [Double]
    public init(_ numbers: [Double]) { self.numbers = numbers }
    public init?(setting: SettingValue) {
        switch setting {
        case .numbers(let values): numbers = values
        case .number(let value): numbers = [value]
        case .whole(let value): numbers = [Double(value)]
        default: return nil
        }
    }
    public var setting: SettingValue { .numbers(numbers) }
    public static var kind: String { "a list of numbers" }
}

/// A setting that is one of a fixed set of names: its cases' raw values.
public protocol SettingChoice: SettingType, CaseIterable, RawRepresentable where RawValue == String {}

extension SettingChoice {
    public init?(setting: SettingValue) {
        guard case .text(let name) = setting, let value = Self(rawValue: name) else { return nil }
        self = value
    }
    public var setting: SettingValue { .text(rawValue) }
    public static var kind: String { listing(allCases.map(\.rawValue), conjunction: "or") }
}

/// "a, b or c" for a list of names.
public func listing(_ names: [String], conjunction: String) -> String {
    guard names.count > 1 else { return names.first ?? "" }
    return names.dropLast().joined(separator: ", ") + " \(conjunction) " + names[names.count - 1]
}
