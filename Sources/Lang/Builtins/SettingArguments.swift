import Base

/// Builtin signatures and argument binding derived from an option set's declarations, so an
/// option is declared once (in its layer) and the language takes it by name.
enum SettingSignature {
    /// `name = default, …` for every setting of `table`, in declaration order; `overriding` shows
    /// another default for a setting whose default the builtin resolves itself (`seq_len = nil`).
    static func parameters<D>(_ table: SettingTable<D>, overriding: [String: String] = [:], omitting: Set<String> = []) -> String {
        table.settings.filter { !omitting.contains($0.setting.name) }.map { _, setting in
            overriding[setting.name].map { "\(setting.name) = \($0)" } ?? parameter(setting)
        }.joined(separator: ", ")
    }

    /// `name = default` for one setting.
    static func parameter(_ setting: any AnySetting) -> String {
        "\(setting.name) = \(literal(setting.defaultSetting))"
    }

    /// A default as the language writes it (`BuiltinParameter` reads these literals back).
    static func literal(_ value: SettingValue) -> String {
        switch value {
        case .whole(let x): String(x)
        case .number(let x): format(x)
        case .text(let text): "\"\(text)\""
        case .flag(let flag): String(flag)
        // A one-name list reads back from a string (a string setting takes one name).
        case .texts(let names) where names.count == 1: "\"\(names[0])\""
        case .texts, .numbers, .none: "nil"
        }
    }

    /// The settings for a builtin's help: `name: doc; …`.
    static func help<D>(_ table: SettingTable<D>, omitting: Set<String> = []) -> String {
        table.settings.filter { !omitting.contains($0.setting.name) }.map { _, setting in "\(setting.name): \(setting.doc)" }.joined(separator: "; ")
    }
}

extension Arguments {
    /// The option set `S` from this call's arguments named as its settings: each checked by its
    /// declaration, so an error names the option (`lr: must be a positive number, got -1`).
    /// Settings listed in `skipping` keep their defaults (the builtin reads them itself).
    func settings<S: SettingSet>(_ type: S.Type, skipping: Set<String> = []) throws -> S {
        var result = S()
        for parameter in builtin.parameters where !skipping.contains(parameter.name) {
            guard S.table.setting(named: parameter.name) != nil else { continue }
            try result.assign(parameter.name, try settingValue(parameter.name))
        }
        return result
    }

    /// The argument named as `setting`, checked by its declaration.
    func setting<T>(_ setting: Setting<T>) throws -> T {
        guard let value = T(setting: try setting.accept(settingValue(setting.name))) else {
            throw BuiltinError("argument '\(setting.name)' must be \(T.kind)")
        }
        return value
    }

    /// An argument as a setting value; its declaration decides whether the kind fits.
    func settingValue(_ name: String) throws -> SettingValue {
        switch try self[name] {
        case .number(let x): return .number(x)
        case .bool(let flag): return .flag(flag)
        case .string(let text): return .text(text)
        case .nil: return .none
        case .tensor(let tensor) where tensor.rank <= 1:
            return .numbers(tensor.scalars.map(Double.init))
        case .list(let items):
            let numbers = items.compactMap { item -> Double? in if case .number(let x) = item { x } else { nil } }
            if !items.isEmpty, numbers.count == items.count { return .numbers(numbers) }
            return .texts(try items.map { item in
                guard case .string(let text) = item else {
                    throw BuiltinError("argument '\(name)' must be a list of strings or of numbers, got a list holding a \(item.typeName)")
                }
                return text
            })
        case let other:
            throw BuiltinError("argument '\(name)' must be a number, string, bool or list, got a \(other.typeName)")
        }
    }
}
