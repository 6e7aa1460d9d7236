import Foundation

/// One object of a JSON-lines file and the line it came from, for error messages.
struct JSONLine {
    let line: Int
    let object: [String: Any]
    let path: String

    var place: String { "\(path):\(line)" }

    /// The string under `field`, or an error naming this line.
    func string(_ field: String) throws -> String {
        guard let value = object[field] else { throw TrainingError(place, "has no '\(field)' field") }
        guard let text = value as? String else { throw TrainingError(place, "field '\(field)' is not a string") }
        return text
    }
}

/// A JSON-lines file: one JSON object per line. Blank lines are skipped (a trailing newline, or
/// spacing a person left in by hand); line numbers count them so errors point at the real line.
enum JSONLines {
    static func read(_ path: String) throws -> [JSONLine] {
        let data = try DataFile.contents(path)
        var lines: [JSONLine] = []
        var lineNumber = 0
        var start = data.startIndex
        // A UTF-8 byte-order mark (left by some Windows editors) is not JSON; skip it.
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start = data.index(start, offsetBy: 3) }
        while start < data.endIndex {
            // Split on bytes: a newline byte never occurs inside a multi-byte UTF-8 character.
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            lineNumber += 1
            let bytes = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            guard bytes.contains(where: { !Self.isBlank($0) }) else { continue }
            lines.append(try parse(Data(bytes), line: lineNumber, path: path))
        }
        guard !lines.isEmpty else { throw TrainingError(path, "has no examples (no non-blank lines)") }
        return lines
    }

    private static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    private static func parse(_ bytes: Data, line: Int, path: String) throws -> JSONLine {
        let place = "\(path):\(line)"
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: bytes, options: [.fragmentsAllowed])
        } catch {
            // The usual cause: a pretty-printed JSON file or array instead of one object per line.
            let hint = bytes.first(where: { !isBlank($0) }) == UInt8(ascii: "[") || line == 1
                ? " (data files hold one JSON object per line)" : ""
            throw TrainingError(place, "is not valid JSON\(hint)")
        }
        guard let object = value as? [String: Any] else {
            let what = value is [Any] ? "a JSON array" : "not a JSON object"
            throw TrainingError(place, "is \(what); each line must be one object such as {\"text\": \"…\"}")
        }
        return JSONLine(line: line, object: object, path: path)
    }
}
