import Lang
import Plot

/// How the kernel shows values, plots and errors: as MIME bundles and `error` contents.
enum RichOutput {
    /// A plot as an SVG drawing, with its text rendering for frontends that show only text.
    static func bundle(of figure: any Figure) -> JSON {
        ["image/svg+xml": .string(figure.svg()), "text/plain": .string(figure.render(colored: false))]
    }

    /// A cell's value as the prompt shows it (`shown`); a plot adds its drawing, and table-shaped
    /// data (results) its Markdown table.
    static func bundle(shown: String, value: Value?) -> JSON {
        if let figure = value?.figure { return bundle(of: figure) }
        guard let table = value?.markdownTable else { return ["text/plain": .string(shown)] }
        return ["text/plain": .string(shown), "text/markdown": .string(table)]
    }

    /// The error of a cell an interrupt stopped, wherever it stopped.
    static let interrupted: [String: JSON] = [
        "ename": "Interrupted", "evalue": .string(Session.interruptedNotice), "traceback": [.string(Session.interruptedNotice)],
    ]

    /// ename, evalue and traceback of an `error` message and an execute_reply: the traceback is
    /// the caret report as the REPL prints it, one line per entry.
    static func errorContent(_ error: Error) -> [String: JSON] {
        let report = "\(error)"
        let traceback = JSON.array(report.split(separator: "\n", omittingEmptySubsequences: false).map { .string(String($0)) })
        guard let langError = error as? LangError else {
            return ["ename": .string("\(type(of: error))"), "evalue": .string(report), "traceback": traceback]
        }
        switch langError.kind {
        case .interrupted:
            return interrupted
        case .syntax, .incomplete:
            return ["ename": "SyntaxError", "evalue": .string(langError.message), "traceback": traceback]
        case .runtime:
            return ["ename": "Error", "evalue": .string(langError.message), "traceback": traceback]
        }
    }
}
