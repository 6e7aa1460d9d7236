/// The one check of token ids against a vocabulary, so that every place refusing an id (the
/// model's forward, a tokenizer, data files, an EOS option) says the same thing.
public enum Vocabulary {
    /// Why `ids` cannot index a vocabulary of `size` tokens: its first id outside 0 ..< `size`, as
    /// "token id 300 is outside the vocabulary (300 tokens)"; nil when every id is in it.
    /// Each caller throws it under its own place (the option, the file line, the pair).
    /// - Parameter unscored: an id that marks a position without a target (−1 in target lists),
    ///   accepted as well.
    @inlinable public static func problem<S: Sequence>(in ids: S, size: Int, unscored: S.Element? = nil) -> String? where S.Element: BinaryInteger {
        guard let bad = ids.first(where: { $0 != unscored && ($0 < 0 || $0 >= size) }) else { return nil }
        return "token id \(bad) is outside the vocabulary (\(size) tokens)"
    }
}
