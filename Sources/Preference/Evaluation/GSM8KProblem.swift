import Base
import Foundation

/// A worked math problem to evaluate by generation, read from a JSONL line.
///
/// - GSM8K (`openai/gsm8k`): `question` and `answer`; the answer is the full solution, calculator
///   annotations included, ending with a `#### N` line. It is both the few-shot target and the
///   reference that `exact_match` compares with (lm-evaluation-harness's `doc_to_target`).
/// - MetaMath (`meta-math/MetaMathQA`): `query` and `response`, which ends with
///   `The answer is: N`. The response is the few-shot target; the reference is `#### N`, so the
///   same ignore patterns reduce it to N.
public struct GSM8KProblem: Equatable, Sendable {
    public var question: String
    /// The worked solution shown after a few-shot example's question.
    public var target: String
    /// What a response's extracted answer is compared with (before `GSM8KAnswer.normalized`).
    public var reference: String
    /// `file:line`.
    public var origin: String

    public init(question: String, target: String, reference: String, origin: String) {
        self.question = question
        self.target = target
        self.reference = reference
        self.origin = origin
    }

    /// lm-evaluation-harness's `doc_to_text`: `"Question: <question>\nAnswer:"`.
    public var prompt: String { "Question: \(question)\nAnswer:" }

    /// This problem as a few-shot example: prompt, space, solution, blank line.
    var example: String { prompt + " " + target + "\n\n" }

    static let metaMathMarker = "The answer is:"

    /// The problems of the JSONL file at `path`, in file order; each line is GSM8K's or MetaMath's.
    public static func read(path: String) throws -> [GSM8KProblem] {
        try JSONLines.read(path, noun: "pair").map { line in
            if line.has("question") || !line.has("query") {
                let answer = try line.string("answer")
                let question = try line.string("question")
                guard answer.contains("#### ") else { throw PreferenceError(line.place, "field 'answer' has no '#### N' line with the final answer") }
                return GSM8KProblem(question: question, target: answer, reference: answer, origin: line.place)
            }
            let query = try line.string("query"), response = try line.string("response")
            guard let marker = response.range(of: metaMathMarker, options: .backwards) else {
                throw PreferenceError(line.place, "field 'response' has no '\(metaMathMarker) N' with the final answer")
            }
            let answer = response[marker.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
            return GSM8KProblem(question: query, target: response, reference: "#### " + answer, origin: line.place)
        }
    }
}
