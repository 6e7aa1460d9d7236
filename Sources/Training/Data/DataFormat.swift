/// What a data file holds, decided by its extension and, for JSON lines, by the fields present.
public enum DataFormat: String, Codable, Sendable {
    /// A `.txt` file: the whole text is one document.
    case text
    /// JSON lines with a `text` field: one document per line.
    case textLines
    /// JSON lines with `prompt` and `completion` fields: supervised fine-tuning.
    case promptCompletion
    /// A tensor of token ids, one example per row.
    case tokens

    /// Pretraining text is packed; prompt-completion pairs and token rows keep their own rows.
    public var defaultMode: BatchMode {
        switch self {
        case .text, .textLines: return .packing
        case .promptCompletion, .tokens: return .padding
        }
    }
}
