import OrderedCollections

/// Tables for notebooks, which render Markdown: results read better as rows and columns than as
/// one long record. Only flat data becomes a table; anything nested keeps its text form.
extension Value {
    /// The value as a Markdown table, or nil when it is not table-shaped:
    /// - a record of equal-length lists of plain values: one column per field
    ///   (`{loss: ["DPO", "DPOP"], change: [-4.02, 0.37]}`);
    /// - a list of records with the same fields holding plain values: one row per record;
    /// - a record of plain values: one row per field, with its value.
    public var markdownTable: String? {
        switch self {
        case .record(let fields) where !fields.isEmpty:
            if let columns = Self.columns(of: fields) { return Self.table(header: Array(fields.keys), rows: columns) }
            guard fields.values.allSatisfy(\.isPlain), fields.count <= Self.maximumTableRows else { return nil }
            return Self.table(header: ["field", "value"], rows: fields.map { [.string($0.key), $0.value] })
        case .list(let items) where !items.isEmpty && items.count <= Self.maximumTableRows:
            guard case .record(let first) = items[0] else { return nil }
            let header = Array(first.keys)
            var rows: [[Value]] = []
            for item in items {
                guard case .record(let fields) = item, Array(fields.keys) == header, fields.values.allSatisfy(\.isPlain) else { return nil }
                rows.append(Array(fields.values))
            }
            return Self.table(header: header, rows: rows)
        default:
            return nil
        }
    }

    /// More rows than a notebook reader scans; such values keep their summarised text form.
    static let maximumTableRows = 100

    /// A number, string, boolean or nil: what a table cell holds.
    private var isPlain: Bool {
        switch self {
        case .number, .string, .bool, .nil: return true
        default: return false
        }
    }

    /// The rows of a record whose fields are lists of plain values, all of one length.
    private static func columns(of fields: OrderedDictionary<String, Value>) -> [[Value]]? {
        var lists: [[Value]] = []
        for value in fields.values {
            guard case .list(let items) = value, items.allSatisfy(\.isPlain) else { return nil }
            lists.append(items)
        }
        guard let count = lists.first?.count, count > 0, count <= maximumTableRows, lists.allSatisfy({ $0.count == count }) else { return nil }
        return (0..<count).map { row in lists.map { $0[row] } }
    }

    private static func table(header: [String], rows: [[Value]]) -> String {
        let line = { (cells: [String]) in "| " + cells.joined(separator: " | ") + " |" }
        let body = rows.map { line($0.map { cell($0.printed) }) }
        return ([line(header.map(cell)), line(header.map { _ in "---" })] + body).joined(separator: "\n")
    }

    /// A cell's text on one line, with the characters that would end the cell escaped.
    private static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }
}
