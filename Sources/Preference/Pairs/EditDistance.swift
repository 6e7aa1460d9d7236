/// How far apart two completions are: the quantity the DPOP paper ties DPO's failure to.
///
/// The paper's failure mode needs pairs that differ in few tokens: every token after the first
/// difference is shared by both completions but seen in a different context, and DPO pushes its
/// probability the wrong way. `editDistance` measures "few", `firstDifference` says where the
/// shared suffix starts.
public enum PairDistance {
    /// Levenshtein distance: the fewest insertions, deletions and substitutions of one element
    /// that turn `a` into `b` (a transposition counts 2). O(n·m) time, O(min(n, m)) memory: one
    /// row of the dynamic-programming table, over the shorter sequence.
    public static func editDistance<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
        // The row runs over the shorter sequence; distance is symmetric, so swapping is free.
        let (long, short) = a.count >= b.count ? (a, b) : (b, a)
        if short.isEmpty { return long.count }
        // Common prefix and suffix never cost anything; trimming them makes near-identical
        // pairs (the interesting ones here) close to linear.
        var start = 0
        while start < short.count, long[start] == short[start] { start += 1 }
        var longEnd = long.count, shortEnd = short.count
        while shortEnd > start, long[longEnd - 1] == short[shortEnd - 1] {
            longEnd -= 1
            shortEnd -= 1
        }
        let s = short[start..<shortEnd], l = long[start..<longEnd]
        if s.isEmpty { return l.count }
        // row[j] = distance between the first i elements of `l` and the first j of `s`.
        var row = Array(0...s.count)
        for (i, x) in l.enumerated() {
            var diagonal = row[0]   // the previous row's entry left of the current column
            row[0] = i + 1
            for (j, y) in s.enumerated() {
                let above = row[j + 1]
                row[j + 1] = x == y ? diagonal : 1 + Swift.min(diagonal, above, row[j])
                diagonal = above
            }
        }
        return row[s.count]
    }

    /// The first position where `a` and `b` differ; when one is a prefix of the other, the
    /// shorter length (the first position only one of them has); nil when they are equal.
    public static func firstDifference<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int? {
        let shared = Swift.min(a.count, b.count)
        var i = 0
        while i < shared, a[i] == b[i] { i += 1 }
        return i == shared && a.count == b.count ? nil : i
    }
}
