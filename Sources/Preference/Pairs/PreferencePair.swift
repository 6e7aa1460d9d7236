/// One preference example: a prompt, the completion people preferred (`chosen`) and the one they
/// did not (`rejected`) — the "standard" paired format of TRL's `DPOTrainer`.
///
/// `origin` says where the pair came from (`file:line`, or a generator's name and index) so that
/// later stages, such as tokenisation, can name the line a problem comes from. It is a label,
/// not content: two pairs with the same three texts are equal wherever they came from.
public struct PreferencePair: Hashable, Sendable, CustomStringConvertible {
    public var prompt: String
    public var chosen: String
    public var rejected: String
    public var origin: String?

    public init(prompt: String, chosen: String, rejected: String, origin: String? = nil) {
        self.prompt = prompt
        self.chosen = chosen
        self.rejected = rejected
        self.origin = origin
    }

    public static func == (a: PreferencePair, b: PreferencePair) -> Bool {
        a.prompt == b.prompt && a.chosen == b.chosen && a.rejected == b.rejected
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(prompt)
        hasher.combine(chosen)
        hasher.combine(rejected)
    }

    public var description: String {
        "PreferencePair(prompt: \(prompt.debugDescription), chosen: \(chosen.debugDescription), rejected: \(rejected.debugDescription))"
    }

    /// Where to point an error about this pair: its origin, or its position in a list.
    func place(index: Int) -> String { origin ?? "pair \(index + 1)" }
}
