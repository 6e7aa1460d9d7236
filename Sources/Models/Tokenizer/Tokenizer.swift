import Foundation

/// A Hugging Face `tokenizer.json` with a BPE model: added tokens are split out of the text first,
/// then each stretch is normalized, pre-tokenized and merged, and the post-processor adds special
/// tokens such as BOS — the pipeline of the Rust `tokenizers` library, whose ids it reproduces.
public final class Tokenizer {
    /// The file it was read from: a tokenizer.json, or the GGUF file whose metadata built it.
    public let path: String
    /// The tokenizer.json document this tokenizer is: the bytes read, or (built from GGUF metadata)
    /// the object, serialised only when the tokenizer is saved — a 49k-token vocabulary takes
    /// longer to write as JSON than the whole model takes to load.
    private let source: Source

    enum Source {
        case bytes(Data)
        case object([String: Any])
    }

    public var document: Data {
        get throws {
            switch source {
            case .bytes(let data): return data
            case .object(let json):
                do { return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]) } catch {
                    throw ModelError(file: path, "its tokenizer cannot be written as tokenizer.json: \(error.localizedDescription)")
                }
            }
        }
    }
    /// tokenizer_config.json's settings: special tokens by role, add_bos_token, the chat template.
    public let config: TokenizerConfig
    let model: BPEModel
    let normalizer: Normalizer?
    let preTokenizer: PreTokenizer?
    let postProcessor: PostProcessor
    let decoder: Decoder?
    /// Added tokens, longest first so the longest match wins.
    private let addedTokens: [AddedToken]
    let addedById: [Int: AddedToken]
    /// SentencePiece scores of a tokenizer built from GGUF metadata, which tokenizer.json cannot hold.
    let scores: [Float]?

    struct AddedToken {
        let content: String
        let id: Int
        let special: Bool
        let leftStrip: Bool
        let rightStrip: Bool
    }

    /// Reads a tokenizer.json, and tokenizer_config.json and chat_template.jinja beside it when present.
    public convenience init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError(file: path, "cannot read") }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch { throw ModelError(file: path, "is not valid JSON") }
        guard let json = object as? [String: Any] else { throw ModelError(file: path, "is not a JSON object") }
        let directory = (path as NSString).deletingLastPathComponent
        try self.init(json: json, source: .bytes(data), config: try TokenizerConfig(directory: directory.isEmpty ? "." : directory), path: path)
    }

    /// - Parameters:
    ///   - json: the parsed `document`.
    ///   - path: where it came from, for error messages.
    init(json: [String: Any], source: Source, config: TokenizerConfig, scores: [Float]? = nil, path: String) throws {
        self.path = path
        self.source = source
        self.config = config
        self.scores = scores
        guard let modelJSON = json["model"] as? [String: Any] else { throw ModelError(file: path, "has no model") }
        let type = modelJSON["type"] as? String ?? "BPE"
        guard type == "BPE" else { throw ModelError(file: path, "model type '\(type)' is not supported (PrefLab reads BPE)") }
        model = try BPEModel(json: modelJSON, file: path)
        normalizer = try Normalizer(json: json["normalizer"], file: path)
        preTokenizer = try PreTokenizer(json: json["pre_tokenizer"], file: path)
        postProcessor = try PostProcessor(json: json["post_processor"], file: path)
        decoder = try Decoder(json: json["decoder"], file: path)
        var added: [AddedToken] = []
        for entry in (json["added_tokens"] as? [[String: Any]]) ?? [] {
            guard let content = entry["content"] as? String, let id = (entry["id"] as? NSNumber)?.intValue else {
                throw ModelError(file: path, "an added token lacks content or id")
            }
            if content.isEmpty { continue }
            added.append(AddedToken(content: content, id: id, special: entry["special"] as? Bool ?? false,
                                    leftStrip: entry["lstrip"] as? Bool ?? false, rightStrip: entry["rstrip"] as? Bool ?? false))
        }
        addedTokens = added.sorted { $0.content.utf8.count > $1.content.utf8.count }
        addedById = Dictionary(added.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// This tokenizer as `init(path:)` would read it back from `document`, just written to
    /// `path` from `files`: the same tables, without parsing and building them again (for a
    /// 49k-token vocabulary that takes longer than loading the model).
    public func relocated(to path: String, document: Data) -> Tokenizer {
        Tokenizer(copying: self, path: path, source: .bytes(document))
    }

    private init(copying other: Tokenizer, path: String, source: Source) {
        self.path = path
        self.source = source
        config = other.config
        model = other.model
        normalizer = other.normalizer
        preTokenizer = other.preTokenizer
        postProcessor = other.postProcessor
        decoder = other.decoder
        addedTokens = other.addedTokens
        addedById = other.addedById
        // tokenizer.json cannot hold SentencePiece scores, so the tokenizer read back has none.
        scores = nil
    }

    /// The files that hold this tokenizer, by name: tokenizer.json and, when it has settings,
    /// tokenizer_config.json. Saving a model or keeping a run's copy writes these, and
    /// `init(path:)` reads them back, whether the tokenizer came from a file or from GGUF metadata.
    public var files: [(name: String, contents: Data)] {
        get throws {
            var files = [(name: "tokenizer.json", contents: try document)]
            if let settings = try config.document() { files.append((name: TokenizerConfig.fileName, contents: settings)) }
            return files
        }
    }

    public var chatTemplate: String? { config.chatTemplate }
    public var bosTokenId: Int? { config.bosToken.flatMap(id(of:)) }
    public var eosTokenId: Int? { config.eosToken.flatMap(id(of:)) }
    public var unknownTokenId: Int? { config.unknownToken.flatMap(id(of:)) }
    public var paddingTokenId: Int? { config.paddingToken.flatMap(id(of:)) }

    /// The ids encoding adds around a text (e.g. BOS), as the post-processor adds them.
    var addedAroundText: (before: [Int], after: [Int]) {
        let marker = -1
        let wrapped = postProcessor.apply([marker])
        guard let index = wrapped.firstIndex(of: marker) else { return ([], []) }
        return (Array(wrapped[..<index]), Array(wrapped[(index + 1)...]))
    }

    /// Ids of `text`; with `addSpecialTokens` the post-processor's tokens (e.g. BOS) are included.
    public func encode(_ text: String, addSpecialTokens: Bool = true) -> [Int] {
        var ids: [Int] = []
        for segment in segments(of: text) {
            switch segment {
            case .added(let id):
                ids.append(id)
            case .text(let stretch, let atStart):
                let normalized = normalizer?.apply(stretch) ?? stretch
                let pieces = preTokenizer?.apply([normalized], isFirst: atStart) ?? [normalized]
                for piece in pieces where !piece.isEmpty { ids.append(contentsOf: model.encode(piece)) }
            }
        }
        return addSpecialTokens ? postProcessor.apply(ids) : ids
    }

    /// Text of `ids`, through the decoder; special added tokens are left out when asked.
    public func decode(_ ids: [Int], skipSpecialTokens: Bool = false) throws -> String {
        let tokens: [String] = try ids.compactMap { id in
            if let added = addedById[id] { return skipSpecialTokens && added.special ? nil : added.content }
            guard let token = model.tokens[id] else {
                throw ModelError(file: path, Vocabulary.problem(in: [id], size: vocabularySize) ?? "token id \(id) has no token (a gap in the vocabulary)")
            }
            return token
        }
        return (decoder?.apply(tokens) ?? tokens).joined()
    }

    public var vocabularySize: Int { Swift.max(model.tokens.keys.max() ?? -1, addedById.keys.max() ?? -1) + 1 }

    public func id(of token: String) -> Int? { addedTokens.first { $0.content == token }?.id ?? model.vocab[token] }

    public func token(of id: Int) -> String? { addedById[id]?.content ?? model.tokens[id] }

    private enum Segment {
        case added(Int)
        /// A stretch of ordinary text, and whether it begins the input.
        case text(String, atStart: Bool)
    }

    /// The text cut at added tokens (longest match at each position), with their strip rules.
    private func segments(of text: String) -> [Segment] {
        guard !addedTokens.isEmpty else { return text.isEmpty ? [] : [.text(text, atStart: true)] }
        let scalars = Array(text.unicodeScalars)
        var result: [Segment] = []
        var stretchStart = 0
        var i = 0
        func stretch(_ from: Int, _ to: Int) {
            guard from < to else { return }
            result.append(.text(String(String.UnicodeScalarView(scalars[from..<to])), atStart: from == 0))
        }
        outer: while i < scalars.count {
            for token in addedTokens {
                let pattern = Array(token.content.unicodeScalars)
                guard i + pattern.count <= scalars.count, Array(scalars[i..<(i + pattern.count)]) == pattern else { continue }
                var start = i, end = i + pattern.count
                if token.leftStrip { while start > stretchStart, scalars[start - 1].properties.isWhitespace { start -= 1 } }
                if token.rightStrip { while end < scalars.count, scalars[end].properties.isWhitespace { end += 1 } }
                stretch(stretchStart, start)
                result.append(.added(token.id))
                i = end
                stretchStart = end
                continue outer
            }
            i += 1
        }
        stretch(stretchStart, scalars.count)
        return result
    }
}
