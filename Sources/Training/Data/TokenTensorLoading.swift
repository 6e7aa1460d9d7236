import Models
import Tensor

extension TrainingData {
    /// Examples from a tensor of token ids, shape [N, L]: each row one example, every token in the
    /// loss. Ids are stored as floats, so each must be a whole number in [0, vocabularySize); the
    /// first that is not is named by its position, e.g. `tokens[3, 7]`.
    public init(tokens: Tensor, vocabularySize: Int, name: String = "tokens") throws {
        guard vocabularySize >= 1, vocabularySize <= Int(Int32.max) else {
            throw TrainingError("vocab", "vocabulary size \(vocabularySize) must be between 1 and \(Int32.max)")
        }
        guard tokens.rank == 2 else {
            throw TrainingError(name, "token ids must have shape [examples, tokens], not \(tokens.shape)")
        }
        let rows = tokens.shape[0], columns = tokens.shape[1]
        guard rows >= 1 else { throw TrainingError(name, "has no examples (shape \(tokens.shape))") }
        guard columns >= 2 else {
            throw TrainingError(name, "rows of \(columns) token\(columns == 1 ? "" : "s") have nothing to predict; each needs at least 2")
        }
        let values = tokens.scalars
        var examples: [TrainingExample] = []
        examples.reserveCapacity(rows)
        for row in 0..<rows {
            var ids = [Int32](repeating: 0, count: columns)
            for column in 0..<columns {
                let value = values[row * columns + column]
                guard value.isFinite, value == value.rounded(.towardZero) else {
                    throw TrainingError("\(name)[\(row), \(column)]", "\(value) is not a whole-number token id")
                }
                guard let id = Int(exactly: value) else {
                    throw TrainingError("\(name)[\(row), \(column)]", "token id \(value) is beyond every vocabulary")
                }
                if let problem = Vocabulary.problem(in: CollectionOfOne(id), size: vocabularySize) {
                    throw TrainingError("\(name)[\(row), \(column)]", problem)
                }
                ids[column] = Int32(id)
            }
            examples.append(TrainingExample(ids: ids))
        }
        self.init(source: name, format: .tokens, examples: examples)
    }
}
