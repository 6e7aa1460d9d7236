import Base
import Foundation
import Models

/// Examples loaded from one source, with the format they came in (which decides how they are batched).
public struct TrainingData: Sendable {
    /// The file the examples came from, or a name for in-memory data; used in messages.
    public let source: String
    public let format: DataFormat
    public let examples: [TrainingExample]

    public init(source: String, format: DataFormat, examples: [TrainingExample]) {
        self.source = source
        self.format = format
        self.examples = examples
    }

    /// Packing for pretraining text, padding for prompt-completion pairs and token rows.
    public var defaultMode: BatchMode { format.defaultMode }

    /// Total tokens over all examples.
    public var tokenCount: Int { examples.reduce(0) { $0 + $1.ids.count } }

    /// The examples in `path`, ending each document with the tokenizer's end-of-text token when it
    /// has one (`Tokenizer.endOfTextId`).
    public static func load(path: String, tokenizer: Tokenizer) throws -> TrainingData {
        try load(path: path, tokenizer: tokenizer, eos: tokenizer.endOfTextId)
    }

    /// The examples in `path`, ending each document with `eos` (nil: nothing appended).
    ///
    /// `.txt` is one document. `.jsonl` and `.json` are JSON lines; the first line's fields choose
    /// the format: `prompt` and `completion` for supervised fine-tuning (preferred when a line also
    /// has `text`), else `text` for documents. Every later line must have the same fields.
    public static func load(path: String, tokenizer: Tokenizer, eos: Int?) throws -> TrainingData {
        try ReadableFile.require(path, noun: "data file")
        let eosId = try Tokenization.checkedEOS(eos, tokenizer: tokenizer)
        let fileExtension = (path as NSString).pathExtension.lowercased()
        switch fileExtension {
        case "txt":
            return try TextLoading.plainText(path: path, tokenizer: tokenizer, eos: eosId)
        case "jsonl", "json":
            let lines = try JSONLines.read(path, noun: "data", exampleObject: "{\"text\": \"…\"}")
            switch try format(ofFirst: lines) {
            case .promptCompletion:
                return try PromptCompletionLoading.load(lines, path: path, tokenizer: tokenizer, eos: eosId)
            default:
                return try TextLoading.textLines(lines, path: path, tokenizer: tokenizer, eos: eosId)
            }
        default:
            let shown = fileExtension.isEmpty ? "no extension" : "extension '.\(fileExtension)'"
            throw TrainingError(path, "\(shown) is not a data format: use .txt (text) or .jsonl/.json (JSON lines)")
        }
    }

    private static func format(ofFirst lines: [JSONLine]) throws -> DataFormat {
        guard let first = lines.first else { throw TrainingError("data", "has no examples") }
        let fields = Set(first.object.keys)
        if fields.contains("prompt") || fields.contains("completion") {
            guard fields.contains("prompt") else { throw TrainingError(first.place, "has 'completion' but no 'prompt' field") }
            guard fields.contains("completion") else { throw TrainingError(first.place, "has 'prompt' but no 'completion' field") }
            return .promptCompletion
        }
        guard fields.contains("text") else {
            let found = fields.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw TrainingError(first.place, "has neither a 'text' field nor 'prompt' and 'completion' fields (found \(found.isEmpty ? "none" : found))")
        }
        return .textLines
    }
}
