import Foundation

/// The tokenizer a GGUF file describes, as its `tokenizer.*` metadata states it (gguf.md §6),
/// checked as llama.cpp checks it and with llama.cpp's defaults for absent flags; and that
/// metadata written back, with the types llama.cpp expects.
struct GGUFVocabulary {
    enum Model: String, CaseIterable {
        /// Byte-level BPE with merges and a `pre` split.
        case gpt2
        /// SentencePiece-style BPE: scores, `▁` for spaces, `<0xXX>` byte tokens.
        case llama
    }

    /// `tokenizer.ggml.token_type`'s values.
    enum TokenType: Int32 {
        case undefined = 0, normal, unknown, control, userDefined, unused, byte
    }

    var model: Model
    /// gpt2 only.
    var pre: GGUFPreTokenizer?
    var tokens: [String]
    var types: [TokenType]
    var scores: [Float]?
    /// In rank order.
    var merges: [(left: String, right: String)]?
    var bos: Int?
    var eos: Int?
    var unknown: Int?
    var padding: Int?
    var addBos: Bool
    var addEos: Bool
    var addSpacePrefix: Bool
    var chatTemplate: String?

    static let idKeys: [(key: String, path: WritableKeyPath<GGUFVocabulary, Int?>)] = [
        ("tokenizer.ggml.bos_token_id", \.bos), ("tokenizer.ggml.eos_token_id", \.eos),
        ("tokenizer.ggml.unknown_token_id", \.unknown), ("tokenizer.ggml.padding_token_id", \.padding),
    ]

    init(model: Model, pre: GGUFPreTokenizer?, tokens: [String], types: [TokenType], scores: [Float]?,
         merges: [(left: String, right: String)]?, addBos: Bool, addEos: Bool, addSpacePrefix: Bool, chatTemplate: String?) {
        self.model = model
        self.pre = pre
        self.tokens = tokens
        self.types = types
        self.scores = scores
        self.merges = merges
        self.addBos = addBos
        self.addEos = addEos
        self.addSpacePrefix = addSpacePrefix
        self.chatTemplate = chatTemplate
    }

    /// - Parameter file: the file the metadata is from, for error messages.
    init(metadata: [(key: String, value: GGUFValue)], file: String) throws {
        let values = Dictionary(metadata.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        let read = MetadataReader(file: file, lookup: { values[$0] })
        let modelName = try read.string("tokenizer.ggml.model")
        guard let modelName else { throw ModelError(file: file, "has no tokenizer.ggml.model, so it describes no tokenizer") }
        guard let model = Model(rawValue: modelName) else {
            throw ModelError(file: file, "tokenizer.ggml.model is '\(modelName)'; PrefLab builds tokenizers for \(Model.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.model = model
        if model == .gpt2 {
            let name = try read.string("tokenizer.ggml.pre")
            guard let pre = GGUFPreTokenizer.named(name) else {
                throw ModelError(file: file, "tokenizer.ggml.pre is '\(name ?? "")', which PrefLab does not know; it supports \(GGUFPreTokenizer.supportedNames.joined(separator: ", "))")
            }
            self.pre = pre
        }
        guard let tokens = try read.strings("tokenizer.ggml.tokens"), !tokens.isEmpty else {
            throw ModelError(file: file, "tokenizer.ggml.tokens is missing or empty")
        }
        var seen: [String: Int] = [:]
        for (id, token) in tokens.enumerated() {
            if let first = seen.updateValue(id, forKey: token) {
                throw ModelError(file: file, "tokenizer.ggml.tokens has '\(token)' twice (ids \(first) and \(id))")
            }
        }
        self.tokens = tokens
        if let numbers = try read.ints("tokenizer.ggml.token_type") {
            guard numbers.count == tokens.count else {
                throw ModelError(file: file, "tokenizer.ggml.token_type has \(numbers.count) entries for \(tokens.count) tokens")
            }
            types = try numbers.enumerated().map { id, number in
                guard let type = Int32(exactly: number).flatMap(TokenType.init) else {
                    throw ModelError(file: file, "tokenizer.ggml.token_type of token \(id) is \(number); types are 0 to 6")
                }
                return type
            }
        } else {
            types = Array(repeating: .normal, count: tokens.count)
        }
        scores = try read.floats("tokenizer.ggml.scores")
        if let scores, scores.count != tokens.count {
            throw ModelError(file: file, "tokenizer.ggml.scores has \(scores.count) entries for \(tokens.count) tokens")
        }
        merges = try read.strings("tokenizer.ggml.merges").map { lines in
            try lines.enumerated().map { rank, line in
                // Split at the first space after the first character, as llama.cpp does.
                let scalars = Array(line.unicodeScalars)
                guard let space = scalars.indices.dropFirst().first(where: { scalars[$0] == " " }) else {
                    throw ModelError(file: file, "tokenizer.ggml.merges entry \(rank) ('\(line)') is not two tokens separated by a space")
                }
                let left = String(String.UnicodeScalarView(scalars[..<space]))
                let right = String(String.UnicodeScalarView(scalars[(space + 1)...]))
                guard seen[left] != nil, seen[right] != nil, seen[left + right] != nil else {
                    throw ModelError(file: file, "tokenizer.ggml.merges entry \(rank) ('\(line)') uses tokens missing from tokenizer.ggml.tokens")
                }
                return (left, right)
            }
        }
        if model == .gpt2, merges == nil { throw ModelError(file: file, "tokenizer.ggml.merges is missing; a gpt2 tokenizer needs it") }
        if model == .llama, merges == nil, scores == nil {
            throw ModelError(file: file, "has neither tokenizer.ggml.merges nor tokenizer.ggml.scores to merge by")
        }
        // llama.cpp's default flags: SentencePiece vocabularies add BOS and a prefix space; byte-level
        // ones add BOS only for the pre-tokenizers that ask for it.
        addBos = try read.bool("tokenizer.ggml.add_bos_token") ?? (model == .llama || pre?.addsBos == true)
        addEos = try read.bool("tokenizer.ggml.add_eos_token") ?? false
        addSpacePrefix = try read.bool("tokenizer.ggml.add_space_prefix") ?? (model == .llama)
        chatTemplate = try read.string("tokenizer.chat_template")
        // llama.cpp's default ids: SentencePiece vocabularies name <unk> <s> </s> as 0 1 2.
        let defaults: [String: Int] = model == .llama
            ? ["tokenizer.ggml.bos_token_id": 1, "tokenizer.ggml.eos_token_id": 2, "tokenizer.ggml.unknown_token_id": 0] : [:]
        for (key, path) in Self.idKeys {
            guard let id = try read.int(key) ?? defaults[key] else { continue }
            guard tokens.indices.contains(id) else {
                throw ModelError(file: file, "\(key) is \(id), outside the \(tokens.count) tokens")
            }
            self[keyPath: path] = id
        }
    }

    /// The metadata in the order llama.cpp's converter writes it: ids as u32, types as int32, scores as f32.
    var metadata: [(String, GGUFValue)] {
        var entries: [(String, GGUFValue)] = [("tokenizer.ggml.model", .string(model.rawValue))]
        if let pre { entries.append(("tokenizer.ggml.pre", .string(pre.names[0]))) }
        entries.append(("tokenizer.ggml.tokens", .array(elementType: .string, tokens.map { .string($0) })))
        if let scores { entries.append(("tokenizer.ggml.scores", .array(elementType: .float32, scores.map { .float32($0) }))) }
        entries.append(("tokenizer.ggml.token_type", .array(elementType: .int32, types.map { .int32($0.rawValue) })))
        if let merges {
            entries.append(("tokenizer.ggml.merges", .array(elementType: .string, merges.map { .string($0.left + " " + $0.right) })))
        }
        for (key, path) in Self.idKeys {
            if let id = self[keyPath: path] { entries.append((key, .uint32(UInt32(id)))) }
        }
        entries.append(("tokenizer.ggml.add_bos_token", .bool(addBos)))
        entries.append(("tokenizer.ggml.add_eos_token", .bool(addEos)))
        if model == .llama { entries.append(("tokenizer.ggml.add_space_prefix", .bool(addSpacePrefix))) }
        if let chatTemplate { entries.append(("tokenizer.chat_template", .string(chatTemplate))) }
        return entries
    }
}

/// Typed reads of GGUF metadata: an absent key is nil, a value of another type an error naming the key.
private struct MetadataReader {
    let file: String
    let lookup: (String) -> GGUFValue?

    private func wrongType(_ key: String, _ value: GGUFValue, _ expected: String) -> ModelError {
        var stated = "\(value.type)"
        if case .array(let elementType, _) = value { stated = "an array of \(elementType)" }
        return ModelError(file: file, "\(key) is \(stated), not \(expected)")
    }

    func string(_ key: String) throws -> String? {
        guard let value = lookup(key) else { return nil }
        guard let text = value.string else { throw wrongType(key, value, "a string") }
        return text
    }

    func int(_ key: String) throws -> Int? {
        guard let value = lookup(key) else { return nil }
        guard let number = value.int else { throw wrongType(key, value, "an integer") }
        return number
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = lookup(key) else { return nil }
        guard let flag = value.bool else { throw wrongType(key, value, "a bool") }
        return flag
    }

    func strings(_ key: String) throws -> [String]? { try array(key, "an array of strings") { $0.string } }
    func ints(_ key: String) throws -> [Int]? { try array(key, "an array of integers") { $0.int } }
    /// llama.cpp also accepts integer scores.
    func floats(_ key: String) throws -> [Float]? { try array(key, "an array of numbers") { $0.double.map(Float.init) } }

    private func array<T>(_ key: String, _ expected: String, _ element: (GGUFValue) -> T?) throws -> [T]? {
        guard let value = lookup(key) else { return nil }
        guard let items = value.array else { throw wrongType(key, value, expected) }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let converted = element(item) else { throw wrongType(key, value, expected) }
            result.append(converted)
        }
        return result
    }
}
