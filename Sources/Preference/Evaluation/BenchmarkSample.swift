import Base
import Foundation

/// One benchmark item as a contamination check reads it: a single text, the question followed by
/// its correct answer, as swj0419/detect-pretrain-code-contamination builds its samples
/// (`src/eval.py`: `process_arc`, `process_gsm8k`, `process_mmlu`, `process_truthful_qa`).
///
/// The layout is recognised line by line, from its fields:
/// - `text`, else `input` (that repository's own field): the text as it is;
/// - ARC (`answerKey`): the question stem, a space, the correct option's text;
/// - HellaSwag (`endings`): the context (`ctx`, or `ctx_a` and `ctx_b`), a space, the correct ending
///   (PrefLab's choice; the repository has no HellaSwag reader);
/// - TruthfulQA (`mc1_targets`): the question, a space, the correct `mc1` choice;
/// - MMLU (`choices` as a list and a numeric `answer`): the question, a space, the correct choice;
/// - GSM8K (`question`, `answer`): the question, a space, the solution before `####`, trimmed;
/// - MetaMath (`query`, `response`): the query, a space, the response before `The answer is:`,
///   trimmed (PrefLab's analogue of the GSM8K rule).
public struct BenchmarkSample: Equatable, Sendable {
    public var text: String
    /// `file:line`.
    public var origin: String

    public init(text: String, origin: String) {
        self.text = text
        self.origin = origin
    }

    /// The samples of the JSONL file at `path`, in file order.
    public static func read(path: String) throws -> [BenchmarkSample] {
        try JSONLines.read(path, noun: "pair").map { line in
            let text = try sampleText(line)
            guard text.contains(where: { !$0.isWhitespace }) else { throw PreferenceError(line.place, "gives an empty sample text") }
            return BenchmarkSample(text: text, origin: line.place)
        }
    }

    private static func sampleText(_ line: JSONLine) throws -> String {
        if line.has("text") { return try line.string("text") }
        if line.has("input") { return try line.string("input") }
        if line.has("answerKey") {
            let question = try ARCQuestion(line)
            return question.stem + " " + question.options[try question.correctIndex()].text
        }
        if line.has("endings") {
            let item = try HellaSwagItem(line)
            return item.context + " " + item.endings[item.gold]
        }
        if line.has("mc1_targets") { return try truthfulQA(line) }
        if line.has("choices"), line.has("answer"), !(try line.value("answer") is String) {
            let choices = try line.strings("choices")
            guard let answer = Int(try line.label("answer")), choices.indices.contains(answer) else {
                throw PreferenceError(line.place, "field 'answer' is not a choice index 0…\(choices.count - 1)")
            }
            return try line.string("question") + " " + choices[answer]
        }
        if line.has("question") || line.has("answer") {
            let answer = try line.string("answer")
            let solution = answer.components(separatedBy: "####")[0].trimmingCharacters(in: .whitespacesAndNewlines)
            return try line.string("question") + " " + solution
        }
        if line.has("query") || line.has("response") {
            let response = try line.string("response")
            let solution = response.components(separatedBy: GSM8KProblem.metaMathMarker)[0].trimmingCharacters(in: .whitespacesAndNewlines)
            return try line.string("query") + " " + solution
        }
        throw PreferenceError(line.place, "has none of the fields a benchmark sample is read from (text, input, answerKey, endings, mc1_targets, question and answer, query and response)")
    }

    /// TruthfulQA's multiple-choice layout: the question and its single correct `mc1` choice.
    private static func truthfulQA(_ line: JSONLine) throws -> String {
        guard let targets = try line.value("mc1_targets") as? [String: Any], let choices = targets["choices"] as? [String],
              let labels = targets["labels"] as? [Any], labels.count == choices.count else {
            throw PreferenceError(line.place, "field 'mc1_targets' must be {\"choices\": [strings], \"labels\": [0 or 1, one per choice]}")
        }
        guard let right = labels.firstIndex(where: { JSONLine.labelText($0) == "1" }) else {
            throw PreferenceError(line.place, "field 'mc1_targets' has no label 1 (no correct choice)")
        }
        return try line.string("question") + " " + choices[right]
    }
}
