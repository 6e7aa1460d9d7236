import Base
import Foundation
import Models
import Tensor
import Training

/// A model as a language value.
final class ModelHandle: Handle {
    let model: TransformerModel
    init(_ model: TransformerModel) {
        self.model = model
        super.init(kind: "model")
    }

    override var summary: String {
        let c = model.config
        let millions = String(format: "%.2fM", Double(model.parameterCount) / 1e6)
        return "<model \(c.architecture.rawValue): \(c.layers) layers, hidden \(c.hiddenSize), \(c.heads) heads (\(c.kvHeads) kv), "
            + "vocab \(c.vocabSize), \(millions) parameters\(model.tokenizer == nil ? "" : ", with tokenizer")>"
    }

    private enum Property: String, CaseIterable {
        case vocab, hidden, layers, parameters, arch, tokenizer
    }

    override var propertyNames: [String] { Property.allCases.map(\.rawValue) }

    override func property(_ name: String) -> Value? {
        let c = model.config
        switch Property(rawValue: name) {
        case .vocab: return .number(Double(c.vocabSize))
        case .hidden: return .number(Double(c.hiddenSize))
        case .layers: return .number(Double(c.layers))
        case .parameters: return .number(Double(model.parameterCount))
        case .arch: return .string(c.architecture.rawValue)
        case .tokenizer: return model.tokenizer.map { .handle(TokenizerHandle($0)) } ?? .nil
        case nil: return nil
        }
    }
}

final class TokenizerHandle: Handle {
    let tokenizer: Tokenizer
    init(_ tokenizer: Tokenizer) {
        self.tokenizer = tokenizer
        super.init(kind: "tokenizer")
    }
    override var summary: String { "<tokenizer: \(tokenizer.vocabularySize) tokens, \(tokenizer.path)>" }

    private enum Property: String, CaseIterable {
        case vocab
    }

    override var propertyNames: [String] { Property.allCases.map(\.rawValue) }

    override func property(_ name: String) -> Value? {
        switch Property(rawValue: name) {
        case .vocab: return .number(Double(tokenizer.vocabularySize))
        case nil: return nil
        }
    }
}

extension Arguments {
    func model(_ name: String) throws -> TransformerModel {
        guard case .handle(let handle) = try self[name], let model = handle as? ModelHandle else {
            throw BuiltinError("argument '\(name)' must be a model, got a \(try self[name].typeName)")
        }
        return model.model
    }

    func tokenizerValue(_ name: String) throws -> Tokenizer {
        if case .handle(let handle) = try self[name] {
            if let tokenizer = handle as? TokenizerHandle { return tokenizer.tokenizer }
            if let model = handle as? ModelHandle, let tokenizer = model.model.tokenizer { return tokenizer }
        }
        throw BuiltinError("argument '\(name)' must be a tokenizer (or a model that has one), got a \(try self[name].typeName)")
    }

    /// Token ids from a list of whole numbers or a 1-D tensor.
    func ids(_ name: String) throws -> [Int] {
        try numbers(name).map { value in
            guard let id = Int(exactly: value) else { throw BuiltinError("token ids must be whole numbers, got \(format(value))") }
            return id
        }
    }
}

extension Builtins {
    static let models: [Builtin] = [
        Builtin("load_model(path)", topic: "models",
                doc: "A model from a Hugging Face directory (config.json, *.safetensors, and tokenizer.json when present), a GGUF file (llama.cpp, Ollama, LM Studio; any quantisation type is dequantised to Float32), or a directory holding one GGUF file: Llama, Mistral, Qwen2 or GPT-2. A run's checkpoints/latest (a text file naming the newest checkpoint) loads that checkpoint.",
                example: "let m = new_model(vocab: 32, hidden: 16, layers: 1, heads: 2)\nsave_model(m, \"/tmp/preflab-example-model\")\nload_model(\"/tmp/preflab-example-model\")") { a in
            return .handle(ModelHandle(try TransformerModel.load(path: try a.path("path"))))
        },
        Builtin("new_model(arch = \"llama\", vocab = 256, hidden = 64, layers = 2, heads = 4, kv_heads = nil, ffn = nil, tie = true, max_len = 512, seed = 0, tokenizer = nil)",
                topic: "models",
                doc: "A freshly initialised model (normal(0, 0.02) weights, as transformers does) of the Llama family (\"llama\", \"mistral\", \"qwen2\") or \"gpt2\"; tie shares the LM head with the embeddings; tokenizer: attaches one (vocab must cover it), so text functions and save_model work with it.",
                example: "new_model(vocab: 100, hidden: 32, layers: 2, heads: 4, kv_heads: 2)") { a in
            guard let architecture = ModelConfig.Architecture(rawValue: try a.string("arch")) else {
                throw BuiltinError("arch must be one of \(ModelConfig.Architecture.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            }
            let sizes = try ["vocab", "hidden", "layers", "heads", "max_len"].map { try a.int($0) }
            guard sizes.allSatisfy({ $0 > 0 }), sizes[0] <= 1_000_000, sizes[1] <= 65_536, sizes[2] <= 1_000, sizes[4] <= 1_000_000 else {
                throw BuiltinError("vocab, hidden, layers, heads and max_len must be positive (and of a size that fits in memory)")
            }
            let seed = try a.int("seed")
            guard seed >= 0 else { throw BuiltinError("seed must not be negative") }
            let tokenizer = try a.isNil("tokenizer") ? nil : try a.tokenizerValue("tokenizer")
            if let tokenizer, tokenizer.vocabularySize > sizes[0] {
                throw BuiltinError("vocab \(sizes[0]) is smaller than the tokenizer's \(tokenizer.vocabularySize) tokens")
            }
            // Refusing an option the architecture lacks beats building a model unlike the one asked for.
            let descriptor = architecture.descriptor
            if !descriptor.groupedQueryAttention, try !a.isNil("kv_heads") {
                throw BuiltinError("kv_heads: \(descriptor.displayName) has no grouped-query attention (each head has its own keys and values); leave kv_heads out")
            }
            if !descriptor.untiedHead, try !a.bool("tie") {
                throw BuiltinError("tie: \(descriptor.displayName)'s LM head is always tied to its embeddings (as in transformers' \(descriptor.transformersClass(architecture))); leave tie out")
            }
            let config = try ModelConfig.make(architecture: architecture, vocab: sizes[0], hidden: sizes[1], layers: sizes[2], heads: sizes[3],
                                              kvHeads: try a.optionalInt("kv_heads"), ffn: try a.optionalInt("ffn"), tie: try a.bool("tie"), maxLength: sizes[4])
            return .handle(ModelHandle(try TransformerModel.random(config: config, seed: UInt64(seed), tokenizer: tokenizer)))
        },
        Builtin("save_model(model, path, \(SettingSignature.parameter(GGUFStorage.setting)))", topic: "models",
                doc: "Writes the model where path says. A path ending .gguf gets one GGUF file for llama.cpp, Ollama or LM Studio, with the tokenizer and chat template in its metadata (" + GGUFStorage.setting.name + ": " + GGUFStorage.setting.doc + "); any other path is a Hugging Face directory: config.json, model.safetensors (F32) and the tokenizer's files, which transformers' from_pretrained loads. Missing folders are created; files are replaced atomically.",
                example: "save_model(new_model(vocab: 32, hidden: 32, layers: 1, heads: 2), \"/tmp/preflab-example-save\")\nsave_model(new_model(vocab: 32, hidden: 32, layers: 1, heads: 2), \"/tmp/preflab-example-save.gguf\", type: \"q8_0\")") { a in
            let model = try a.model("model"), path = try a.path("path")
            let storage = try a.setting(GGUFStorage.setting)
            if path.hasSuffix(".gguf") {
                try OutputPath.checkFile(path)
                try model.save(gguf: path, storage: storage)
            } else {
                guard storage == GGUFStorage.setting.defaultValue else {
                    throw BuiltinError("type applies to GGUF files; end the path with .gguf, or leave type out for a Hugging Face directory")
                }
                try OutputPath.checkFolder(path)
                try model.save(directory: path)
            }
            return .nil
        },
        Builtin("tokenizer(path)", topic: "models", doc: "A tokenizer.json file (or a directory holding one), or the tokenizer a GGUF file's metadata describes: BPE tokenizers of the GPT-2, Llama-3, Qwen2 and SentencePiece kinds.",
                example: "let path = temp_dir() + \"/tokenizer.json\"\ntrain_tokenizer([\"two apples\", \"three apples\"], path, vocab: 262)\ntokenizer(path).vocab") { a in
            var path = try a.path("path")
            if path.hasSuffix(".gguf") { return .handle(TokenizerHandle(try Tokenizer(gguf: try GGUFFile(path: path)))) }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { path += "/tokenizer.json" }
            return .handle(TokenizerHandle(try Tokenizer(path: path)))
        },
        Builtin("encode(tok, text, special = true)", topic: "models",
                doc: "Token ids of the text; special: false leaves out the post-processor's tokens (e.g. BOS). tok may be a tokenizer or a model with one.",
                example: "encode(default_model(), \"Ana has 17 apples.\")") { a in
            let tokenizer = try a.tokenizerValue("tok")
            return .list(tokenizer.encode(try a.string("text"), addSpecialTokens: try a.bool("special")).map { .number(Double($0)) })
        },
        Builtin("decode(tok, ids)", topic: "models", doc: "The text of token ids.", example: "let m = default_model()\ndecode(m, encode(m, \"Ana has 17 apples.\", special: false))") { a in
            let tokenizer = try a.tokenizerValue("tok")
            let ids = try a.ids("ids")
            return .string(try tokenizer.decode(ids))
        },
        Builtin("logits(model, ids)", topic: "models", doc: "The model's logits at every position of the token ids: a tensor [T, vocab].",
                example: "logits(new_model(vocab: 32, hidden: 16, layers: 1, heads: 2), [1, 2, 3]).shape") { a in
            let model = try a.model("model"), ids = try a.ids("ids")
            return .tensor(try model.logits(ids))
        },
        Builtin("token_logprobs(model, ids)", topic: "models", doc: "log p(ids[t] | ids[<t]) for t = 1 … T−1: a tensor [T−1].",
                example: "token_logprobs(new_model(vocab: 32, hidden: 16, layers: 1, heads: 2), [1, 2, 3])") { a in
            let model = try a.model("model"), ids = try a.ids("ids")
            return .tensor(Tensor(try InferenceModel(model: model).tokenLogprobs(ids)))
        },
        Builtin("completion_logprob(model, prompt, completion)", topic: "models",
                doc: "The sum of the completion tokens' log-probs given the prompt, using the model's tokenizer: the prompt is encoded with its special tokens (e.g. BOS), the completion without, and the two are concatenated, so the score never depends on how the completion's first token would merge with the prompt.",
                example: "let p = problems(1, steps: 1, seed: 5)[0]\ncompletion_logprob(default_model(), p.prompt, p.solution)") { a in
            let model = try a.model("model")
            guard let tokenizer = model.tokenizer else { throw BuiltinError("the model has no tokenizer (no tokenizer.json in its directory)") }
            let prompt = tokenizer.encode(try a.string("prompt")), completion = tokenizer.encode(try a.string("completion"), addSpecialTokens: false)
            guard !prompt.isEmpty, !completion.isEmpty else { throw BuiltinError("prompt and completion must each give at least one token") }
            let logprobs = try InferenceModel(model: model).tokenLogprobs(prompt + completion, from: prompt.count)
            return .number(logprobs.reduce(0) { $0 + Double($1) })
        },
        Builtin("generate(model, prompt, max_tokens = 32, temperature = 0, top_k = nil, top_p = nil, seed = 0, stop = nil)", topic: "models",
                doc: "Text continuing the prompt: greedy when temperature is 0, else sampled (top_k, top_p, seed); stops at EOS, at the end of an assistant's turn when the tokenizer has a chat template (<|im_end|>, <|eot_id|>, …), at max_tokens or at a stop string (a string or a list). prompt may be a string (with a tokenizer) or a list of ids, which returns ids.",
                example: "generate(new_model(vocab: 32, hidden: 16, layers: 1, heads: 2), [1, 2], max_tokens: 3)") { a in
            let model = try a.model("model")
            var sampling = TransformerModel.Sampling()
            sampling.temperature = try a.number("temperature")
            sampling.topK = try a.optionalInt("top_k")
            sampling.topP = try a.isNil("top_p") ? nil : try a.number("top_p")
            let seed = try a.int("seed")
            guard seed >= 0 else { throw BuiltinError("seed must not be negative, got \(seed)") }
            sampling.seed = UInt64(seed)
            var stop: [String] = []
            if case .string(let single) = try a["stop"] {
                stop = [single]
            } else if try !a.isNil("stop") {
                // Stop strings are matched against decoded text; a number would silently become its digits.
                stop = try a.list("stop").map { item in
                    guard case .string(let text) = item else { throw BuiltinError("stop must be a string or a list of strings, got a \(item.typeName) in the list") }
                    return text
                }
            }
            let maxTokens = try a.int("max_tokens")
            guard (0...100_000).contains(maxTokens) else { throw BuiltinError("max_tokens must be between 0 and 100000") }
            if case .string(let text) = try a["prompt"] {
                guard let tokenizer = model.tokenizer else { throw BuiltinError("a text prompt needs a model with a tokenizer; pass token ids instead") }
                return .string(try TextGeneration.text(model, tokenizer: tokenizer, prompt: text, maxTokens: maxTokens, sampling: sampling, stop: stop))
            }
            let made = try TextGeneration.tokens(model, prompt: try a.ids("prompt"), maxTokens: maxTokens, sampling: sampling, stop: stop)
            return .list(made.map { .number(Double($0)) })
        },
    ]
}
