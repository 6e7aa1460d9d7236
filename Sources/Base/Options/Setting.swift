/// One option of an option set, declared once: the name the language and run records use, its
/// default, a one-line doc and the check a value must pass. The Swift type is the declaration's
/// generic parameter. Builtin signatures, argument binding, help, completion and run records are
/// all derived from these declarations (see `SettingTable`).
public struct Setting<Value: SettingType>: Sendable {
    public let name: String
    public let defaultValue: Value
    public let doc: String
    /// A message when `value` is refused, nil when it is fine.
    let check: @Sendable (Value) -> String?

    public init(_ name: String, _ defaultValue: Value, _ doc: String, check: @escaping @Sendable (Value) -> String? = { _ in nil }) {
        self.name = name
        self.defaultValue = defaultValue
        self.doc = doc
        self.check = check
    }
}

/// What every `Setting` declaration offers without its type, for tables.
public protocol AnySetting: Sendable {
    var name: String { get }
    var doc: String { get }
    var defaultSetting: SettingValue { get }
    /// The typed value of `value` checked, as a setting value, or an error naming the setting.
    func accept(_ value: SettingValue) throws -> SettingValue
}

extension Setting: AnySetting {
    public var defaultSetting: SettingValue { defaultValue.setting }

    public func accept(_ value: SettingValue) throws -> SettingValue {
        guard let typed = Value(setting: value) else { throw PlaceError(name, "must be \(Value.kind), got \(value)") }
        if let problem = check(typed) { throw PlaceError(name, problem) }
        return typed.setting
    }
}

/// Common checks, each phrased as the message a refused value gets.
public enum Check {
    public static func atLeast(_ minimum: Int, _ note: String = "") -> @Sendable (Int) -> String? {
        { value in
            if value < minimum { return (minimum == 0 ? "must not be negative" : "must be at least \(minimum)") + "\(note), got \(value)" }
            return value > maximumCount ? "must be at most \(maximumCount), got \(value)" : nil
        }
    }

    public static func positive(_ note: String = "") -> @Sendable (Double) -> String? {
        { $0.isFinite && $0 > 0 ? nil : "must be a positive number\(note), got \($0)" }
    }

    public static func notNegative(_ note: String = "") -> @Sendable (Double) -> String? {
        { $0.isFinite && $0 >= 0 ? nil : "must not be negative\(note), got \($0)" }
    }

    /// In [0, 1): moment decays, momentum, dropout.
    public static func unitInterval() -> @Sendable (Double) -> String? {
        { $0 >= 0 && $0 < 1 ? nil : "must be in [0, 1), got \($0)" }
    }

    /// The largest count (steps, batch, interval, rank) a setting accepts: larger ones are typos
    /// or overflow bait (steps: 1e15 would run for ages and size buffers by the step count).
    public static let maximumCount = 10_000_000
}
