import Models

/// Tokenizer ids as the `Int32` the data layer stores (half the memory of `Int` for large corpora).
enum Tokenization {
    static func ids(_ ids: [Int], tokenizer: Tokenizer) throws -> [Int32] {
        var result: [Int32] = []
        result.reserveCapacity(ids.count)
        for id in ids {
            guard let narrow = Int32(exactly: id), narrow >= 0 else {
                throw TrainingError(tokenizer.path, "token id \(id) does not fit a 32-bit token id")
            }
            result.append(narrow)
        }
        return result
    }

    /// `eos` checked against the vocabulary, so a wrong id fails at load time, not inside the model.
    static func checkedEOS(_ eos: Int?, tokenizer: Tokenizer) throws -> Int32? {
        guard let eos else { return nil }
        if let problem = Vocabulary.problem(in: [eos], size: tokenizer.vocabularySize) { throw TrainingError("eos", problem) }
        guard let narrow = Int32(exactly: eos) else { throw TrainingError("eos", "token id \(eos) does not fit a 32-bit token id") }
        return narrow
    }
}
