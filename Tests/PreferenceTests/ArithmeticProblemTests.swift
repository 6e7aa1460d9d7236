import Testing
@testable import Preference

/// The worked problems shared by the pair generators and the default model's corpus.
@Suite struct ArithmeticProblemTests {
    /// Each line "…has a op b = c item." computes c from a and b, each line starts from the
    /// previous result, and the last line states the answer.
    @Test(arguments: [1, 2, 3, 4, 8])
    func solutionsWorkEveryStepOut(_ steps: Int) throws {
        for index in 0..<50 {
            let problem = ArithmeticProblem.make(index: index, steps: steps, seed: 3)
            #expect(problem.steps.count == steps)
            #expect(problem.prompt.hasPrefix("Question: \(problem.name) has \(problem.start) \(problem.item).") && problem.prompt.hasSuffix("Answer:\n"))
            let lines = problem.solution().split(separator: "\n").map(String.init)
            #expect(lines.count == steps + 2)
            #expect(lines.first == "\(problem.name) starts with \(problem.start) \(problem.item).")
            #expect(lines.last == "The answer is: \(problem.answer)")
            var value = problem.start
            for line in lines.dropFirst().dropLast() {
                let words = line.split(separator: " ")
                guard let equals = words.firstIndex(of: "="), equals >= 3,
                      let a = Int(words[equals - 3]), let b = Int(words[equals - 1]), let c = Int(words[equals + 1]) else {
                    Issue.record("not a worked step: \(line)")
                    continue
                }
                let expected: Int? = switch words[equals - 2] {
                case "+": a + b
                case "-": a - b
                case "*": a * b
                default: nil
                }
                #expect(a == value && c == expected && c > 0, "\(line)")
                value = c
            }
            #expect(value == problem.answer)
        }
    }

    @Test func theSameSeedAndIndexGiveTheSameProblem() {
        #expect(ArithmeticProblem.make(index: 0, steps: 3, seed: 1).question
                == "Jonas has 17 books. Then Jonas gets 29 more. Then Jonas gets 19 more. Then Jonas gets 13 more. How many books does Jonas have now?")
        #expect(ArithmeticProblem.make(index: 7, steps: 3, seed: 1) == ArithmeticProblem.make(index: 7, steps: 3, seed: 1))
        let differing = (0..<20).filter { ArithmeticProblem.make(index: $0, steps: 3, seed: 1) != ArithmeticProblem.make(index: $0, steps: 3, seed: 2) }
        #expect(differing.count >= 19)
    }

    @Test func writtenResultsReplaceOnlyTheirNumbers() {
        let problem = ArithmeticProblem.make(index: 4, steps: 3, seed: 9)
        let wrong = problem.steps[0].after + 1
        let corrupted = problem.solution(results: [wrong] + problem.steps.dropFirst().map(\.after))
        let original = problem.solution()
        #expect(corrupted != original)
        #expect(corrupted.replacingOccurrences(of: "= \(wrong) ", with: "= \(problem.steps[0].after) ") == original)
    }

    @Test func arithmeticPairsAreBuiltFromTheSameProblems() throws {
        let pairs = try SyntheticPairs.make(.arithmetic, count: 10, corrupt: 1, steps: 3, seed: 21)
        for (index, pair) in pairs.enumerated() {
            let problem = ArithmeticProblem.make(index: index, steps: 3, seed: 21)
            #expect(pair.prompt == problem.prompt && pair.chosen == problem.solution())
        }
    }

    @Test func farPairsRejectAnotherProblemsSolution() throws {
        let low = try SyntheticPairs.make(.arithmetic, count: 30, corrupt: 1, seed: 5)
        let far = try SyntheticPairs.make(.arithmeticFar, count: 30, seed: 5)
        for (near, distant) in zip(low, far) {
            #expect(distant.prompt == near.prompt && distant.chosen == near.chosen)
            let answer = { (text: String) in text.split(separator: "\n").last.map(String.init) }
            #expect(answer(distant.rejected) != answer(distant.chosen), "a different answer")
            #expect(distant.rejected.hasSuffix(answer(distant.rejected) ?? "") && distant.rejected.contains(" starts with "))
        }
        let lowDistance = PairStatistics(low.map { PairMeasure(characters: $0) }).meanEditDistance
        let farDistance = PairStatistics(far.map { PairMeasure(characters: $0) }).meanEditDistance
        #expect(farDistance > 10 * lowDistance)
        // Pair i does not depend on how many pairs were asked for.
        #expect(Array(try SyntheticPairs.make(.arithmeticFar, count: 45, seed: 5).prefix(30)) == far)
    }

    @Test func stepsAreChecked() {
        #expect(preferenceError { _ = try SyntheticPairs.make(.arithmetic, count: 5, corrupt: 2, steps: 2) }?.place == "steps")
        #expect(preferenceError { _ = try SyntheticPairs.make(.arithmeticFar, count: 5, steps: 0) }?.place == "steps")
        #expect(preferenceError { _ = try SyntheticPairs.make(.arithmetic, count: 5, steps: ArithmeticProblem.maxSteps + 1) }?.place == "steps")
    }
}
