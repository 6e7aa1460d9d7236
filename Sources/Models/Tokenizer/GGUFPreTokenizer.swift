/// llama.cpp's pre-tokenizers for byte-level BPE, chosen by `tokenizer.ggml.pre` (gguf.md §6):
/// regexes applied one after another, each isolating its matches (and the stretches between them)
/// within the pieces the previous one left; then every piece is byte-level encoded.
struct GGUFPreTokenizer {
    /// The `pre` values that select it; the first is the one PrefLab writes.
    let names: [String]
    let regexes: [String]
    /// A piece that is already a whole token is kept without merging (Llama 3).
    let ignoresMerges: Bool
    /// llama.cpp's add_bos_token when the file does not state it.
    let addsBos: Bool

    /// GPT-2's pattern as llama.cpp writes it (no final `\s+`: whitespace no alternative matches is
    /// a piece of its own anyway, as a stretch between matches).
    static let gpt2 = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"#
    /// Llama 3's pattern; `'[sS]` rather than `(?i:'s)`, which would also match case-folded letters such as ſ.
    static let llama3 = #"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
    static let qwen2 = llama3.replacingOccurrences(of: #"\p{N}{1,3}"#, with: #"\p{N}"#)

    static let all = [
        GGUFPreTokenizer(names: ["default"], regexes: [#"[\p{P}\$\+<=>\^~\|]+"#, gpt2, #"\p{N}+"#, "[0-9][0-9][0-9]"],
                         ignoresMerges: false, addsBos: false),
        GGUFPreTokenizer(names: ["gpt-2"], regexes: [gpt2], ignoresMerges: false, addsBos: false),
        GGUFPreTokenizer(names: ["llama-bpe", "llama3", "llama-v3"], regexes: [llama3], ignoresMerges: true, addsBos: true),
        GGUFPreTokenizer(names: ["qwen2"], regexes: [qwen2], ignoresMerges: false, addsBos: false),
        GGUFPreTokenizer(names: ["smollm"], regexes: [#"\p{N}"#, gpt2], ignoresMerges: false, addsBos: false),
    ]

    static var supportedNames: [String] { all.flatMap(\.names) }

    /// The pre-tokenizer a `pre` value selects; a file without the key gets `default`, as in llama.cpp.
    static func named(_ name: String?) -> GGUFPreTokenizer? {
        all.first { $0.names.contains(name ?? "default") }
    }

    /// The one a tokenizer.json pre-tokenizer is equivalent to: these Splits then byte-level, or
    /// byte-level with its own GPT-2 regex; Hugging Face's Llama 3 and Qwen2 spellings count as theirs.
    static func matching(_ preTokenizer: PreTokenizer?) -> GGUFPreTokenizer? {
        guard let preTokenizer else { return nil }
        var regexes: [String] = []
        var steps: [PreTokenizer]
        if case .sequence(let list) = preTokenizer { steps = list } else { steps = [preTokenizer] }
        guard case .byteLevel(false, let useRegex) = steps.popLast() else { return nil }
        for step in steps {
            guard case .split(let pattern) = step else { return nil }
            regexes.append(pattern.regex.pattern)
        }
        if useRegex { regexes.append(gpt2) }
        let huggingFaceLlama3 = #"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"#
        let spelled: [String: String] = [
            huggingFaceLlama3: llama3,
            huggingFaceLlama3.replacingOccurrences(of: #"\p{N}{1,3}"#, with: #"\p{N}"#): qwen2,
        ]
        regexes = regexes.map { spelled[$0] ?? $0 }
        return all.first { $0.regexes == regexes }
    }

    /// tokenizer.json's form: one isolating Split per regex, then byte-level without a regex of its own.
    var json: [String: Any] {
        [
            "type": "Sequence",
            "pretokenizers": regexes.map { regex -> [String: Any] in
                ["type": "Split", "pattern": ["Regex": regex], "behavior": "Isolated", "invert": false]
            } + [["type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false]],
        ]
    }
}
