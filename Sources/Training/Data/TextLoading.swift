import Base
import Models

/// Documents of running text: a `.txt` file, or JSON lines with a `text` field.
enum TextLoading {
    /// The whole file as one document, so tokenisation is exactly that of the text (no joins at
    /// arbitrary cut points); packing cuts it into windows afterwards.
    static func plainText(path: String, tokenizer: Tokenizer, eos: Int32?) throws -> TrainingData {
        var text = try ReadableFile.text(path, noun: "data file")
        // A byte-order mark is file metadata, not text to learn.
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        guard !text.isEmpty else { throw TrainingError(path, "is empty") }
        let document = try encodeDocument(text, tokenizer: tokenizer, eos: eos)
        return TrainingData(source: path, format: .text, examples: [TrainingExample(ids: document)])
    }

    /// One document per line. Empty texts are skipped: corpora often keep them as separators, and
    /// they would only add a lone EOS (and BOS) to the stream.
    static func textLines(_ lines: [JSONLine], path: String, tokenizer: Tokenizer, eos: Int32?) throws -> TrainingData {
        var examples: [TrainingExample] = []
        examples.reserveCapacity(lines.count)
        for line in lines {
            let text = try line.string("text")
            if text.isEmpty { continue }
            examples.append(TrainingExample(ids: try encodeDocument(text, tokenizer: tokenizer, eos: eos)))
        }
        guard !examples.isEmpty else { throw TrainingError(path, "has no examples (every 'text' is empty)") }
        return TrainingData(source: path, format: .textLines, examples: examples)
    }

    /// The text with the tokenizer's special-token template (e.g. BOS), then `eos`.
    private static func encodeDocument(_ text: String, tokenizer: Tokenizer, eos: Int32?) throws -> [Int32] {
        var ids = try Tokenization.ids(tokenizer.encode(text, addSpecialTokens: true), tokenizer: tokenizer)
        if let eos { ids.append(eos) }
        return ids
    }
}
