import Foundation
import Tensor

/// Strings: splitting, joining, replacing, trimming, searching. Each also reads as a method
/// (`line.split(",")` is `split(line, ",")`).
extension Builtins {
    static let strings: [Builtin] = [
        Builtin("split(x, by = nil, axis = 0)", topic: "strings",
                doc: "A string's pieces between separators, by a string (\"a,,b\" by \",\" gives \"a\", \"\", \"b\") or, without by, runs of whitespace with none at either end, as Python's str.split. A tensor's pieces along axis: by is a list of extents, or a number of equal parts.",
                example: "split(\"chosen,rejected\", \",\")") { a in
            if case .string(let text) = try a["x"] {
                guard try a.int("axis") == 0 else { throw BuiltinError("axis splits tensors; a string splits by a separator") }
                if try a.isNil("by") { return .list(text.split(whereSeparator: \.isWhitespace).map { .string(String($0)) }) }
                let separator = try a.string("by")
                guard !separator.isEmpty else { throw BuiltinError("the separator is empty; give by: a non-empty string, or leave it out to split at whitespace") }
                return .list(text.components(separatedBy: separator).map(Value.string))
            }
            let t = try a.tensor("x")
            let axis = try a.int("axis")
            let pieces: [Tensor]
            switch try a["by"] {
            case .nil: throw BuiltinError("a tensor splits by sizes: give by a list of extents or a number of equal parts")
            case .number: pieces = try t.split(into: try a.int("by"), axis: axis)
            default: pieces = try t.split(sizes: try a.shape("by"), axis: axis)
            }
            return .list(pieces.map(Value.tensor))
        },
        Builtin("join(list, sep = \"\")", topic: "strings",
                doc: "The items of a list as one string with sep between them; items that are not strings read as str gives them.",
                example: "join([\"dpo\", \"ipo\", 3], \", \")") { a in
            if case .string = try a["list"], case .list = try a["sep"] {
                throw BuiltinError("takes the list first: join(items, \", \") or items.join(\", \")")
            }
            let separator = try a.string("sep")
            let joined = try a.list("list").map(display).joined(separator: separator)
            try checkLength(joined.utf8.count)
            return .string(joined)
        },
        Builtin("replace(text, old, new)", topic: "strings",
                doc: "A new string with every occurrence of old replaced by new.",
                example: "replace(\"beta=0.1\", \"=\", \": \")") { a in
            let (text, old, new) = (try a.string("text"), try a.string("old"), try a.string("new"))
            guard !old.isEmpty else { throw BuiltinError("old is empty; give the text to replace") }
            let occurrences = text.components(separatedBy: old).count - 1
            try checkLength(text.utf8.count + occurrences * (new.utf8.count - old.utf8.count))
            return .string(text.replacingOccurrences(of: old, with: new))
        },
        Builtin("strip(text)", topic: "strings",
                doc: "The string without the spaces, tabs and new lines at either end.",
                example: "strip(\"  loss 0.25\\n\")") { a in
            .string(try a.string("text").trimmingCharacters(in: .whitespacesAndNewlines))
        },
        Builtin("contains(x, part)", topic: "strings",
                doc: "Whether a string holds part as a substring, a list holds an item equal to part (as == compares), or a record has a field named part.",
                example: "contains(\"sigmoid loss\", \"loss\")") { a in
            switch try a["x"] {
            case .string(let text): return .bool(text.contains(try a.string("part")))
            case .list(let items):
                let part = try a["part"]
                return .bool(items.contains { valuesEqual($0, part) })
            case .record(let fields): return .bool(fields[try a.string("part")] != nil)
            case let other: throw BuiltinError("looks in a string, a list or a record, got a \(other.typeName)")
            }
        },
    ]

    /// Refuses a string longer than a string may grow.
    private static func checkLength(_ bytes: Int) throws {
        guard bytes <= maximumCollectionCount else { throw BuiltinError("the result would be longer than \(maximumCollectionCount) bytes") }
    }
}
