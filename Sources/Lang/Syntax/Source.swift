/// A program's text with its name, for error messages.
public final class Source {
    /// Shown in messages: a path, `<repl>`, `<stdin>` or `<-e>`.
    public let name: String
    public let text: String
    /// The text as Unicode scalars, which spans index into.
    let scalars: [Unicode.Scalar]
    /// Scalar offset of each line's first character.
    private let lineStarts: [Int]

    public init(name: String, text: String) {
        self.name = name
        self.text = text
        self.scalars = Array(text.unicodeScalars)
        var starts = [0]
        for (i, scalar) in scalars.enumerated() where scalar == "\n" { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// 1-based line and column of a scalar offset.
    func location(of offset: Int) -> (line: Int, column: Int) {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return (low + 1, offset - lineStarts[low] + 1)
    }

    /// The text a span covers.
    func text(of span: Span) -> String {
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[Swift.min(span.start, scalars.count)..<Swift.min(span.end, scalars.count)])
        return String(text)
    }

    /// The text of 1-based `line`, without its newline.
    func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = start
        while end < scalars.count, scalars[end] != "\n" { end += 1 }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<end])
        return String(text)
    }
}

/// A range of a source: where a token or syntax node came from.
public struct Span: Sendable, Equatable {
    /// Scalar offsets, end exclusive.
    public let start: Int
    public let end: Int

    public init(_ start: Int, _ end: Int) {
        self.start = start
        self.end = max(end, start)
    }

    func to(_ other: Span) -> Span { Span(start, max(end, other.end)) }
}
