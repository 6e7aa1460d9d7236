import Base
import Foundation

/// One ARC (AI2 Reasoning Challenge) question as a JSON line holds it: the stem, the (label,
/// text) options in file order and the answer key. The pair builder and the multiple-choice
/// evaluation both read questions through this type, so they accept the same files.
///
/// Two layouts are read: AI2's original JSONL, `{"question": {"stem", "choices": [{"text",
/// "label"}]}, "answerKey"}`, and the Hugging Face `allenai/ai2_arc` flat form, `{"question":
/// "…", "choices": {"text": [...], "label": [...]}, "answerKey"}`. Labels are letters or digits
/// (some ARC questions use 1–4); `answerKey` may be a string or a number.
struct ARCQuestion {
    let stem: String
    let options: [(label: String, text: String)]
    let answerKey: String
    /// `file:line`, for errors.
    let place: String

    init(_ line: JSONLine) throws {
        (stem, options) = try Self.question(line)
        answerKey = try line.label("answerKey")
        place = line.place
    }

    /// The position of the correct option: `answerKey`'s position among the labels, as
    /// lm-evaluation-harness's `choices.label.index(answerKey)` finds it.
    func correctIndex() throws -> Int {
        guard let index = options.firstIndex(where: { $0.label == answerKey }) else {
            throw PreferenceError(place, "answerKey '\(answerKey)' is not among the labels \(options.map(\.label).joined(separator: ", "))")
        }
        return index
    }

    /// The question text and its (label, text) options, from either layout.
    private static func question(_ line: JSONLine) throws -> (String, [(label: String, text: String)]) {
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
        guard let label = JSONLine.labelText(label) else { throw PreferenceError(place, "a choice's label is not a string or a whole number") }
        return (label, text)
    }
}
