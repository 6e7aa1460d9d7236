/// A training mistake a researcher can fix: a bad option, unusable data, a broken checkpoint.
/// `place` names where (an option, a file, a file and tensor); `message` says what is wrong.
public struct TrainingError: Error, Equatable, CustomStringConvertible {
    public let place: String
    public let message: String

    public init(_ place: String, _ message: String) {
        self.place = place
        self.message = message
    }

    public var description: String { "\(place): \(message)" }
}
