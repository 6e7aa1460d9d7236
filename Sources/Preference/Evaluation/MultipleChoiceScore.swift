/// One question's scores: the summed log-likelihood of each choice, and lm-evaluation-harness's
/// three predictions from them (`process_results` for `multiple_choice` tasks). Ties go to the
/// first choice, as `np.argmax` breaks them.
public struct MultipleChoiceScore: Equatable, Sendable, Codable {
    public var choices: [String]
    public var gold: Int
    /// Per choice: the sum of the log-probs of the continuation `" " + choice`.
    public var logprobs: [Double]
    public var origin: String

    public init(choices: [String], gold: Int, logprobs: [Double], origin: String = "") {
        self.choices = choices
        self.gold = gold
        self.logprobs = logprobs
        self.origin = origin
    }

    /// argmax of the log-likelihoods (`acc`).
    public var predicted: Int { Self.firstArgmax(logprobs) }

    /// argmax of the log-likelihood per character of the choice, without the delimiter space
    /// (`acc_norm`; characters are Unicode code points, as Python's `len` counts them).
    public var predictedPerCharacter: Int {
        Self.firstArgmax(zip(logprobs, choices).map { $0 / Double($1.unicodeScalars.count) })
    }

    /// argmax of the log-likelihood per UTF-8 byte of the choice (`acc_bytes`).
    public var predictedPerByte: Int {
        Self.firstArgmax(zip(logprobs, choices).map { $0 / Double($1.utf8.count) })
    }

    public var acc: Bool { predicted == gold }
    public var accNorm: Bool { predictedPerCharacter == gold }
    public var accBytes: Bool { predictedPerByte == gold }

    /// The position of the first largest value (NaN never wins; 0 for an empty list).
    static func firstArgmax(_ values: [Double]) -> Int {
        var best = 0
        for (i, value) in values.enumerated() where value > values[best] || (values[best].isNaN && !value.isNaN) { best = i }
        return best
    }
}
