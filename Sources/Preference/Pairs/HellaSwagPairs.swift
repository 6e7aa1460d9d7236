import Base

/// HellaSwag sentence completions → one pair per wrong ending (three per question), as the DPOP
/// paper built its HellaSwag pairs. The fields read are `HellaSwagItem`'s.
///
/// Prompt: `"<activity_label>: <ctx>"`, the layout of lm-evaluation-harness. Completions are
/// `" " + ending`: the ending continues the context's sentence, so the space between them belongs
/// to the completion, where a BPE tokenizer expects it (" word" is one token, "word" another).
/// Texts are otherwise kept as they are (WikiHow's `[header]`/`[step]` markers included).
enum HellaSwagPairs {
    static func build(_ lines: [JSONLine]) throws -> BuiltPairs {
        var built = BuiltPairs()
        for line in lines {
            let item = try HellaSwagItem(line)
            let prompt = item.activityLabel.isEmpty ? item.context : "\(item.activityLabel): \(item.context)"
            let right = item.endings[item.gold]
            for (index, ending) in item.endings.enumerated() where index != item.gold {
                guard ending != right else {
                    built.skipped.append(PreferenceError(line.place, "ending \(index) repeats the correct ending"))
                    continue
                }
                built.pairs.append(PreferencePair(prompt: prompt, chosen: " " + right, rejected: " " + ending, origin: line.place))
            }
        }
        return built
    }
}
