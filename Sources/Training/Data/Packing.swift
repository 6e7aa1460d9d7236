/// Cutting examples into rows of a fixed length (see `BatchMode`).
enum Packing {
    /// All examples as one stream, in their original order, cut into windows of `length + 1` tokens
    /// starting every `length` tokens. The windows overlap by one token so that token k·length is
    /// the last target of one window and the first input of the next: every token after the first
    /// is predicted exactly once. The final window may be shorter (it is padded in the batch).
    /// Linear in the number of tokens.
    static func pack(_ examples: [TrainingExample], length: Int) -> [TrainingExample] {
        let length = max(length, 1)
        let total = examples.reduce(0) { $0 + $1.ids.count }
        var ids: [Int32] = []
        var inLoss: [Bool] = []
        ids.reserveCapacity(total)
        inLoss.reserveCapacity(total)
        for example in examples {
            ids.append(contentsOf: example.ids)
            inLoss.append(contentsOf: example.inLoss)
        }
        var windows: [TrainingExample] = []
        windows.reserveCapacity(total / max(length, 1) + 1)
        var start = 0
        // A window needs two tokens to predict anything.
        while start + 1 < ids.count {
            let end = min(start + length + 1, ids.count)
            windows.append(TrainingExample(ids: Array(ids[start..<end]), inLoss: Array(inLoss[start..<end])))
            start += length
        }
        return windows
    }

    /// Each example alone, cut to `length + 1` tokens (its start is kept: the prompt, and the
    /// beginning of the completion).
    static func pad(_ examples: [TrainingExample], length: Int) -> [TrainingExample] {
        examples.map { example in
            example.ids.count <= length + 1 ? example
                : TrainingExample(ids: Array(example.ids.prefix(length + 1)), inLoss: Array(example.inLoss.prefix(length + 1)))
        }
    }
}
