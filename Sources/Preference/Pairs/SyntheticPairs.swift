/// Pair sets made up on the spot, for offline work: both ends of the paper's edit-distance axis.
///
/// - `arithmetic`: word problems solved step by step; the rejected solution has `corrupt`
///   intermediate results changed (and nothing else, as in the paper's MetaMath pairs), so
///   `corrupt` sets the edit distance: 1 is the paper's low-edit-distance case.
/// - `choice`: multiple-choice questions whose rejected answer is an unrelated sentence: the
///   high-edit-distance case (ARC-like).
///
/// Seeded and deterministic: pair i depends only on the seed and i.
public enum SyntheticPairs {
    public enum Kind: String, CaseIterable, Sendable {
        case arithmetic, choice
    }

    public static let maxCount = 1_000_000
    public static let maxCorrupt = 20

    public static func make(_ kind: Kind, count: Int, corrupt: Int = 1, seed: UInt64 = 0) throws -> [PreferencePair] {
        guard (1...maxCount).contains(count) else { throw PreferenceError("count", "must be between 1 and \(maxCount), got \(count)") }
        switch kind {
        case .arithmetic:
            guard (1...maxCorrupt).contains(corrupt) else {
                throw PreferenceError("corrupt", "must be between 1 and \(maxCorrupt) (0 would make chosen and rejected identical), got \(corrupt)")
            }
            return (0..<count).map { arithmetic(index: $0, corrupt: corrupt, seed: seed) }
        case .choice:
            return (0..<count).map { choice(index: $0, seed: seed) }
        }
    }

    // MARK: - Arithmetic

    private static let names = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lena"]
    private static let items = ["apples", "stamps", "marbles", "books", "shells", "cookies", "pencils", "stickers"]

    private enum Step {
        case add(Int), remove(Int), multiply(Int)
    }

    /// A problem with max(3, corrupt + 1) steps, so there are at least `corrupt` intermediate
    /// results (the last step's result is the final answer and is never corrupted). Numbers stay
    /// positive and below a few thousand.
    private static func arithmetic(index: Int, corrupt: Int, seed: UInt64) -> PreferencePair {
        var random = PairRandom(seed: seed, stream: index)
        let name = random.pick(names) ?? "Ana", item = random.pick(items) ?? "apples"
        var value = random.within(2...20)
        let start = value
        var steps: [(step: Step, before: Int, after: Int)] = []
        for _ in 0..<Swift.max(3, corrupt + 1) {
            let step: Step
            switch random.below(3) {
            case 0 where value >= 4: step = .remove(random.within(1...(value - 1)))
            case 1 where value <= 60: step = .multiply(random.within(2...3))
            default: step = .add(random.within(2...30))
            }
            let before = value
            switch step {
            case .add(let x): value += x
            case .remove(let x): value -= x
            case .multiply(let x): value *= x
            }
            steps.append((step, before, value))
        }
        let wrong = Set(random.distinct(corrupt, of: steps.count - 1))
        var question = "\(name) has \(start) \(item)."
        var chosen = "\(name) starts with \(start) \(item).\n"
        var rejected = chosen
        for (i, entry) in steps.enumerated() {
            let (clause, work): (String, String)
            switch entry.step {
            case .add(let x): (clause, work) = ("Then \(name) gets \(x) more.", "After getting \(x) more, \(name) has \(entry.before) + \(x) = ")
            case .remove(let x): (clause, work) = ("Then \(name) gives away \(x).", "After giving away \(x), \(name) has \(entry.before) - \(x) = ")
            case .multiply(let x):
                let verb = x == 2 ? "doubles" : "triples"
                (clause, work) = ("Then the number of \(item) \(verb).", "After it \(verb), \(name) has \(entry.before) * \(x) = ")
            }
            question += " " + clause
            var result = String(entry.after)
            chosen += work + result + " \(item).\n"
            if wrong.contains(i) {
                let literal = NumberLiteral(range: 0..<0, negative: false, integerDigits: result, fractionDigits: "", groupedWithCommas: false)
                result = ResultCorruption.perturbed(literal, random: &random) ?? String(entry.after + 1)
            }
            rejected += work + result + " \(item).\n"
        }
        question += " How many \(item) does \(name) have now?"
        let answer = "The answer is: \(value)"
        return PreferencePair(prompt: PairPrompt.question(question), chosen: chosen + answer, rejected: rejected + answer,
                              origin: "synthetic arithmetic \(index)")
    }

    // MARK: - Choice

    /// Questions and answers written for PrefLab; every answer is unrelated to the others.
    private static let facts: [(question: String, answer: String)] = [
        ("Which planet is known as the red planet?", "Mars, whose surface is covered in iron oxide dust."),
        ("What do bees make from nectar?", "Honey, which they store in wax combs inside the hive."),
        ("Which gas do plants take in to make their food?", "Carbon dioxide, taken in through small pores in the leaves."),
        ("At what temperature does water boil at sea level?", "One hundred degrees Celsius."),
        ("Which instrument has black and white keys?", "The piano, whose keys move small felt hammers onto strings."),
        ("What is the largest ocean on Earth?", "The Pacific, which covers about a third of the planet's surface."),
        ("Which animal is known for its very long neck?", "The giraffe, which feeds on leaves high up in trees."),
        ("What does a thermometer measure?", "Temperature, read off a scale marked in degrees."),
        ("Which organ pumps blood around the body?", "The heart, a muscle that beats about seventy times a minute."),
        ("What do you call a shape with three straight sides?", "A triangle; its angles always add up to a half turn."),
        ("What does a caterpillar become?", "A butterfly or a moth, after resting inside a chrysalis or cocoon."),
        ("Which season follows autumn?", "Winter, usually the coldest part of the year."),
        ("What is frozen water called?", "Ice, which floats because it is less dense than liquid water."),
        ("Which tool is usually used to cut paper?", "Scissors: two blades joined at a pivot."),
        ("What is a young cat called?", "A kitten."),
        ("In which direction does the sun rise?", "In the east, because the Earth spins from west to east."),
    ]

    private static func choice(index: Int, seed: UInt64) -> PreferencePair {
        var random = PairRandom(seed: seed, stream: index)
        let right = random.below(facts.count)
        // Three distinct wrong answers, then the four options in a random order.
        let others = random.distinct(3, of: facts.count - 1).map { $0 >= right ? $0 + 1 : $0 }
        var options = [right] + others
        for i in stride(from: options.count - 1, to: 0, by: -1) { options.swapAt(i, random.below(i + 1)) }
        let labels = ["A", "B", "C", "D"]
        let prompt = PairPrompt.question(facts[right].question, options: zip(labels, options).map { ($0, facts[$1].answer) })
        let wrong = random.pick(others) ?? (right + 1) % facts.count
        return PreferencePair(prompt: prompt, chosen: facts[right].answer, rejected: facts[wrong].answer, origin: "synthetic choice \(index)")
    }
}
