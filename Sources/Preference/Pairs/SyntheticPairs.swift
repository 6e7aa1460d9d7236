/// Pair sets made up on the spot, for offline work: both ends of the paper's edit-distance axis.
///
/// - `arithmetic`: word problems solved step by step; the rejected solution has `corrupt`
///   intermediate results changed (and nothing else, as in the paper's MetaMath pairs), so
///   `corrupt` sets the edit distance: 1 is the paper's low-edit-distance case.
/// - `arithmetic_far`: the same problems, whose rejected completion is the worked solution of
///   another problem (a different answer, different steps): high edit distance on the same task.
/// - `choice`: multiple-choice questions whose rejected answer is an unrelated sentence: the
///   high-edit-distance case (ARC-like).
///
/// Seeded and deterministic: pair i depends only on the seed and i.
public enum SyntheticPairs {
    public enum Kind: String, CaseIterable, Sendable {
        case arithmetic
        case arithmeticFar = "arithmetic_far"
        case choice
    }

    public static let maxCount = 1_000_000
    public static let maxCorrupt = 20

    /// - Parameter steps: steps per arithmetic problem (nil: max(3, corrupt + 1) for
    ///   `arithmetic`, 3 for `arithmetic_far`); `arithmetic` needs more steps than corrupted results.
    public static func make(_ kind: Kind, count: Int, corrupt: Int = 1, steps: Int? = nil, seed: UInt64 = 0) throws -> [PreferencePair] {
        guard (1...maxCount).contains(count) else { throw PreferenceError("count", "must be between 1 and \(maxCount), got \(count)") }
        if let steps, !(1...ArithmeticProblem.maxSteps).contains(steps) {
            throw PreferenceError("steps", "must be between 1 and \(ArithmeticProblem.maxSteps), got \(steps)")
        }
        switch kind {
        case .arithmetic:
            guard (1...maxCorrupt).contains(corrupt) else {
                throw PreferenceError("corrupt", "must be between 1 and \(maxCorrupt) (0 would make chosen and rejected identical), got \(corrupt)")
            }
            if let steps, steps <= corrupt {
                throw PreferenceError("steps", "must be more than corrupt (\(corrupt)): the last step's result is the answer, never corrupted; got \(steps)")
            }
            return (0..<count).map { arithmetic(index: $0, corrupt: corrupt, steps: steps, seed: seed) }
        case .arithmeticFar:
            return (0..<count).map { arithmeticFar(index: $0, steps: steps, seed: seed) }
        case .choice:
            return (0..<count).map { choice(index: $0, seed: seed) }
        }
    }

    // MARK: - Arithmetic

    /// A problem with `steps` steps (default max(3, corrupt + 1)), so there are at least
    /// `corrupt` intermediate results; the last step's result is the final answer and is never
    /// corrupted.
    private static func arithmetic(index: Int, corrupt: Int, steps: Int?, seed: UInt64) -> PreferencePair {
        var random = PairRandom(seed: seed, stream: index)
        let problem = ArithmeticProblem.make(steps: steps ?? Swift.max(3, corrupt + 1), random: &random)
        let wrong = Set(random.distinct(corrupt, of: problem.steps.count - 1))
        let results = problem.steps.enumerated().map { i, step -> Int in
            guard wrong.contains(i) else { return step.after }
            let literal = NumberLiteral(range: 0..<0, negative: false, integerDigits: String(step.after), fractionDigits: "", groupedWithCommas: false)
            return ResultCorruption.perturbed(literal, random: &random).flatMap { Int($0) } ?? step.after + 1
        }
        return PreferencePair(prompt: problem.prompt, chosen: problem.solution(), rejected: problem.solution(results: results),
                              origin: "synthetic arithmetic \(index)")
    }

    /// The same problems, but the rejected completion is the worked solution of another problem
    /// with another answer, drawn from streams no chosen problem uses (negative indices).
    private static func arithmeticFar(index: Int, steps: Int?, seed: UInt64) -> PreferencePair {
        let stepCount = steps ?? 3
        let problem = ArithmeticProblem.make(index: index, steps: stepCount, seed: seed)
        var attempt = 0
        var other: ArithmeticProblem
        repeat {
            other = ArithmeticProblem.make(index: -1 - index - attempt * maxCount, steps: stepCount, seed: seed)
            attempt += 1
        } while other.answer == problem.answer
        return PreferencePair(prompt: problem.prompt, chosen: problem.solution(), rejected: other.solution(),
                              origin: "synthetic arithmetic_far \(index)")
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
