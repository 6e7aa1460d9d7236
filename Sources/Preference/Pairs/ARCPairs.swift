import Foundation

/// ARC (AI2 Reasoning Challenge) multiple-choice questions → one pair per wrong answer, as the
/// DPOP paper built its ARC pairs (three per four-choice question).
///
/// Two layouts are read: AI2's original JSONL, `{"question": {"stem", "choices": [{"text",
/// "label"}]}, "answerKey"}`, and the Hugging Face `allenai/ai2_arc` flat form, `{"question":
/// "…", "choices": {"text": [...], "label": [...]}, "answerKey"}`. Labels are letters or digits
/// (some ARC questions use 1–4); `answerKey` may be a string or a number.
///
/// Prompt: the question with its lettered options (`PairPrompt`); chosen: the correct option's
/// text; rejected: a wrong option's text — whole answers, which is why ARC pairs have a high
/// edit distance.
enum ARCPairs {
    static func build(_ lines: [PairJSONLine]) throws -> BuiltPairs {
        var built = BuiltPairs()
        for line in lines {
            let (stem, options) = try question(line)
            let key = try line.label("answerKey")
            guard options.count >= 2 else { throw PreferenceError(line.place, "has \(options.count) choice(s); a pair needs at least 2") }
            guard let correct = options.first(where: { $0.label == key }) else {
                throw PreferenceError(line.place, "answerKey '\(key)' is not among the labels \(options.map(\.label).joined(separator: ", "))")
            }
            let prompt = PairPrompt.question(stem, options: options)
            for wrong in options where wrong.label != key {
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

    /// The question text and its (label, text) options, from either layout.
    private static func question(_ line: PairJSONLine) throws -> (String, [(label: String, text: String)]) {
        let question = try line.value("question")
        if let stem = question as? String {
            guard let choices = try line.value("choices") as? [String: Any],
                  let texts = choices["text"] as? [Any], let labels = choices["label"] as? [Any] else {
                throw PreferenceError(line.place, "field 'choices' must be {\"text\": [...], \"label\": [...]}")
            }
            guard texts.count == labels.count else {
                throw PreferenceError(line.place, "'choices' has \(texts.count) texts but \(labels.count) labels")
            }
            return (stem, try zip(labels, texts).map { label, text in try option(label: label, text: text, place: line.place) })
        }
        guard let object = question as? [String: Any] else {
            throw PreferenceError(line.place, "field 'question' must be a string or {\"stem\", \"choices\"}")
        }
        guard let stem = object["stem"] as? String else { throw PreferenceError(line.place, "question has no 'stem' string") }
        guard let choices = object["choices"] as? [Any] else { throw PreferenceError(line.place, "question has no 'choices' list") }
        return (stem, try choices.map { choice in
            guard let entry = choice as? [String: Any], let label = entry["label"], let text = entry["text"] else {
                throw PreferenceError(line.place, "each choice must be {\"text\", \"label\"}")
            }
            return try option(label: label, text: text, place: line.place)
        })
    }

    private static func option(label: Any, text: Any, place: String) throws -> (label: String, text: String) {
        guard let text = text as? String else { throw PreferenceError(place, "a choice's text is not a string") }
        guard let label = PairJSONLine.labelText(label) else { throw PreferenceError(place, "a choice's label is not a string or a whole number") }
        return (label, text)
    }
}
