import Base

/// A chat template that cannot be parsed or rendered, located in the template's own text.
public struct TemplateError: UserFacingError, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The template is malformed or uses Jinja that PrefLab does not implement.
        case syntax
        /// Rendering failed: a type mismatch, an undefined value used, an unsupported filter.
        case render
        /// The template itself called `raise_exception(message)`, as transformers' renderer allows.
        case raised
    }

    public let kind: Kind
    /// For `.raised`, exactly the template's message.
    public let message: String
    public let line: Int
    public let column: Int
    /// The template line holding the error, shown with a caret under the column.
    public let sourceLine: String

    public var place: String { "chat template \(line):\(column)" }

    public var description: String {
        let prefix = kind == .raised ? "the template raised an exception: " : ""
        // Templates are often one long line: show at most a window of it around the column.
        let characters = Array(sourceLine.unicodeScalars)
        let start = max(0, min(column - 1 - 40, characters.count - 80))
        let end = min(characters.count, start + 80)
        var shown = String(String.UnicodeScalarView(characters[start..<end]))
        if start > 0 { shown = "…" + shown }
        if end < characters.count { shown += "…" }
        let caret = String(repeating: " ", count: column - 1 - start + (start > 0 ? 1 : 0)) + "^"
        return "\(place): \(prefix)\(message)\n    \(shown)\n    \(caret)"
    }
}

/// The template text and the one conversion from a position in it to line and column.
struct TemplateSource {
    let scalars: [Unicode.Scalar]

    func error(_ kind: TemplateError.Kind, _ message: String, at offset: Int) -> TemplateError {
        let end = min(max(offset, 0), scalars.count)
        var line = 1, lineStart = 0
        for i in 0..<end where scalars[i] == "\n" {
            line += 1
            lineStart = i + 1
        }
        var lineEnd = lineStart
        while lineEnd < scalars.count, scalars[lineEnd] != "\n" { lineEnd += 1 }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[lineStart..<lineEnd])
        return TemplateError(kind: kind, message: message, line: line, column: end - lineStart + 1, sourceLine: String(text))
    }
}
