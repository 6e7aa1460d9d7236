import Base

/// ARC (AI2 Reasoning Challenge) multiple-choice questions → one pair per wrong answer, as the
/// DPOP paper built its ARC pairs (three per four-choice question). The file layouts are
/// `ARCQuestion`'s.
///
/// Prompt: the question with its lettered options (`PairPrompt`); chosen: the correct option's
/// text; rejected: a wrong option's text — whole answers, which is why ARC pairs have a high
/// edit distance.
enum ARCPairs {
    static func build(_ lines: [JSONLine]) throws -> BuiltPairs {
        var built = BuiltPairs()
        for line in lines {
            let question = try ARCQuestion(line)
            let options = question.options
            guard options.count >= 2 else { throw PreferenceError(line.place, "has \(options.count) choice(s); a pair needs at least 2") }
            let correct = options[try question.correctIndex()]
            let prompt = PairPrompt.question(question.stem, options: options)
            for wrong in options where wrong.label != question.answerKey {
                // Identical texts would give a pair no loss can learn from.
                guard wrong.text != correct.text else {
                    built.skipped.append(PreferenceError(line.place, "choice \(wrong.label) repeats the correct answer's text"))
                    continue
                }
                built.pairs.append(PreferencePair(prompt: prompt, chosen: correct.text, rejected: wrong.text, origin: line.place))
            }
        }
        return built
    }
}
