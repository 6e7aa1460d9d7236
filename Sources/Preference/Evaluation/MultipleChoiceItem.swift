import Base

/// A multiple-choice question as lm-evaluation-harness scores it: the prompt (`doc_to_text`), the
/// choice texts (`doc_to_choice`) and the correct choice's position (`doc_to_target`).
public struct MultipleChoiceItem: Equatable, Sendable {
    public var query: String
    public var choices: [String]
    public var gold: Int
    /// `file:line`.
    public var origin: String

    public init(query: String, choices: [String], gold: Int, origin: String) {
        self.query = query
        self.choices = choices
        self.gold = gold
        self.origin = origin
    }

    /// The continuation scored for choice `i`: lm-evaluation-harness's target delimiter (a
    /// space) and the choice.
    public func continuation(_ i: Int) -> String { " " + choices[i] }

    /// This item as a few-shot example: the prompt, a space, the correct choice and a blank line.
    var example: String { query + continuation(gold) + "\n\n" }
}

/// The multiple-choice benchmarks PrefLab reads, with lm-evaluation-harness's prompt formats.
public enum MultipleChoiceTask: String, CaseIterable, Sendable {
    /// ARC-Easy and ARC-Challenge: `"Question: <question>\nAnswer:"`; the choices are the option
    /// texts (without their labels); the gold one is `answerKey`'s position among the labels.
    case arc
    /// HellaSwag: `preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())`; the
    /// choices are the preprocessed endings (`HellaSwagText`); the gold one is `label`.
    case hellaswag

    /// Parses a task name as the language writes it ("arc", "hellaswag").
    public static func named(_ name: String) throws -> MultipleChoiceTask {
        guard let task = MultipleChoiceTask(rawValue: name.lowercased()) else {
            throw PreferenceError("task", "unknown multiple-choice task '\(name)'; expected one of \(allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return task
    }

    /// The questions of the JSONL file at `path`, in file order. The fields are those the pair
    /// builders read (`ARCQuestion`, `HellaSwagItem`).
    public func items(path: String) throws -> [MultipleChoiceItem] {
        try JSONLines.read(path, noun: "pair").map { line in
            switch self {
            case .arc:
                let question = try ARCQuestion(line)
                guard question.options.count >= 2 else { throw PreferenceError(line.place, "has \(question.options.count) choice(s); at least 2 are needed") }
                return MultipleChoiceItem(query: "Question: \(question.stem)\nAnswer:", choices: question.options.map(\.text),
                                          gold: try question.correctIndex(), origin: line.place)
            case .hellaswag:
                let item = try HellaSwagItem(line)
                return MultipleChoiceItem(query: HellaSwagText.query(item), choices: item.endings.map(HellaSwagText.preprocess),
                                          gold: item.gold, origin: line.place)
            }
        }
    }
}
