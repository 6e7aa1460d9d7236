import Base
import Models

/// The log-likelihood of a continuation given a context, as lm-evaluation-harness computes it
/// for `loglikelihood` requests (`_encode_pair` and `_loglikelihood_tokens` of its Hugging Face
/// backend): the two strings are tokenised jointly, the continuation's tokens are the joint
/// encoding minus the context's, and the score is the sum of their log-probs.
public struct ContinuationScorer {
    public let model: TransformerModel
    let tokenizer: Tokenizer
    /// The special tokens the tokenizer puts before a text (BOS), when `bos` is on.
    let leadingTokens: [Int]
    /// What an empty context becomes: lm-evaluation-harness's `prefix_token_id` (BOS, else EOS).
    let emptyContext: [Int]

    /// - Parameter bos: start every context with the tokenizer's leading special tokens (BOS),
    ///   as PrefLab's training and `completion_logprob` do. lm-evaluation-harness's Hugging Face
    ///   backend adds none unless `add_bos_token` is set; `bos: false` matches that.
    public init(model: TransformerModel, bos: Bool = true) throws {
        guard let tokenizer = model.tokenizer else { throw PreferenceError("model", "has no tokenizer, so texts cannot be scored") }
        self.model = model
        self.tokenizer = tokenizer
        leadingTokens = bos ? Self.leadingSpecialTokens(tokenizer) : []
        emptyContext = [model.config.bosTokenId ?? model.config.eosTokenIds.first].compactMap { $0 }
    }

    /// lm-evaluation-harness's `_encode_pair`: trailing whitespace of the context moves to the
    /// start of the continuation (`"Answer: "` + `"x"` is scored as `"Answer:"` + `" x"`), the
    /// whole text is encoded, and the continuation's tokens are those after the context's own
    /// encoding. The context gets the leading special tokens; an empty one becomes BOS (or EOS).
    public func encode(context: String, continuation: String, origin: String = "text") throws -> (context: [Int], continuation: [Int]) {
        var cache: [String: [Int]] = [:]
        return try encode(context: context, continuation: continuation, origin: origin, contextTokens: &cache)
    }

    /// `encode`, keeping each context's own encoding in `cache`: the choices of a question share
    /// their context, which is then tokenised once.
    private func encode(context: String, continuation: String, origin: String,
                        contextTokens cache: inout [String: [Int]]) throws -> (context: [Int], continuation: [Int]) {
        var contextScalars = Array(context.unicodeScalars)
        var moved = String.UnicodeScalarView()
        while let last = contextScalars.last, last.properties.isWhitespace {
            moved.insert(contextScalars.removeLast(), at: moved.startIndex)
        }
        let trimmedContext = String(String.UnicodeScalarView(contextScalars))
        let whole = tokenizer.encode(trimmedContext + String(moved) + continuation, addSpecialTokens: false)
        let contextTokens = cache[trimmedContext] ?? tokenizer.encode(trimmedContext, addSpecialTokens: false)
        cache[trimmedContext] = contextTokens
        let continuationTokens = Array(whole.dropFirst(contextTokens.count))
        guard !continuationTokens.isEmpty else {
            throw PreferenceError(origin, "the continuation \(jsonQuoted(continuation)) gives no tokens of its own after the context")
        }
        var fullContext = leadingTokens + contextTokens
        if fullContext.isEmpty { fullContext = emptyContext }
        guard !fullContext.isEmpty else {
            throw PreferenceError(origin, "the context is empty and the model has neither a BOS nor an EOS token to stand for it")
        }
        return (fullContext, continuationTokens)
    }

    /// The summed log-prob of each continuation given its context, batched, in request order.
    public func score(_ requests: [ContinuationRequest]) throws -> [ContinuationScore] {
        var rows: [ScoredRow] = []
        var cache: [String: [Int]] = [:]
        for request in requests {
            let encoded = try encode(context: request.context, continuation: request.continuation, origin: request.origin, contextTokens: &cache)
            rows.append(ScoredRow(tokens: encoded.context + encoded.continuation, firstTarget: encoded.context.count, origin: request.origin))
        }
        return try TeacherForcing.score(model, rows: rows).map { row in
            ContinuationScore(logprob: row.logprobs.reduce(0, +), isGreedy: row.greedy.allSatisfy { $0 }, tokens: row.logprobs.count)
        }
    }

    /// The special tokens the post-processor puts before a text: what `encode(x)` adds in front
    /// of `encode(x, addSpecialTokens: false)` (e.g. Llama's `<s>`). Tokens after the text (an EOS
    /// some templates append) are not wanted inside a context and are left out.
    static func leadingSpecialTokens(_ tokenizer: Tokenizer) -> [Int] {
        let probe = "a"
        let with = tokenizer.encode(probe, addSpecialTokens: true), without = tokenizer.encode(probe, addSpecialTokens: false)
        guard !without.isEmpty, with.count >= without.count else { return [] }
        let start = (0...(with.count - without.count)).first { Array(with[$0..<($0 + without.count)]) == without }
        return start.map { Array(with.prefix($0)) } ?? []
    }
}

/// A context and the continuation to score after it; `origin` (`file:line`) names it in errors.
public struct ContinuationRequest: Equatable, Sendable {
    public var context: String
    public var continuation: String
    public var origin: String

    public init(context: String, continuation: String, origin: String = "text") {
        self.context = context
        self.continuation = continuation
        self.origin = origin
    }
}

/// One continuation's score: the sum of its tokens' log-probs, whether greedy decoding would
/// produce it (lm-evaluation-harness's `is_greedy`), and how many tokens it has.
public struct ContinuationScore: Equatable, Sendable {
    public let logprob: Double
    public let isGreedy: Bool
    public let tokens: Int
}
