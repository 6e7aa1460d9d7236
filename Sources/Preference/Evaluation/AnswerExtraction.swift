import Foundation

/// lm-evaluation-harness's GSM8K scoring (`gsm8k.yaml` version 3.0): two filters pull a number
/// out of a response, and `exact_match` compares it with the reference after removing the
/// ignore patterns and lower-casing both (`exact_match_hf_evaluate`).
public enum GSM8KAnswer {
    /// strict-match: the first `#### N`.
    public static let strictPattern = #"#### (\-?[0-9\.\,]+)"#
    /// flexible-extract: the last number-like run; the first alternative needs two or more
    /// characters, so a single digit matches through the second.
    public static let flexiblePattern = #"(-?[$0-9.,]{2,})|(-?[0-9]+)"#
    /// `regexes_to_ignore`, applied in this order to prediction and reference.
    public static let ignoredPatterns = [",", #"\$"#, "(?s).*#### ", #"\.$"#]
    /// What a filter returns when its pattern does not match; it never equals a number.
    public static let invalid = "[invalid]"

    private static let strictRegex = compiled(strictPattern)
    private static let flexibleRegex = compiled(flexiblePattern)
    private static let ignoredRegexes = ignoredPatterns.map(compiled)

    /// The strict-match filter: the first match's group, stripped, or `[invalid]`.
    public static func strict(_ response: String) -> String { extract(strictRegex, from: response, last: false) }

    /// The flexible-extract filter: the last match's first non-empty group, stripped, or `[invalid]`.
    public static func flexible(_ response: String) -> String { extract(flexibleRegex, from: response, last: true) }

    /// The ignore patterns removed in order (Python's `re.sub(p, "", s)`), then lower-cased.
    public static func normalized(_ text: String) -> String {
        var out = text
        for regex in ignoredRegexes {
            guard let regex else { continue }
            out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: "")
        }
        return out.lowercased()
    }

    /// `exact_match` of one extracted answer against its reference.
    public static func matches(_ extracted: String, reference: String) -> Bool {
        normalized(extracted) == normalized(reference)
    }

    /// Python's `re.findall` then `[0]` or `[-1]`: a match with groups gives its first non-empty
    /// group (findall's tuple), the whole match when the pattern has none.
    private static func extract(_ regex: NSRegularExpression?, from text: String, last: Bool) -> String {
        guard let regex else { return invalid }
        let matches = regex.matches(in: text, range: NSRange(text.startIndex..., in: text))
        guard let match = last ? matches.last : matches.first else { return invalid }
        let groups = match.numberOfRanges > 1 ? Array(1..<match.numberOfRanges) : [0]
        for group in groups {
            let range = match.range(at: group)
            if range.location != NSNotFound, range.length > 0, let found = Range(range, in: text) {
                return text[found].trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return ""
    }

    /// The patterns are constants; nil would mean a typo in them, which the tests catch.
    private static func compiled(_ pattern: String) -> NSRegularExpression? { try? NSRegularExpression(pattern: pattern) }
}
