import Foundation

/// Decoding a JSON file PrefLab wrote (a run record, a checkpoint's state) into its Swift type.
/// A file spoilt by hand or cut short is reported in one line naming the file and the key path
/// (`…/run.json: options.steps: expected a whole number`), never as Foundation's DecodingError
/// dump; every decoding of such a file goes through here.
public enum JSONFile {
    /// The `T` in `data`, the contents of `file`. Errors thrown by `T`'s own decoding (a setting's
    /// check) pass through unchanged, for the caller to place.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw PlaceError(file, problem(error, data: data))
        }
    }

    /// What `error` says is wrong with `data`, in words.
    public static func problem(_ error: DecodingError, data: Data) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "\(keyPath(context.codingPath + [key])): missing"
        case .valueNotFound(let type, let context):
            return "\(keyPath(context.codingPath)): is null, expected \(kind(type))"
        case .typeMismatch(let type, let context):
            return "\(keyPath(context.codingPath)): expected \(kind(type))"
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            // Foundation's description names Swift types ("Cannot initialize ObjectiveKind from …").
            return "\(keyPath(context.codingPath)): holds a value that is not one PrefLab writes there"
        case .dataCorrupted:
            if data.isEmpty { return "is empty" }
            // Foundation's decoder also reports a number that fits no field (1.5 or 1e30 for a
            // whole number) as corrupt data, with no key; only the parser tells the two apart.
            guard (try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil else {
                return "is not valid JSON (cut short or edited by hand?)"
            }
            return "holds a number that is not a whole number or is too large where a whole number belongs"
        @unknown default:
            return "cannot be read"
        }
    }

    /// `options.steps`, `history[2].loss`; "the top level" for the empty path.
    static func keyPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text.isEmpty ? "the top level" : text
    }

    /// A Swift type as the JSON it is read from.
    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: return "a whole number"
        case is Double.Type, is Float.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        default: return String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}
