import Base
import Foundation

/// TRL's standard paired JSONL: one object per line with `prompt`, `chosen` and `rejected` strings.
public enum PairFile {
    /// The pairs of `path`, each with its `file:line` as origin. Errors name the line and the
    /// missing or mistyped field; other fields (ids, scores) are ignored.
    public static func load(_ path: String) throws -> [PreferencePair] {
        try JSONLines.read(path, noun: "pair").map { line in
            PreferencePair(prompt: try text(line, "prompt"), chosen: try text(line, "chosen"), rejected: try text(line, "rejected"),
                           origin: line.place)
        }
    }

    /// A field of the standard format. TRL's conversational format (lists of `{role, content}`
    /// messages) needs a chat template to become text, which PrefLab does not apply, so it is
    /// refused with a message that says so rather than as a mere type error.
    private static func text(_ line: JSONLine, _ field: String) throws -> String {
        let value = try line.value(field)
        if let text = value as? String { return text }
        if value is [Any] {
            throw PreferenceError(line.place, "field '\(field)' is a list (TRL's conversational format); PrefLab reads the standard format, where '\(field)' is a string")
        }
        throw PreferenceError(line.place, "field '\(field)' is not a string")
    }

    /// Writes `pairs` as TRL JSONL (keys in the order prompt, chosen, rejected), atomically
    /// (`AtomicWrite`), so a reader never sees half a file.
    public static func save(_ pairs: [PreferencePair], to path: String) throws {
        var text = ""
        for pair in pairs {
            text += "{\"prompt\": \(jsonQuoted(pair.prompt)), \"chosen\": \(jsonQuoted(pair.chosen)), \"rejected\": \(jsonQuoted(pair.rejected))}\n"
        }
        try AtomicWrite.write(text, to: path)
    }
}
