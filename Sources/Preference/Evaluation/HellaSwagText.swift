import Foundation

/// lm-evaluation-harness's HellaSwag text handling (`lm_eval/tasks/hellaswag/utils.py`), with
/// Python's string semantics: lengths and matches are over Unicode scalars, as Python's `str`
/// counts code points.
public enum HellaSwagText {
    /// `preprocess`: strip surrounding whitespace, replace `" [title]"` with `". "`, remove every
    /// `[…]` (WikiHow's markers; the shortest bracketed span on one line, as `\[.*?\]`), then
    /// replace `"  "` with `" "` in one left-to-right pass (so three spaces become two, as
    /// Python's `str.replace` leaves them).
    public static func preprocess(_ text: String) -> String {
        var out = text.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: " [title]", with: ". ")
        out = withoutBracketedSpans(out)
        return out.replacingOccurrences(of: "  ", with: " ")
    }

    /// Python's `str.capitalize()`: the first character upper-cased and every other one
    /// lower-cased ("he IS" → "He is").
    public static func capitalized(_ text: String) -> String {
        guard let first = text.first else { return text }
        return String(first).uppercased() + text.dropFirst().lowercased()
    }

    /// The evaluated context: `preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())`.
    /// A line with only `ctx` gives `preprocess(activity_label + ": " + ctx)`, and one without an
    /// activity label leaves out the `": "` prefix.
    static func query(_ item: HellaSwagItem) -> String {
        let context = item.contextB.map { item.contextA + " " + capitalized($0) } ?? item.contextA
        return preprocess(item.activityLabel.isEmpty ? context : item.activityLabel + ": " + context)
    }

    /// `re.sub(r"\[.*?\]", "", text)`: from each `[`, the nearest `]` before any line feed closes
    /// the span; an unclosed `[` stays.
    private static func withoutBracketedSpans(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < scalars.count {
            if scalars[i] == "[", let close = scalars[(i + 1)...].firstIndex(where: { $0 == "]" || $0 == "\n" }), scalars[close] == "]" {
                i = close + 1
                continue
            }
            out.append(scalars[i])
            i += 1
        }
        return String(out)
    }
}
