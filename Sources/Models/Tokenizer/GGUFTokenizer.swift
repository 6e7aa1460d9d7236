import Foundation

/// Tokenizers to and from GGUF metadata. A GGUF file has no tokenizer.json: its metadata becomes
/// the tokenizer.json (and tokenizer_config.json) that transformers' GGUF loader builds, with
/// llama.cpp's split regexes per `pre` value, so the tokenizer is kept and saved as any other.
extension Tokenizer {
    /// The tokenizer a GGUF file's metadata describes: `gpt2` (byte-level BPE) or `llama` (SentencePiece BPE).
    public convenience init(gguf: GGUFFile) throws {
        try self.init(ggufMetadata: gguf.metadata, file: gguf.path)
    }

    /// - Parameter file: the file the metadata is from; it becomes `path` and names it in errors.
    public convenience init(ggufMetadata metadata: [(key: String, value: GGUFValue)], file: String) throws {
        let vocabulary = try GGUFVocabulary(metadata: metadata, file: file)
        let json = try vocabulary.tokenizerJSON(file: file)
        try self.init(json: json, source: .object(json), config: try TokenizerConfig(json: vocabulary.configJSON, file: file),
                      scores: vocabulary.model == .llama ? vocabulary.scores : nil, path: file)
    }

    /// This tokenizer as GGUF `tokenizer.*` metadata, in writing order, with the value types llama.cpp
    /// checks. Byte-level tokenizers need a pre-tokenizer that a `tokenizer.ggml.pre` value names;
    /// SentencePiece ones without GGUF scores get scores that rank tokens as their merges do.
    public func ggufMetadata() throws -> [(String, GGUFValue)] { try ggufVocabulary().metadata }

    func ggufVocabulary() throws -> GGUFVocabulary {
        let kind: GGUFVocabulary.Model
        let pre = GGUFPreTokenizer.matching(preTokenizer)
        if pre != nil {
            kind = .gpt2
        } else if model.byteFallback {
            kind = .llama
        } else {
            throw ModelError(file: path, "its pre-tokenizer matches no tokenizer.ggml.pre value PrefLab writes (\(GGUFPreTokenizer.supportedNames.joined(separator: ", "))), so it has no GGUF form")
        }
        let tokens: [String] = try (0..<vocabularySize).map { id in
            guard let token = token(of: id) else { throw ModelError(file: path, "has no token with id \(id); GGUF lists every id from 0") }
            return token
        }
        let unknown = unknownTokenId ?? model.unknown
        // SentencePiece vocabularies have an unknown token of their own; byte-level ones name a control token.
        let types: [GGUFVocabulary.TokenType] = tokens.enumerated().map { id, token in
            if kind == .llama, id == unknown { return .unknown }
            if let added = addedById[id] { return added.special ? .control : .userDefined }
            if kind == .llama, Self.isByteToken(token) { return .byte }
            return .normal
        }
        let merges = model.orderedMerges
        var scores: [Float]?
        if kind == .llama {
            if let own = self.scores, own.count == tokens.count {
                scores = own
            } else {
                // The earlier a merge makes a token, the higher its score: SentencePiece merges by score.
                var derived = [Float](repeating: 0, count: tokens.count)
                var scored = Set<Int>()
                for (rank, merge) in merges.enumerated() {
                    guard let id = model.vocab[merge.left + merge.right], scored.insert(id).inserted else { continue }
                    derived[id] = -Float(rank)
                }
                scores = derived
            }
        }
        let around = addedAroundText
        var vocabulary = GGUFVocabulary(
            model: kind, pre: pre, tokens: tokens, types: types, scores: scores, merges: merges,
            addBos: bosTokenId.map { around.before == [$0] } ?? false, addEos: eosTokenId.map { around.after == [$0] } ?? false,
            addSpacePrefix: kind == .llama && addsSpacePrefix, chatTemplate: chatTemplate)
        vocabulary.bos = bosTokenId
        vocabulary.eos = eosTokenId
        vocabulary.unknown = unknown
        vocabulary.padding = paddingTokenId
        return vocabulary
    }

    /// Whether SentencePiece pre-tokenizing puts `▁` before the text (Metaspace's scheme, or the legacy Prepend normalizer).
    private var addsSpacePrefix: Bool {
        if case .metaspace(_, let scheme, _) = preTokenizer { return scheme != "never" }
        func prepends(_ normalizer: Normalizer?) -> Bool {
            switch normalizer {
            case .prepend?: return true
            case .sequence(let steps)?: return steps.contains { prepends($0) }
            default: return false
            }
        }
        return prepends(normalizer)
    }

    static func isByteToken(_ token: String) -> Bool {
        token.utf8.count == 6 && token.hasPrefix("<0x") && token.hasSuffix(">") && UInt8(token.dropFirst(3).prefix(2), radix: 16) != nil
    }
}

extension GGUFVocabulary {
    /// tokenizer.json as transformers' GGUF loader builds it, except that the split follows llama.cpp's
    /// regexes for `pre` (transformers has none for some, e.g. `smollm`, `default`) and that Llama 3's
    /// `ignore_merges` is kept, as llama.cpp keeps it.
    func tokenizerJSON(file: String) throws -> [String: Any] {
        var vocab: [String: Int] = [:]
        for (id, token) in tokens.enumerated() {
            // Byte-level vocabularies spell tokens in GPT-2's byte alphabet; a token outside it (an added
            // token stored as raw text) is respelled there, where it cannot clash with merged text.
            let spelled = model == .gpt2 && !token.unicodeScalars.allSatisfy { ByteLevel.bytes[$0] != nil } ? ByteLevel.encode(token) : token
            if let other = vocab.updateValue(id, forKey: spelled) {
                throw ModelError(file: file, "tokenizer.ggml.tokens \(other) and \(id) are the same token in the byte-level alphabet ('\(spelled)')")
            }
        }
        let merges = self.merges ?? Self.mergesFromScores(tokens: tokens, scores: scores ?? [])
        // Control and unknown tokens are special; user-defined ones are plain added tokens. Neither is ever split.
        let added: [[String: Any]] = tokens.indices.compactMap { id in
            let special: Bool
            switch types[id] {
            case .control, .unknown: special = true
            case .userDefined: special = false
            default: return nil
            }
            return ["id": id, "content": tokens[id], "single_word": false, "lstrip": false, "rstrip": false,
                    "normalized": false, "special": special]
        }
        var modelJSON: [String: Any] = [
            "type": "BPE", "dropout": NSNull(), "continuing_subword_prefix": NSNull(), "end_of_word_suffix": NSNull(),
            "vocab": vocab, "merges": merges.map { [$0.left, $0.right] },
        ]
        var json: [String: Any] = ["version": "1.0", "truncation": NSNull(), "padding": NSNull(), "added_tokens": added,
                                   "normalizer": NSNull(), "post_processor": postProcessorJSON]
        switch model {
        case .gpt2:
            modelJSON.merge(["unk_token": NSNull(), "fuse_unk": false, "byte_fallback": false, "ignore_merges": pre?.ignoresMerges ?? false]) { $1 }
            json["pre_tokenizer"] = pre?.json ?? NSNull()
            json["decoder"] = ["type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true] as [String: Any]
        case .llama:
            modelJSON.merge(["unk_token": unknown.map { tokens[$0] as Any } ?? NSNull(), "fuse_unk": true, "byte_fallback": true,
                             "ignore_merges": false]) { $1 }
            json["pre_tokenizer"] = ["type": "Metaspace", "replacement": "▁", "prepend_scheme": addSpacePrefix ? "first" : "never", "split": false] as [String: Any]
            var steps: [[String: Any]] = [
                ["type": "Replace", "pattern": ["String": "▁"], "content": " "], ["type": "ByteFallback"], ["type": "Fuse"],
            ]
            if addSpacePrefix { steps.append(["type": "Strip", "content": " ", "start": 1, "stop": 0]) }
            json["decoder"] = ["type": "Sequence", "decoders": steps] as [String: Any]
        }
        json["model"] = modelJSON
        return json
    }

    /// A TemplateProcessing that adds BOS and EOS as the flags say.
    private var postProcessorJSON: [String: Any] {
        let bosName = addBos ? bos.map { tokens[$0] } : nil
        let eosName = addEos ? eos.map { tokens[$0] } : nil
        func special(_ name: String?, _ typeId: Int) -> [[String: Any]] {
            name.map { [["SpecialToken": ["id": $0, "type_id": typeId]]] } ?? []
        }
        var specials: [String: Any] = [:]
        for (name, id) in [(bosName, bos), (eosName, eos)] {
            if let name, let id { specials[name] = ["id": name, "ids": [id], "tokens": [name]] }
        }
        return [
            "type": "TemplateProcessing",
            "single": special(bosName, 0) + [["Sequence": ["id": "A", "type_id": 0]]] + special(eosName, 0),
            "pair": special(bosName, 0) + [["Sequence": ["id": "A", "type_id": 0]]] + special(eosName, 0)
                + special(bosName, 1) + [["Sequence": ["id": "B", "type_id": 1]]] + special(eosName, 1),
            "special_tokens": specials,
        ]
    }

    /// tokenizer_config.json: the special tokens by role, the flags and the chat template, with the
    /// generic tokenizer class so that transformers uses tokenizer.json as it is.
    var configJSON: [String: Any] {
        var json: [String: Any] = ["tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": addBos, "add_eos_token": addEos]
        for (key, id) in [("bos_token", bos), ("eos_token", eos), ("unk_token", unknown), ("pad_token", padding)] {
            if let id { json[key] = tokens[id] }
        }
        if let chatTemplate { json["chat_template"] = chatTemplate }
        return json
    }

    /// Merges recovered from SentencePiece scores, as transformers recovers them: every split of a
    /// token into two tokens, best score first, then longer left and right parts first; ties keep
    /// token order, and the splits of one token go by the ids of their parts.
    static func mergesFromScores(tokens: [String], scores: [Float]) -> [(left: String, right: String)] {
        let ids = Dictionary(tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var candidates: [(left: String, right: String, score: Float, leftLength: Int, rightLength: Int, order: Int)] = []
        for (id, token) in tokens.enumerated() where id < scores.count {
            let scalars = Array(token.unicodeScalars)
            guard scalars.count > 1 else { continue }
            var splits: [(leftId: Int, rightId: Int, left: String, right: String, cut: Int)] = []
            for cut in 1..<scalars.count {
                let left = String(String.UnicodeScalarView(scalars[..<cut])), right = String(String.UnicodeScalarView(scalars[cut...]))
                if let leftId = ids[left], let rightId = ids[right] { splits.append((leftId, rightId, left, right, cut)) }
            }
            splits.sort { ($0.leftId, $0.rightId) < ($1.leftId, $1.rightId) }
            for split in splits {
                candidates.append((split.left, split.right, scores[id], split.cut, scalars.count - split.cut, candidates.count))
            }
        }
        candidates.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            if a.leftLength != b.leftLength { return a.leftLength > b.leftLength }
            if a.rightLength != b.rightLength { return a.rightLength > b.rightLength }
            return a.order < b.order
        }
        return candidates.map { ($0.left, $0.right) }
    }
}
