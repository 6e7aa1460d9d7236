/// An option set's declarations in order, read off a value holding one `Setting` per stored
/// property (as swift-argument-parser reads a command's options off its properties), with the
/// values of one instance of the set.
///
///     struct LossDeclarations { let beta = Setting("beta", 0.1, "β, the inverse temperature") }
///     struct LossSettings: SettingSet { static let table = SettingTable(LossDeclarations()); var values = … }
///     settings.beta   // typed access through the declaration
public struct SettingTable<Declarations: Sendable>: Sendable {
    public let declarations: Declarations
    /// Every setting, in declaration order, with the Swift property name that declares it.
    public let settings: [(property: String, setting: any AnySetting)]

    public init(_ declarations: Declarations) {
        self.declarations = declarations
        settings = Mirror(reflecting: declarations).children.compactMap { child in
            guard let label = child.label, let setting = child.value as? any AnySetting else { return nil }
            return (label, setting)
        }
    }

    public var names: [String] { settings.map(\.setting.name) }

    public func setting(named name: String) -> (any AnySetting)? {
        settings.first { $0.setting.name == name }?.setting
    }

    /// The defaults, by setting name.
    public var defaults: [String: SettingValue] {
        Dictionary(uniqueKeysWithValues: settings.map { ($0.setting.name, $0.setting.defaultSetting) })
    }
}

/// An option set: typed access to its values through its declarations (`options.lr`), a
/// `Codable` record of them by setting name, and checked assignment by name.
@dynamicMemberLookup
public protocol SettingSet: Codable, Equatable, Sendable {
    associatedtype Declarations: Sendable
    static var table: SettingTable<Declarations> { get }
    /// Every setting's value, by name; `init()` fills in the defaults.
    var values: [String: SettingValue] { get set }
    init()
}

extension SettingSet {
    public subscript<Value>(dynamicMember path: KeyPath<Declarations, Setting<Value>>) -> Value {
        get {
            let setting = Self.table.declarations[keyPath: path]
            return values[setting.name].flatMap(Value.init(setting:)) ?? setting.defaultValue
        }
        set { values[Self.table.declarations[keyPath: path].name] = newValue.setting }
    }

    /// Sets the setting called `name` to `value`, checked against its declaration; an unknown
    /// name is an error suggesting the nearest known one.
    public mutating func assign(_ name: String, _ value: SettingValue) throws {
        guard let setting = Self.table.setting(named: name) else {
            throw PlaceError(name, "is not an option" + didYouMean(name, in: Self.table.names))
        }
        values[name] = try setting.accept(value)
    }

    /// The settings a record holds under their names (other keys are left alone), each checked by
    /// its declaration.
    public init(recorded: [String: SettingValue]) throws {
        self.init()
        for name in Self.table.names {
            if let value = recorded[name] { try assign(name, value) }
        }
    }

    /// Checks every value against its declaration (values set through `options.name` are typed
    /// but not yet checked), naming the first refused setting.
    public func checkEach() throws {
        for (_, setting) in Self.table.settings {
            _ = try setting.accept(values[setting.name] ?? setting.defaultSetting)
        }
    }

    public init(from decoder: Decoder) throws {
        self.init()
        let container = try decoder.container(keyedBy: SettingKey.self)
        for (property, setting) in Self.table.settings {
            // Records written under the Swift property names (`seqLen`) read as well as by setting name.
            let key = [SettingKey(setting.name), SettingKey(property)].first { container.contains($0) }
            guard let key else { continue }
            // A refused value throws the setting's own error (`keep_checkpoints: must be at least 1`).
            values[setting.name] = try setting.accept(try container.decode(SettingValue.self, forKey: key))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: SettingKey.self)
        for (_, setting) in Self.table.settings {
            try container.encode(values[setting.name] ?? setting.defaultSetting, forKey: SettingKey(setting.name))
        }
    }
}

/// A record key that is a setting's name.
public struct SettingKey: CodingKey {
    public let stringValue: String
    public init(_ name: String) { stringValue = name }
    public init?(stringValue: String) { self.stringValue = stringValue }
    public var intValue: Int? { nil }
    public init?(intValue: Int) { nil }
}
