import Base
import Foundation

/// Worked math solutions → one low-edit-distance pair each, built the way the DPOP paper built
/// its MetaMath pairs: the rejected completion is the chosen solution with **one intermediate
/// result changed** and every other character unchanged — including later steps that use the
/// correct value, so the rejected solution is wrong at exactly one place. The rule for which
/// number and what value is `ResultCorruption`'s.
///
/// - MetaMath (`meta-math/MetaMathQA`): `query` and `response`; the response ends with
///   `The answer is: X`.
/// - GSM8K (`openai/gsm8k`): `question` and `answer`; the answer ends with a `#### X` line and
///   carries calculator annotations such as `<<48/2=24>>`. The annotations are removed first:
///   they repeat each step's result for a calculator tool, are not read by people, and would
///   otherwise leave the corrupted step contradicting its own annotation.
///
/// A solution with no intermediate result (a single step that computes the answer) gives no
/// pair; it is listed in `BuiltPairs.skipped`.
enum MathPairs {
    enum Format {
        case metaMath, gsm8k

        var fields: (question: String, solution: String) {
            switch self {
            case .metaMath: ("query", "response")
            case .gsm8k: ("question", "answer")
            }
        }

        var answerMarker: String {
            switch self {
            case .metaMath: "The answer is:"
            case .gsm8k: "####"
            }
        }
    }

    static func build(_ lines: [JSONLine], format: Format, seed: UInt64) throws -> BuiltPairs {
        var built = BuiltPairs()
        for (index, line) in lines.enumerated() {
            let question = try line.string(format.fields.question)
            var solution = try line.string(format.fields.solution)
            if format == .gsm8k { solution = withoutCalculatorAnnotations(solution) }
            var random = PairRandom(seed: seed, stream: index)
            guard let rejected = corrupted(solution, answerMarker: format.answerMarker, random: &random) else {
                built.skipped.append(PreferenceError(line.place, "has no intermediate result to corrupt"))
                continue
            }
            built.pairs.append(PreferencePair(prompt: PairPrompt.question(question), chosen: solution, rejected: rejected, origin: line.place))
        }
        return built
    }

    /// `solution` with one intermediate result moved (seeded), or nil when there is none.
    static func corrupted(_ solution: String, answerMarker: String?, random: inout PairRandom) -> String? {
        let scalars = Array(solution.unicodeScalars)
        var candidates = ResultCorruption.candidates(in: scalars, answerMarker: answerMarker)
        // A number too large to move exactly is no candidate; try the others.
        while !candidates.isEmpty {
            let chosen = random.below(candidates.count)
            if let text = ResultCorruption.perturbed(candidates[chosen], random: &random) {
                return ResultCorruption.replacing(scalars, [(candidates[chosen], text)])
            }
            candidates.remove(at: chosen)
        }
        return nil
    }

    /// Removes every `<<…>>` span (an unterminated `<<` is kept as written).
    static func withoutCalculatorAnnotations(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let open = rest.range(of: "<<") {
            guard let close = rest[open.upperBound...].range(of: ">>") else { break }
            out += rest[..<open.lowerBound]
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}
