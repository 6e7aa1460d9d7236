import Plot

/// Prose for the terminal — help, the REPL's `:help` — wrapped to its width: the terminal's
/// columns on a terminal, 80 elsewhere (the width plots fill, `Terminal.columns`).
public enum TextLayout {
    public static var columns: Int { Terminal.columns }

    /// `pieces` joined by spaces and broken between pieces into lines of at most `width`
    /// columns: the first line starts with `lead`, the others with `hanging` spaces. A piece
    /// too long for a line keeps a line of its own rather than being cut.
    public static func wrap(_ pieces: [String], lead: String = "", hanging: Int, width: Int = columns) -> String {
        let indent = String(repeating: " ", count: hanging)
        var lines: [String] = []
        var line = lead
        var lineIsEmpty = true
        for piece in pieces where !piece.isEmpty {
            if !lineIsEmpty, line.count + 1 + piece.count > width {
                lines.append(line)
                (line, lineIsEmpty) = (indent, true)
            }
            line += (lineIsEmpty ? "" : " ") + piece
            lineIsEmpty = false
        }
        lines.append(line)
        return lines.joined(separator: "\n")
    }

    /// Each line of `text` wrapped at spaces, continuing under the line's second column (the
    /// text after a run of two or more spaces, as in `:load FILE    run a script`) or under its
    /// own indentation when it has one column.
    public static func wrapColumns(_ text: String, width: Int = columns) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            let column = secondColumn(of: Substring(line))
            let lead = String(line.prefix(column))
            return wrap(line.dropFirst(column).split(separator: " ").map(String.init), lead: lead, hanging: column, width: width)
        }.joined(separator: "\n")
    }

    /// Where a line's second column starts: after the first run of two or more spaces that
    /// follows its text; where its text starts when it has one column.
    private static func secondColumn(of line: Substring) -> Int {
        let characters = Array(line)
        let indentation = characters.prefix { $0 == " " }.count
        var i = indentation
        while i + 1 < characters.count {
            if characters[i] == " ", characters[i + 1] == " " {
                return i + characters[i...].prefix { $0 == " " }.count
            }
            i += 1
        }
        return indentation
    }
}
