/// How examples become rows of a fixed length.
public enum BatchMode: String, Codable, Sendable {
    /// All examples joined into one token stream, in order, cut into windows of `seq_len + 1`
    /// tokens that start every `seq_len` tokens. Neighbouring windows share one token (the last
    /// input of one window is the first of the next), so every token after the first is a target
    /// exactly once; a shorter final window is padded. Nothing is wasted on padding and documents
    /// are separated only by their EOS, as in GPT-style pretraining.
    case packing
    /// Each example alone in its row: cut to `seq_len + 1` tokens and right-padded, so prompts
    /// and completions never run into the next example.
    case padding
}
