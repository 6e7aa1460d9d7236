import Foundation

/// One object of a JSON-lines file with its place (`file:line`), and typed field access whose
/// errors name that place and the field.
public struct JSONLine {
    public let line: Int
    public let object: [String: Any]
    public let path: String

    public var place: String { "\(path):\(line)" }

    public func has(_ field: String) -> Bool { object[field] != nil && !(object[field] is NSNull) }

    public func value(_ field: String) throws -> Any {
        guard let value = object[field], !(value is NSNull) else { throw PlaceError(place, "has no '\(field)' field") }
        return value
    }

    public func string(_ field: String) throws -> String {
        let value = try value(field)
        guard let text = value as? String else { throw PlaceError(place, "field '\(field)' is not a string") }
        return text
    }

    /// A list of strings, such as HellaSwag's `endings`.
    public func strings(_ field: String) throws -> [String] {
        guard let items = try value(field) as? [Any] else { throw PlaceError(place, "field '\(field)' is not a list") }
        return try items.map { item in
            guard let text = item as? String else { throw PlaceError(place, "field '\(field)' must hold only strings") }
            return text
        }
    }

    /// A label written either as a string or as a number (`"2"` and `2` both occur in the wild).
    public func label(_ field: String) throws -> String {
        guard let text = Self.labelText(try value(field)) else { throw PlaceError(place, "field '\(field)' must be a string or a whole number") }
        return text
    }

    /// A string label as written (trimmed), or a whole number as its digits.
    public static func labelText(_ value: Any) -> String? {
        if let text = value as? String { return text.trimmingCharacters(in: .whitespaces) }
        // A label is never true/false.
        if let number = value as? NSNumber, !isBoolean(number), let whole = Int(exactly: number.doubleValue) {
            return String(whole)
        }
        return nil
    }

    /// Whether a parsed JSON number is `true` or `false`: JSON booleans arrive as NSNumber too,
    /// of C type "c".
    public static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}

/// Reads JSON-lines files: one JSON object per line. Blank lines are skipped (a trailing newline,
/// spacing a person left in by hand) but still counted, so error places point at the real line.
public enum JSONLines {
    /// - Parameters:
    ///   - noun: what the file holds, for errors ("data" gives "a data file", "data files hold …").
    ///   - exampleObject: one line as it should look, shown when a line is not an object.
    public static func read(_ path: String, noun: String, exampleObject: String? = nil) throws -> [JSONLine] {
        let data = try ReadableFile.contents(path, noun: "\(noun) file")
        var lines: [JSONLine] = []
        var number = 0
        var start = data.startIndex
        // A UTF-8 byte-order mark (left by some Windows editors) is not JSON; skip it.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start = data.index(start, offsetBy: 3) }
        while start < data.endIndex {
            // Split on bytes: a newline byte never occurs inside a multi-byte UTF-8 character.
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            number += 1
            let bytes = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            guard bytes.contains(where: { !isBlank($0) }) else { continue }
            lines.append(try parse(Data(bytes), line: number, path: path, noun: noun, exampleObject: exampleObject))
        }
        guard !lines.isEmpty else { throw PlaceError(path, "has no examples (no non-blank lines)") }
        return lines
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    private static func parse(_ bytes: Data, line: Int, path: String, noun: String, exampleObject: String?) throws -> JSONLine {
        let place = "\(path):\(line)"
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        } catch {
            // The usual cause: a pretty-printed JSON file or array instead of one object per line.
            let hint = bytes.first(where: { !isBlank($0) }) == UInt8(ascii: "[") || line == 1
                ? " (\(noun) files hold one JSON object per line)" : ""
            throw PlaceError(place, "is not valid JSON\(hint)")
        }
        guard let object = value as? [String: Any] else {
            let what = value is [Any] ? "a JSON array" : "not a JSON object"
            throw PlaceError(place, "is \(what); each line must be one object" + (exampleObject.map { " such as \($0)" } ?? ""))
        }
        return JSONLine(line: line, object: object, path: path)
    }
}

/// JSON text for a string, escaped by hand so that saved files are byte-for-byte deterministic
/// (key order and escaping do not depend on the Foundation version), and escaped as Python's
/// `json.dumps(…, ensure_ascii=False)` escapes it (chat templates' `tojson` must match it).
public func jsonQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case let c where c.value < 0x20: out += String(format: "\\u%04x", c.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
