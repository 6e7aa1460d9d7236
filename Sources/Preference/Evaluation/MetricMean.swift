/// A metric's mean over documents and its standard error, as lm-evaluation-harness aggregates
/// `mean` metrics: the sample standard deviation (dividing by n − 1) over √n.
public struct MetricMean: Equatable, Sendable {
    public let mean: Double
    /// nil below two documents, where the sample standard deviation is undefined.
    public let standardError: Double?

    /// nil for no values.
    public init?(_ values: [Double]) {
        guard !values.isEmpty else { return nil }
        let n = Double(values.count)
        let average = values.reduce(0, +) / n
        mean = average
        guard values.count >= 2 else {
            standardError = nil
            return
        }
        let variance = values.reduce(0) { $0 + ($1 - average) * ($1 - average) } / (n - 1)
        standardError = variance.squareRoot() / n.squareRoot()
    }

    /// The mean and standard error of the share of `true`s.
    public init?(_ outcomes: [Bool]) { self.init(outcomes.map { $0 ? 1.0 : 0.0 }) }
}
