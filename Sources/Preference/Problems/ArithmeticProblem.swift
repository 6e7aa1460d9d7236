/// A word problem solved step by step with every intermediate result written out, in the shape
/// of the MetaMath solutions the DPOP paper built its low-edit-distance pairs from:
///
/// ```
/// Question: Ana has 5 apples. Then Ana gets 12 more. Then the number of apples doubles. How many apples does Ana have now?
/// Answer:
/// Ana starts with 5 apples.
/// After getting 12 more, Ana has 5 + 12 = 17 apples.
/// After it doubles, Ana has 17 * 2 = 34 apples.
/// The answer is: 34
/// ```
///
/// Seeded: problem `index` depends only on the seed, the index and the number of steps. The
/// synthetic pair generators and the default model's corpus both draw from here, so the model
/// is trained on exactly the format its pairs use.
public struct ArithmeticProblem: Equatable, Sendable {
    public enum Operation: Equatable, Sendable {
        case add(Int), remove(Int), multiply(Int)
    }

    public struct Step: Equatable, Sendable {
        public let operation: Operation
        public let before: Int
        public let after: Int
    }

    public let name: String
    public let item: String
    public let start: Int
    public let steps: [Step]

    public static let maxSteps = 21
    public static let answerMarker = "The answer is:"

    public var answer: Int { steps.last?.after ?? start }

    /// The question in the prompt format of every PrefLab pair (`Question: …\nAnswer:\n`).
    public var prompt: String { PairPrompt.question(question) }

    public var question: String {
        var text = "\(name) has \(start) \(item)."
        for step in steps { text += " " + clause(step.operation) }
        return text + " How many \(item) does \(name) have now?"
    }

    /// The worked solution; `results` replaces the written result of each step (the pair
    /// generators corrupt some), while every other character stays as in the true solution.
    public func solution(results: [Int]? = nil) -> String {
        var text = "\(name) starts with \(start) \(item).\n"
        for (i, step) in steps.enumerated() {
            let written = results.flatMap { i < $0.count ? $0[i] : nil } ?? step.after
            text += work(step) + String(written) + " \(item).\n"
        }
        return text + "\(Self.answerMarker) \(answer)"
    }

    private static let names = ["Ana", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Lena"]
    private static let items = ["apples", "stamps", "marbles", "books", "shells", "cookies", "pencils", "stickers"]

    /// Problem `index` of the stream `seed` with `stepCount` steps (1 to `maxSteps`). Numbers
    /// stay positive and below a few thousand.
    public static func make(index: Int, steps stepCount: Int, seed: UInt64) -> ArithmeticProblem {
        var random = PairRandom(seed: seed, stream: index)
        return make(steps: stepCount, random: &random)
    }

    static func make(steps stepCount: Int, random: inout PairRandom) -> ArithmeticProblem {
        let name = random.pick(names) ?? "Ana", item = random.pick(items) ?? "apples"
        var value = random.within(2...20)
        let start = value
        var steps: [Step] = []
        for _ in 0..<Swift.max(1, Swift.min(stepCount, maxSteps)) {
            let operation: Operation
            switch random.below(3) {
            case 0 where value >= 4: operation = .remove(random.within(1...(value - 1)))
            case 1 where value <= 60: operation = .multiply(random.within(2...3))
            default: operation = .add(random.within(2...30))
            }
            let before = value
            switch operation {
            case .add(let x): value += x
            case .remove(let x): value -= x
            case .multiply(let x): value *= x
            }
            steps.append(Step(operation: operation, before: before, after: value))
        }
        return ArithmeticProblem(name: name, item: item, start: start, steps: steps)
    }

    private func clause(_ operation: Operation) -> String {
        switch operation {
        case .add(let x): return "Then \(name) gets \(x) more."
        case .remove(let x): return "Then \(name) gives away \(x)."
        case .multiply(let x): return "Then the number of \(item) \(x == 2 ? "doubles" : "triples")."
        }
    }

    private func work(_ step: Step) -> String {
        switch step.operation {
        case .add(let x): return "After getting \(x) more, \(name) has \(step.before) + \(x) = "
        case .remove(let x): return "After giving away \(x), \(name) has \(step.before) - \(x) = "
        case .multiply(let x): return "After it \(x == 2 ? "doubles" : "triples"), \(name) has \(step.before) * \(x) = "
        }
    }
}
