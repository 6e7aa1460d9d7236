import Models
import Training

/// How pairs become token ids: the EOS rule and TRL's length limits.
///
/// The prompt is cut from the **left** to `maxPromptLength` (its end, nearest the answer, is what
/// matters; a BOS at its start is lost, as in TRL) and completions from the right to
/// `maxCompletionLength` — TRL v0.26's `tokenize_row`. Then each completion is cut so that
/// prompt + completion ≤ `maxLength`. TRL v0.26 applies `max_length` to the concatenated
/// sequence with its `truncation_mode` instead (see shared notes, losses.md §1); cutting only
/// completions keeps the prompt limit the one place prompts are shortened, and keeps chosen and
/// rejected on the same prompt ids. A cut completion may lose its EOS, as in TRL.
public struct PairTokenization: Equatable, Sendable {
    /// The end-of-sequence id appended to each completion (check it against the model's
    /// `eos_token_id`; `Tokenizer.endOfTextId` is a fallback). Required when `appendEOS` is on.
    public var eos: Int?
    /// On by default, as in TRL: the model learns to stop after the preferred answer, and an EOS
    /// scores where each completion ends.
    public var appendEOS: Bool
    public var maxLength: Int?
    public var maxPromptLength: Int?
    public var maxCompletionLength: Int?

    public init(eos: Int?, appendEOS: Bool = true, maxLength: Int? = nil, maxPromptLength: Int? = nil, maxCompletionLength: Int? = nil) {
        self.eos = eos
        self.appendEOS = appendEOS
        self.maxLength = maxLength
        self.maxPromptLength = maxPromptLength
        self.maxCompletionLength = maxCompletionLength
    }

    /// Errors name the option: a limit that leaves no room, an EOS outside the vocabulary.
    func validate(vocabularySize: Int) throws {
        if appendEOS {
            guard let eos else { throw PreferenceError("eos", "no EOS id given; pass the model's eos_token_id, or turn append_eos off") }
            if let problem = Vocabulary.problem(in: [eos], size: vocabularySize) { throw PreferenceError("eos", problem) }
            guard Int32(exactly: eos) != nil else { throw PreferenceError("eos", "token id \(eos) does not fit a 32-bit token id") }
        }
        for (name, limit) in [("max_length", maxLength), ("max_prompt_length", maxPromptLength), ("max_completion_length", maxCompletionLength)] {
            if let limit, limit < 1 { throw PreferenceError(name, "must be at least 1, got \(limit)") }
        }
        if let maxLength, let maxPromptLength, maxPromptLength >= maxLength {
            throw PreferenceError("max_prompt_length", "must be below max_length (\(maxLength)) to leave room for a completion, got \(maxPromptLength)")
        }
    }
}

/// One pair as the trainer scores it: the prompt's ids and each completion's ids, tokenised
/// separately (see `TokenizedPairs`), with EOS and truncation applied.
///
/// The model input for the chosen side is `promptIds + chosenIds` and the loss sums the
/// log-probs of the `chosenIds` positions only (likewise for rejected). `firstDifference` and
/// `editDistance` compare `chosenIds` with `rejectedIds` exactly as scored (EOS included).
public struct TokenizedPair: Equatable, Sendable {
    public let promptIds: [Int32]
    public let chosenIds: [Int32]
    public let rejectedIds: [Int32]
    /// Index into the completions of the first differing token; nil when they are identical.
    public let firstDifference: Int?
    public let editDistance: Int
    public let promptTruncated: Bool
    public let completionTruncated: Bool

    public init(promptIds: [Int32], chosenIds: [Int32], rejectedIds: [Int32], promptTruncated: Bool = false, completionTruncated: Bool = false) {
        self.promptIds = promptIds
        self.chosenIds = chosenIds
        self.rejectedIds = rejectedIds
        firstDifference = PairDistance.firstDifference(chosenIds, rejectedIds)
        editDistance = PairDistance.editDistance(chosenIds, rejectedIds)
        self.promptTruncated = promptTruncated
        self.completionTruncated = completionTruncated
    }

    public var truncated: Bool { promptTruncated || completionTruncated }
    /// The chosen sequence the model reads: prompt then chosen completion.
    public var chosenSequence: [Int32] { promptIds + chosenIds }
    public var rejectedSequence: [Int32] { promptIds + rejectedIds }
    /// Where the completion starts in `chosenSequence`/`rejectedSequence`: the first scored position.
    public var completionStart: Int { promptIds.count }
    /// The chosen sequence as a training example whose loss covers the completion only (SFT on chosen).
    public var chosenExample: TrainingExample { TrainingExample(ids: chosenSequence, lossStart: promptIds.count) }
    public var rejectedExample: TrainingExample { TrainingExample(ids: rejectedSequence, lossStart: promptIds.count) }

    public var measure: PairMeasure {
        PairMeasure(promptLength: promptIds.count, chosenLength: chosenIds.count, rejectedLength: rejectedIds.count,
                    editDistance: editDistance, firstDifference: firstDifference)
    }
}

/// A pair set in token ids, with how many pairs the length limits cut.
///
/// Prompt and completions are tokenised **separately** and concatenated — the prompt with the
/// tokenizer's special-token template (e.g. Llama's BOS), each completion without — the same
/// convention as the `completion_logprob` builtin and the prompt/completion data loader. So the
/// prompt/completion boundary is exact: a completion's first token never merges with the end of
/// the prompt, and chosen and rejected share the same prompt ids.
public struct TokenizedPairs: Sendable {
    public let pairs: [TokenizedPair]
    public let options: PairTokenization
    /// Pairs with anything cut (prompt or either completion).
    public var truncatedCount: Int { pairs.filter(\.truncated).count }
    public var promptTruncatedCount: Int { pairs.filter(\.promptTruncated).count }
    public var completionTruncatedCount: Int { pairs.filter(\.completionTruncated).count }

    public init(pairs: [TokenizedPair], options: PairTokenization) {
        self.pairs = pairs
        self.options = options
    }

    public init(_ pairs: [PreferencePair], tokenizer: Tokenizer, options: PairTokenization) throws {
        try options.validate(vocabularySize: tokenizer.vocabularySize)
        let eos: Int32? = options.appendEOS ? options.eos.flatMap { Int32(exactly: $0) } : nil
        var result: [TokenizedPair] = []
        result.reserveCapacity(pairs.count)
        for (index, pair) in pairs.enumerated() {
            let place = pair.place(index: index)
            var prompt = try Self.ids(tokenizer.encode(pair.prompt, addSpecialTokens: true), place: place)
            guard !prompt.isEmpty else {
                throw PreferenceError(place, "the prompt gives no tokens; the first completion token needs a prompt token before it")
            }
            var chosen = try Self.ids(tokenizer.encode(pair.chosen, addSpecialTokens: false), place: place)
            var rejected = try Self.ids(tokenizer.encode(pair.rejected, addSpecialTokens: false), place: place)
            if let eos {
                chosen.append(eos)
                rejected.append(eos)
            }
            for (name, ids) in [("chosen", chosen), ("rejected", rejected)] where ids.isEmpty {
                throw PreferenceError(place, "'\(name)' gives no tokens and no EOS is appended, so there is nothing to score")
            }
            var promptCut = false, completionCut = false
            if let limit = options.maxPromptLength, prompt.count > limit {
                prompt = Array(prompt.suffix(limit))
                promptCut = true
            }
            var room = options.maxCompletionLength ?? Int.max
            if let maxLength = options.maxLength {
                guard prompt.count < maxLength else {
                    throw PreferenceError("max_length", "\(place): the prompt has \(prompt.count) tokens, leaving no room for a completion within max_length \(maxLength); set max_prompt_length below max_length")
                }
                room = Swift.min(room, maxLength - prompt.count)
            }
            if chosen.count > room || rejected.count > room {
                chosen = Array(chosen.prefix(room))
                rejected = Array(rejected.prefix(room))
                completionCut = true
            }
            result.append(TokenizedPair(promptIds: prompt, chosenIds: chosen, rejectedIds: rejected,
                                        promptTruncated: promptCut, completionTruncated: completionCut))
        }
        self.pairs = result
        self.options = options
    }

    public func statistics(lowDistanceThreshold: Int = 1) -> PairStatistics {
        PairStatistics(pairs.map(\.measure), lowDistanceThreshold: lowDistanceThreshold)
    }

    private static func ids(_ ids: [Int], place: String) throws -> [Int32] {
        try ids.map { id in
            guard let narrow = Int32(exactly: id), narrow >= 0 else { throw PreferenceError(place, "token id \(id) does not fit a 32-bit token id") }
            return narrow
        }
    }
}
