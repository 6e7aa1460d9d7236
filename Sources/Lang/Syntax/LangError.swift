/// An error in a PrefLab program: where it is, what went wrong, and (at run time) which user
/// functions were running.
public struct LangError: Error, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The program is malformed.
        case syntax
        /// The program ended where more was expected: the REPL reads another line.
        case incomplete
        /// Evaluation failed.
        case runtime
        /// Ctrl-C or another stopping signal stopped the entry.
        case interrupted
    }

    public let kind: Kind
    public let message: String
    public let span: Span?
    public let source: Source?
    /// Innermost first: the user functions active when a runtime error happened.
    public internal(set) var stack: [(function: String, span: Span, source: Source)] = []

    public init(_ kind: Kind, _ message: String, _ span: Span?, _ source: Source?) {
        self.kind = kind
        self.message = message
        self.span = span
        self.source = source
    }

    /// The entry was stopped (Ctrl-C, SIGTERM) where `span` was about to run.
    static func interrupted(at span: Span, in source: Source) -> LangError {
        LangError(.interrupted, "interrupted", span, source)
    }

    /// `file:line:col: error: message`, the source line, a caret under the span, then the stack.
    public var description: String {
        var lines: [String] = []
        if let span, let source {
            let (line, column) = source.location(of: span.start)
            lines.append("\(source.name):\(line):\(column): error: \(message)")
            let text = source.lineText(line)
            let (endLine, endColumn) = source.location(of: span.end)
            let width = endLine == line ? Swift.max(1, endColumn - column) : Swift.max(1, text.unicodeScalars.count - column + 1)
            lines.append("    " + text)
            lines.append("    " + caretPadding(text, column) + "^" + String(repeating: "~", count: width - 1))
        } else {
            lines.append("error: \(message)")
        }
        // Deep recursion repeats one call many times: show it three times and count the rest.
        var previous: String?
        var repeats = 0
        for frame in stack {
            let (line, column) = frame.source.location(of: frame.span.start)
            let text = "  in \(frame.function) called at \(frame.source.name):\(line):\(column)"
            if text == previous {
                repeats += 1
                if repeats >= 3 { continue }
            } else {
                if repeats >= 3 { lines.append("  … the same call \(repeats - 2) more times") }
                repeats = 0
            }
            previous = text
            lines.append(text)
        }
        if repeats >= 3 { lines.append("  … the same call \(repeats - 2) more times") }
        return lines.joined(separator: "\n")
    }

    /// Spaces (and tabs where the line has tabs) up to `column`, so the caret lines up.
    private func caretPadding(_ text: String, _ column: Int) -> String {
        String(text.unicodeScalars.prefix(column - 1).map { $0 == "\t" ? "\t" : " " })
    }
}
