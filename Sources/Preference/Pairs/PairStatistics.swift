/// The lengths and edit distance of one pair's texts, in one unit (tokens or characters).
public struct PairMeasure: Equatable, Sendable {
    public var promptLength: Int
    public var chosenLength: Int
    public var rejectedLength: Int
    /// Edit distance between the chosen and rejected completions.
    public var editDistance: Int
    /// First position where the completions differ (nil: identical).
    public var firstDifference: Int?

    public init(promptLength: Int, chosenLength: Int, rejectedLength: Int, editDistance: Int, firstDifference: Int?) {
        self.promptLength = promptLength
        self.chosenLength = chosenLength
        self.rejectedLength = rejectedLength
        self.editDistance = editDistance
        self.firstDifference = firstDifference
    }

    /// The measure of two completions given as sequences (token ids, characters, …).
    public init<Element: Equatable>(prompt: [Element], chosen: [Element], rejected: [Element]) {
        self.init(promptLength: prompt.count, chosenLength: chosen.count, rejectedLength: rejected.count,
                  editDistance: PairDistance.editDistance(chosen, rejected),
                  firstDifference: PairDistance.firstDifference(chosen, rejected))
    }

    /// The measure in characters (Swift `Character`s, i.e. what a reader counts), for pairs
    /// looked at without a tokenizer.
    public init(characters pair: PreferencePair) {
        self.init(prompt: Array(pair.prompt), chosen: Array(pair.chosen), rejected: Array(pair.rejected))
    }
}

/// Summary of a pair set: how many pairs, how far apart their completions are, how long they are.
///
/// `lowDistanceThreshold` (k) and `lowDistanceCount` answer "how many pairs are the paper's
/// low-edit-distance case"; `count(atMost:)` answers it for any other k.
public struct PairStatistics: Equatable, Sendable {
    public let count: Int
    public let meanEditDistance: Double
    /// The middle value; for an even count, the mean of the two middle values.
    public let medianEditDistance: Double
    public let minEditDistance: Int
    public let maxEditDistance: Int
    public let meanPromptLength: Double
    public let meanChosenLength: Double
    public let meanRejectedLength: Double
    public let lowDistanceThreshold: Int
    /// Pairs whose edit distance is at most `lowDistanceThreshold`.
    public let lowDistanceCount: Int
    /// Pairs whose completions are identical (distance 0), which no preference loss can learn from.
    public let identicalCount: Int
    /// Every pair's edit distance, ascending.
    public let sortedEditDistances: [Int]

    /// Statistics of `measures`; an empty set gives zeros (there is nothing to average).
    public init(_ measures: [PairMeasure], lowDistanceThreshold: Int = 1) {
        let distances = measures.map(\.editDistance).sorted()
        count = measures.count
        sortedEditDistances = distances
        self.lowDistanceThreshold = lowDistanceThreshold
        func mean(_ values: [Int]) -> Double { values.isEmpty ? 0 : Double(values.reduce(0, +)) / Double(values.count) }
        meanEditDistance = mean(distances)
        minEditDistance = distances.first ?? 0
        maxEditDistance = distances.last ?? 0
        if distances.isEmpty {
            medianEditDistance = 0
        } else if distances.count % 2 == 1 {
            medianEditDistance = Double(distances[distances.count / 2])
        } else {
            medianEditDistance = Double(distances[distances.count / 2 - 1] + distances[distances.count / 2]) / 2
        }
        meanPromptLength = mean(measures.map(\.promptLength))
        meanChosenLength = mean(measures.map(\.chosenLength))
        meanRejectedLength = mean(measures.map(\.rejectedLength))
        identicalCount = distances.prefix { $0 == 0 }.count
        lowDistanceCount = distances.prefix { $0 <= lowDistanceThreshold }.count
    }

    /// How many pairs have edit distance ≤ k.
    public func count(atMost k: Int) -> Int { sortedEditDistances.prefix { $0 <= k }.count }
}
