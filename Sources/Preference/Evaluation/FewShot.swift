/// Which items of a file an evaluation uses: the few-shot examples, drawn from the evaluated file
/// itself, and the limit on evaluated items.
///
/// lm-evaluation-harness samples its examples from the training split with Python's
/// `random.Random(1234)`; a single file has no training split, so PrefLab draws them from the
/// file's other items: for item i, `shots` distinct items other than i, chosen by a generator
/// seeded with the seed and i (the same for the same seed and item, whatever else is evaluated),
/// in file order.
enum FewShot {
    static func examples(_ shots: Int, of count: Int, excluding index: Int, seed: UInt64) -> [Int] {
        var random = PairRandom(seed: seed, stream: index)
        return random.distinct(shots, of: count - 1).map { $0 >= index ? $0 + 1 : $0 }
    }

    /// Checks `shots` against a file of `count` items: each item needs that many others.
    static func check(_ shots: Int, count: Int) throws {
        guard shots < count else {
            throw PreferenceError("shots", "\(shots) examples need at least \(shots + 1) items in the file (the examples exclude the evaluated item), but it has \(count)")
        }
    }
}
