/// HellaSwag sentence completions → one pair per wrong ending (three per question), as the DPOP
/// paper built its HellaSwag pairs.
///
/// Fields: `ctx`, or `ctx_a` and `ctx_b` (joined with a space), an optional `activity_label`,
/// `endings` (four strings) and `label` (the right ending's index, as a number or a string).
///
/// Prompt: `"<activity_label>: <ctx>"`, the layout of lm-evaluation-harness. Completions are
/// `" " + ending`: the ending continues the context's sentence, so the space between them belongs
/// to the completion, where a BPE tokenizer expects it (" word" is one token, "word" another).
/// Texts are otherwise kept as they are (WikiHow's `[header]`/`[step]` markers included).
enum HellaSwagPairs {
    static func build(_ lines: [PairJSONLine]) throws -> BuiltPairs {
        var built = BuiltPairs()
        for line in lines {
            let context: String
            if line.has("ctx") {
                context = try line.string("ctx")
            } else {
                let a = try line.string("ctx_a"), b = line.has("ctx_b") ? try line.string("ctx_b") : ""
                context = b.isEmpty ? a : a + " " + b
            }
            let activity = line.has("activity_label") ? try line.string("activity_label") : ""
            let prompt = activity.isEmpty ? context : "\(activity): \(context)"
            let endings = try line.strings("endings")
            guard endings.count >= 2 else { throw PreferenceError(line.place, "has \(endings.count) ending(s); a pair needs at least 2") }
            let label = try line.label("label")
            guard let right = Int(label), endings.indices.contains(right) else {
                let why = label.isEmpty ? "is empty (HellaSwag's test split has no labels)" : "'\(label)' is not an ending index 0…\(endings.count - 1)"
                throw PreferenceError(line.place, "label \(why)")
            }
            for (index, ending) in endings.enumerated() where index != right {
                guard ending != endings[right] else {
                    built.skipped.append(PreferenceError(line.place, "ending \(index) repeats the correct ending"))
                    continue
                }
                built.pairs.append(PreferencePair(prompt: prompt, chosen: " " + endings[right], rejected: " " + ending, origin: line.place))
            }
        }
        return built
    }
}
