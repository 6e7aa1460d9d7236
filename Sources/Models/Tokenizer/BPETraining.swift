import Base
import Foundation

/// Learns a byte-level BPE tokenizer from a corpus and writes it as a Hugging Face
/// tokenizer.json that `Tokenizer` (and the Rust `tokenizers` library) loads.
///
/// The layout is Llama's: `<unk>`, `<s>` (BOS, added by the post-processor) and `</s>` (EOS) are
/// ids 0, 1 and 2, which `new_model`'s Llama configurations name as BOS and EOS; then the 256
/// byte symbols of GPT-2's byte-level alphabet, so every text encodes; then one token per merge.
/// The pre-tokenizer splits digits one by one (as Llama and Mistral do), so arithmetic is written
/// digit by digit and the merges spend the vocabulary on words.
public enum BPETraining {
    public static let specialTokens = ["<unk>", "<s>", "</s>"]
    /// One digit; a word with its leading space; a run of punctuation with its leading space;
    /// white space (a run before a word leaves its last space to the word).
    public static let splitPattern = #"\p{N}| ?\p{L}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    public static let maxVocabularySize = 65_536

    /// Trains on `texts` until the vocabulary holds `vocabularySize` tokens or no pair of symbols
    /// occurs twice, and returns the tokenizer.json object.
    public static func train(texts: [String], vocabularySize: Int) throws -> [String: Any] {
        let base = specialTokens.count + 256
        guard (base...maxVocabularySize).contains(vocabularySize) else {
            throw ModelError(file: "train_tokenizer", "vocab must be between \(base) (the special tokens and 256 bytes) and \(maxVocabularySize), got \(vocabularySize)")
        }
        let split = try PreTokenizer(json: preTokenizerJSON, file: "train_tokenizer")
        var symbols = specialTokens + ByteLevel.characters.map { String($0) }
        var ids = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, $0) })

        var wordCounts: [String: Int] = [:]
        for text in texts {
            for piece in split?.apply([text], isFirst: true) ?? [text] where !piece.isEmpty { wordCounts[piece, default: 0] += 1 }
        }
        // Sorted, so that ties between equally frequent pairs are broken the same way on every run.
        var words: [(symbols: [Int], count: Int)] = wordCounts.sorted { $0.key < $1.key }.map { word, count in
            (word.unicodeScalars.map { ids[String($0)] ?? 0 }, count)
        }

        var merges: [[String]] = []
        while symbols.count < vocabularySize {
            var pairCounts: [Pair: Int] = [:]
            for word in words where word.symbols.count > 1 {
                for i in 0..<(word.symbols.count - 1) { pairCounts[Pair(word.symbols[i], word.symbols[i + 1]), default: 0] += word.count }
            }
            guard let best = pairCounts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }), best.value >= 2 else { break }
            let merged = symbols[best.key.left] + symbols[best.key.right]
            let id: Int
            if let existing = ids[merged] { id = existing } else {
                id = symbols.count
                symbols.append(merged)
                ids[merged] = id
            }
            merges.append([symbols[best.key.left], symbols[best.key.right]])
            for w in words.indices where words[w].symbols.count > 1 {
                words[w].symbols = apply(best.key, making: id, to: words[w].symbols)
            }
        }

        let vocab = Dictionary(uniqueKeysWithValues: symbols.enumerated().map { ($1, $0) })
        return [
            "version": "1.0",
            "truncation": NSNull(),
            "padding": NSNull(),
            "added_tokens": specialTokens.enumerated().map { id, content in
                ["id": id, "content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true] as [String: Any]
            },
            "normalizer": NSNull(),
            "pre_tokenizer": preTokenizerJSON,
            "post_processor": [
                "type": "TemplateProcessing",
                "single": [["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]]],
                "pair": [["SpecialToken": ["id": "<s>", "type_id": 0]], ["Sequence": ["id": "A", "type_id": 0]],
                         ["Sequence": ["id": "B", "type_id": 1]]],
                "special_tokens": ["<s>": ["id": "<s>", "ids": [1], "tokens": ["<s>"]]],
            ] as [String: Any],
            "decoder": ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false] as [String: Any],
            "model": [
                "type": "BPE", "dropout": NSNull(), "unk_token": NSNull(), "continuing_subword_prefix": NSNull(),
                "end_of_word_suffix": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
                "vocab": vocab, "merges": merges,
            ] as [String: Any],
        ]
    }

    /// Trains and writes tokenizer.json to `path` atomically, and returns it loaded.
    public static func write(texts: [String], vocabularySize: Int, to path: String) throws -> Tokenizer {
        let json = try train(texts: texts, vocabularySize: vocabularySize)
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .prettyPrinted])
        try AtomicWrite.write(data, to: path)
        return try Tokenizer(path: path)
    }

    private static let preTokenizerJSON: [String: Any] = [
        "type": "Sequence",
        "pretokenizers": [
            ["type": "Split", "pattern": ["Regex": splitPattern], "behavior": "Isolated", "invert": false] as [String: Any],
            ["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false] as [String: Any],
        ],
    ]

    private struct Pair: Hashable, Comparable {
        let left: Int, right: Int
        init(_ left: Int, _ right: Int) { (self.left, self.right) = (left, right) }
        static func < (a: Pair, b: Pair) -> Bool { (a.left, a.right) < (b.left, b.right) }
    }

    private static func apply(_ pair: Pair, making id: Int, to word: [Int]) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(word.count)
        var i = 0
        while i < word.count {
            if i + 1 < word.count, word[i] == pair.left, word[i + 1] == pair.right {
                out.append(id)
                i += 2
            } else {
                out.append(word[i])
                i += 1
            }
        }
        return out
    }
}
