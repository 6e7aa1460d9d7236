import Testing
@testable import Training

struct ProgressTests {
    static func metrics(_ step: Int) -> StepMetrics {
        StepMetrics(step: step, loss: 2.5, learningRate: 3e-4, gradientNorm: 1.25, tokens: 100, tokensPerSecond: 1000, seconds: 0.1)
    }

    @Test func logsAPlainLineEveryFewStepsAndAtTheEnd() {
        var written: [String] = []
        let progress = ProgressReporter(total: 7, every: 3, isTerminal: false) { written.append($0) }
        for step in 1...7 { progress.update(Self.metrics(step), secondsLeft: Double(7 - step) * 0.1) }
        progress.finish()
        #expect(written.count == 3)
        #expect(written[0] == "step 3/7  grad_norm 1.250  loss 2.5000  lr 3.00e-04  1000 tok/s  ETA 0:00\n")
        #expect(written.last?.hasPrefix("step 7/7") == true)
    }

    /// A log ends with the count reached even when it falls between two lines (a stopped run).
    @Test func finishingBetweenTwoLinesWritesTheLastCount() {
        var written: [String] = []
        let progress = ProgressReporter(total: 224, every: 56, isTerminal: false, label: "exact match") { written.append($0) }
        for done in stride(from: 16, through: 208, by: 16) { progress.advance(to: done, figures: "\(done / 2) solved") }
        progress.finish()
        #expect(written.map { $0.split(separator: " ")[2] } == ["112/224", "208/224"])
        #expect(written.last == "exact match 208/224  104 solved\n")
        progress.finish()
        #expect(written.count == 2, "finish writes a count once")
    }

    @Test func drawsABarInPlaceOnATerminal() {
        var written: [String] = []
        let progress = ProgressReporter(total: 4, every: 10, isTerminal: true) { written.append($0) }
        progress.update(Self.metrics(2), secondsLeft: 125)
        progress.finish()
        #expect(written.count == 2)
        #expect(written[0].hasPrefix("\r\u{1B}[K████████████░░░░░░░░░░░░ 2/4  loss 2.5000"))
        #expect(written[0].hasSuffix("ETA 2:05"))
        #expect(written[1] == "\n")
        #expect(ProgressReporter.duration(3725) == "1:02:05")
    }

    /// The ETA comes from the step times in a checkpoint's history, which a corrupt file can make anything.
    @Test func anETABeyondReasonIsUnknownNotATrap() {
        for seconds in [1e300, .infinity, .nan, -1] { #expect(ProgressReporter.duration(seconds) == "?") }
        #expect(ProgressReporter.duration(999_999_999) == "277777:46:39")
    }
}
